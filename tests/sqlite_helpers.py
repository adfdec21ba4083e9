"""SQLite helpers shared by the question-log tests (unit and end-to-end)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def locked(path: Path, timeout: float = 2.0) -> Iterator[sqlite3.Connection]:
    """A second connection holding the write lock (a backup tool, a stuck writer)."""
    db = sqlite3.connect(path, isolation_level=None, timeout=timeout)
    db.execute("BEGIN EXCLUSIVE")
    try:
        yield db
    finally:
        db.execute("COMMIT")
        db.close()


def integrity(path: Path) -> list[tuple[Any, ...]]:
    """What ``PRAGMA integrity_check`` says of the database at ``path``."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA integrity_check").fetchall()


def stored_questions(path: Path) -> Counter[str]:
    """The question log's questions at ``path``, each with how many rows it has."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return Counter(q for (q,) in db.execute("SELECT question FROM questions"))
