"""Run a bot in its own process against a FakeDiscord listening in the test process.

    python -m tests.fakediscord.launcher --port P -- run            # bot.cli.main(["run"])
    python -m tests.fakediscord.launcher --port P --module pkg.mod:main -- --flag

The launcher points discord.py at 127.0.0.1:P, installs the network guard, then calls the entry
point with the arguments after `--`. It is the only emulator module that may import `bot`, and
only here, at run time.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .endpoints import point_discordpy_at
from .netguard import NetworkGuard, report_to_stderr

DEFAULT_ENTRY_POINT = "bot.cli:main"


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Split launcher options from the entry point's own arguments (after `--`)."""
    argv = list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(prog="python -m tests.fakediscord.launcher")
    parser.add_argument("--port", type=int, required=True, help="the FakeDiscord's port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--module",
        default=DEFAULT_ENTRY_POINT,
        help="entry point as package.module:function (default: %(default)s)",
    )
    return parser.parse_args(argv[:split]), argv[split + 1 :]


def load_entry_point(spec: str) -> Callable[..., Any]:
    """Import `package.module:function`."""
    module_name, _, function = spec.partition(":")
    entry: Callable[..., Any] = getattr(importlib.import_module(module_name), function or "main")
    return entry


def main(argv: Sequence[str] | None = None) -> int:
    """Point discord.py at the emulator, guard the network, run the entry point."""
    options, rest = parse_args(sys.argv[1:] if argv is None else argv)
    base = f"http://{options.host}:{options.port}"
    point_discordpy_at(f"{base}/api/v10", f"ws://{options.host}:{options.port}/")
    NetworkGuard(on_violation=report_to_stderr).install()
    result = load_entry_point(options.module)(rest)
    if inspect.isawaitable(result):
        result = asyncio.run(_await(result))
    return int(result or 0)


async def _await(awaitable: Any) -> Any:
    return await awaitable


if __name__ == "__main__":
    sys.exit(main())
