"""Parse YAML once, keeping where every value sits so problems can cite ``line:column``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml is several times faster; the pure-Python loader gives the same marks.
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

Location = tuple[int, int]  # 1-based line and column


def _mark(node: yaml.Node) -> Location:
    return node.start_mark.line + 1, node.start_mark.column + 1


@dataclass
class ParsedYaml:
    """Plain data plus the node tree to locate values in it."""

    data: Any = None
    root: yaml.Node | None = None
    syntax_error: tuple[int, int, str] | None = None
    duplicate_keys: list[tuple[int, int, str]] = field(default_factory=list)

    def locate(self, loc: Sequence[int | str], key: bool = False) -> Location:
        """Line and column of the value at ``loc`` (or of its key), else of its nearest parent."""
        node = self.root
        if node is None:
            return 1, 1
        where = _mark(node)
        for part in loc:
            child: yaml.Node | None = None
            key_node: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                        key_node, child = k, v
            elif (isinstance(node, yaml.SequenceNode) and isinstance(part, int)
                  and 0 <= part < len(node.value)):
                child = node.value[part]
            if child is None:
                return where
            where = _mark(key_node) if key and key_node is not None else _mark(child)
            node = child
        return where


def _find_duplicate_keys(node: yaml.Node, found: list[tuple[int, int, str]]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    line, column = _mark(key)
                    found.append((line, column, f"key '{key.value}' appears twice in one mapping"))
                seen.add(key.value)
            _find_duplicate_keys(value, found)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _find_duplicate_keys(item, found)


def compose_with_locations(text: str) -> ParsedYaml:
    """Parse ``text``; a syntax error is returned as a value, never raised."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return ParsedYaml(data=None)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return ParsedYaml(syntax_error=(line, column, str(error.problem or error)))
    except yaml.YAMLError as error:
        return ParsedYaml(syntax_error=(1, 1, str(error)))
    finally:
        loader.dispose()
    parsed = ParsedYaml(data=data, root=root)
    _find_duplicate_keys(root, parsed.duplicate_keys)
    return parsed
