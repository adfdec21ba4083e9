"""What a benchmark measured: the commit, so a figure can be traced to its code."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def core_kind() -> str:
    """Whether the answering core ran compiled (bot/native.py) or as Python."""
    import bot.matching

    compiled = not Path(bot.matching.__file__ or "").name.endswith(".py")
    return "core compiled (mypyc)" if compiled else "core as Python"


def engine_version() -> str:
    """The commit measured, whether bot/ or config/ had uncommitted changes, and whether
    the core ran compiled."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "bot", "config")
    changes = " + uncommitted changes in bot/ or config/" if dirty else ""
    return f"commit {commit}{changes}, {core_kind()}"
