"""What a benchmark measured: the commit, so a figure can be traced to its code."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def engine_version() -> str:
    """The commit measured, and whether bot/ or config/ had uncommitted changes."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "bot", "config")
    return f"commit {commit}" + (" + uncommitted changes in bot/ or config/" if dirty else "")
