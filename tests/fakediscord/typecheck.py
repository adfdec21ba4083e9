"""Check JSON payloads against discord.py's TypedDicts in `discord/types`.

Those modules import each other in cycles and are never imported at run time by discord.py
itself, so `load_discord_types` loads them with a placeholder for names not yet defined and
patches the real objects in afterwards.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import pkgutil
import sys
import types
import typing
from typing import Any, ForwardRef, Literal, NotRequired, Required, Union, get_args, get_origin

_loaded = False


class _NotReady(Exception):
    """A module subclassed a TypedDict another module has not defined yet."""


class _Pending(ForwardRef, _root=True):  # type: ignore[misc,call-arg]
    """Stands in for a name a module imports from a module still being loaded."""

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[Any, ...]:
        raise _NotReady(self.__forward_arg__)


def load_discord_types() -> None:
    """Import every discord.types module (idempotent)."""
    global _loaded
    if _loaded:
        return
    package = importlib.import_module("discord.types")
    pending = [f"discord.types.{info.name}" for info in pkgutil.iter_modules(package.__path__)]
    done: list[types.ModuleType] = []
    while pending:
        for name in pending:
            spec = importlib.util.find_spec(name)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            # A module __getattr__ (PEP 562) answers `from .other import Name` for names the
            # other module has not defined yet.
            module.__getattr__ = functools.partial(_pending, module=name)  # type: ignore[method-assign]
            sys.modules[name] = module
        failed = []
        for name in pending:
            module = sys.modules[name]
            try:
                module.__spec__.loader.exec_module(module)  # type: ignore[union-attr]
            except _NotReady:
                failed.append(name)  # retried once the base class's module has loaded
            else:
                done.append(module)
        if len(failed) == len(pending):
            raise ImportError(f"cannot load {failed}")
        pending = failed
    for module in done:
        del module.__getattr__
    for module in done:
        for attr, value in list(vars(module).items()):
            if isinstance(value, _Pending):
                target = sys.modules[value.__forward_module__]  # type: ignore[index]
                setattr(module, attr, getattr(target, value.__forward_arg__))
        _add_type_checking_imports(module)
    _loaded = True


def _add_type_checking_imports(module: types.ModuleType) -> None:
    """Bind names imported under `if TYPE_CHECKING:`, which annotations refer to."""
    source = inspect.getsource(module)
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            continue
        for statement in node.body:
            if isinstance(statement, ast.ImportFrom):
                origin = importlib.import_module(
                    "." * statement.level + (statement.module or ""), module.__package__
                )
                for alias in statement.names:
                    setattr(module, alias.asname or alias.name, getattr(origin, alias.name))


def _pending(attr: str, module: str) -> _Pending:
    if attr.startswith("__"):
        raise AttributeError(attr)
    return _Pending(attr, module=module)


def typed_dict(dotted: str) -> Any:
    """`typed_dict("message.Message")` -> discord.types.message.Message."""
    load_discord_types()
    module, _, name = dotted.rpartition(".")
    return getattr(sys.modules[f"discord.types.{module}"], name)


def problems(value: Any, expected: Any, path: str = "$") -> list[str]:
    """Every way `value` fails to match the type `expected` (empty: it matches).

    Extra keys are allowed (Discord sends more than discord.py types); missing required keys,
    wrong JSON types and values outside a Literal are reported with their path.
    """
    origin, args = get_origin(expected), get_args(expected)
    if expected is Any or expected is object:
        return []
    if origin in (NotRequired, Required):
        return problems(value, args[0], path)
    if origin is Union:
        found = [problems(value, option, path) for option in args]
        return [] if any(not f for f in found) else min(found, key=len)
    if origin is Literal:
        return [] if value in args else [f"{path}: {value!r} not in {args}"]
    if expected is type(None):
        return [] if value is None else [f"{path}: expected null, got {value!r}"]
    if typing.is_typeddict(expected):
        return _typed_dict_problems(value, expected, path)
    if origin in (list, typing.List) or expected is list:  # noqa: UP006
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        item = args[0] if args else Any
        return [p for i, v in enumerate(value) for p in problems(v, item, f"{path}[{i}]")]
    if origin in (dict, typing.Dict) or expected is dict:  # noqa: UP006
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        item = args[1] if args else Any
        return [p for k, v in value.items() for p in problems(v, item, f"{path}.{k}")]
    return _scalar_problems(value, expected, path)


def _typed_dict_problems(value: Any, expected: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected {expected.__name__} object, got {type(value).__name__}"]
    hints = typing.get_type_hints(expected, include_extras=True)
    found: list[str] = []
    for key, hint in hints.items():
        # __required_keys__ mistakes string-annotated NotRequired for required on 3.11.
        required = key in expected.__required_keys__ and get_origin(hint) is not NotRequired
        if key not in value:
            if required:
                found.append(f"{path}: {expected.__name__} is missing {key!r}")
            continue
        found += problems(value[key], hint, f"{path}.{key}")
    return found


def _scalar_problems(value: Any, expected: Any, path: str) -> list[str]:
    if expected is bool:
        ok = isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif expected is str:
        ok = isinstance(value, str)
    else:
        return []  # types the checker does not model (e.g. unresolved forward references)
    return [] if ok else [f"{path}: expected {expected.__name__}, got {value!r}"]
