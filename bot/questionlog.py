"""The question log: every question the bot handles, and the votes on its answers.

Answers come first. ``record`` and ``vote`` only append to an in-memory queue and return;
one writer task drains the queue into SQLite (WAL, one transaction per batch). If the
database is locked, missing or full, the rows stay queued (bounded) and the writer retries
with back-off, so a broken disk never costs a member an answer. Member ids are stored only
as salted hashes. The moderators' reports read the file with ``bot.report``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import itertools
import logging
import secrets
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.settings import QuestionLogSettings

log = logging.getLogger(__name__)

DAY_SECONDS = 86_400
# Rows written per transaction: large enough to catch up quickly after an outage, small
# enough that one transaction never holds the write lock for long.
BATCH_ROWS = 500
# First pause after a failed write; it doubles up to settings.retry_max_seconds.
RETRY_FIRST_SECONDS = 0.05
# A locked database fails fast so the writer can back off instead of blocking its thread.
BUSY_TIMEOUT_MS = 200
# SQLite page cache of the log's connection, in KiB (SQLite's default is 2,000).
PAGE_CACHE_KIB = 256
# How long ``close`` keeps trying to flush an unavailable database before giving up.
CLOSE_TIMEOUT_SECONDS = 10.0
CLOSING_RETRY_SECONDS = 0.1
# Errors about the rows themselves, not about the database being unavailable.
_BAD_ROWS = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError,
             sqlite3.DataError, TypeError, OverflowError)

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    key TEXT PRIMARY KEY,
    asked_at REAL NOT NULL,          -- Unix time, UTC
    guild_id INTEGER,
    channel_id INTEGER,
    user_hash TEXT NOT NULL,         -- salted hash, never the raw id
    source TEXT NOT NULL,            -- message | ask | context_menu
    question TEXT NOT NULL,
    decision TEXT NOT NULL,          -- answer | suggest | decline
    entry_id TEXT,
    confidence REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
CREATE TABLE IF NOT EXISTS votes (
    question_key TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    helpful INTEGER NOT NULL,
    entry_id TEXT,                   -- the entry voted on, when not the question's own
    voted_at REAL NOT NULL,
    PRIMARY KEY (question_key, user_hash)
);
CREATE INDEX IF NOT EXISTS votes_voted_at ON votes (voted_at);
CREATE TABLE IF NOT EXISTS lost_replies (  -- the reply to a question could not be posted
    question_key TEXT PRIMARY KEY,
    lost_at REAL NOT NULL
);
PRAGMA user_version = 1;
"""

_INSERT_QUESTION = "INSERT OR IGNORE INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
# One vote per member per question: a second click replaces the first.
_UPSERT_VOTE = (
    "INSERT INTO votes VALUES (?, ?, ?, ?, ?) ON CONFLICT (question_key, user_hash) "
    "DO UPDATE SET helpful = excluded.helpful, entry_id = excluded.entry_id, "
    "voted_at = excluded.voted_at"
)
_INSERT_LOST = "INSERT OR IGNORE INTO lost_replies VALUES (?, ?)"


@dataclass(frozen=True)
class QuestionEvent:
    """One question as the bot handled it."""

    guild_id: int | None
    channel_id: int | None
    user_id: int
    source: str  # "message" | "ask" | "context_menu"
    question: str
    decision: str  # a bot.matching.Decision value
    entry_id: str | None
    confidence: float


@functools.lru_cache(maxsize=4096)  # the same members ask again: hash each once
def hash_user(user_id: int, salt: str) -> str:
    """A stable pseudonym for a member: keyed BLAKE2b, so the id cannot be read back."""
    return hashlib.blake2b(str(user_id).encode("ascii"), key=_salt_key(salt),
                           digest_size=16).hexdigest()


@functools.cache
def _salt_key(salt: str) -> bytes:
    return hashlib.sha256(salt.encode("utf-8")).digest()  # one salt per run: derived once


_Row = tuple[str, tuple[object, ...]]  # (SQL, parameters)


class QuestionLog:
    """Queued, never-blocking writes of questions and votes to SQLite."""

    def __init__(
        self, settings: QuestionLogSettings, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = Path(settings.path)
        self._settings = settings
        self._salt = settings.salt.get_secret_value()
        self._clock = clock
        self._pending: deque[_Row] = deque()
        self._inflight: list[_Row] = []
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._db: aiosqlite.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_prune = float("-inf")
        self._failing_since: float | None = None
        self._overflowing = False
        self.dropped = 0  # rows lost to the memory bound, for tests and diagnostics
        self._key_time = 0

    @property
    def queued(self) -> int:
        """Rows not yet in the database."""
        return len(self._pending) + len(self._inflight)

    async def start(self) -> None:
        """Open the database, create the schema, prune old rows and start the writer.

        An unavailable database is logged, not raised: the writer keeps retrying.
        """
        if self._salt == "change-me":
            log.warning("question_log.salt is the default; set BOT_QUESTION_LOG__SALT so "
                        "member hashes cannot be recomputed by others")
        try:
            await self._open()
            await self._prune_if_due()
        except (sqlite3.Error, OSError) as error:
            log.warning("question log %s unavailable (%s); answering anyway and retrying",
                        self.path, error)
            await self._close_db()
        self._task = asyncio.create_task(self._writer(), name="question-log-writer")

    def record(self, event: QuestionEvent) -> str:
        """Queue one question; return its key (for votes) at once."""
        # 32 hex characters: the time in ns (never the same or earlier twice), then 64
        # random bits. Keys in the order they are made let SQLite append to the key's
        # index instead of rewriting a random page of it for each row.
        self._key_time = max(time.time_ns(), self._key_time + 1)
        key = f"{self._key_time:016x}{secrets.token_hex(8)}"
        self._enqueue((_INSERT_QUESTION, (
            key, self._clock(), event.guild_id, event.channel_id,
            hash_user(event.user_id, self._salt), event.source, event.question,
            event.decision, event.entry_id, event.confidence,
        )))
        return key

    def vote(
        self, question_key: str, helpful: bool, user_id: int, entry_id: str | None = None
    ) -> None:
        """Queue a member's vote on an answer; their last vote on a question wins.

        ``entry_id`` names the entry voted on when it is not the question's own (e.g. an
        answer picked from "Did you mean" choices).
        """
        self._enqueue((_UPSERT_VOTE, (
            question_key, hash_user(user_id, self._salt), int(helpful), entry_id, self._clock(),
        )))

    def reply_lost(self, question_key: str) -> None:
        """Queue a note that the reply to a logged question never reached the member."""
        self._enqueue((_INSERT_LOST, (question_key, self._clock())))

    async def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued row is written (or ``timeout``); True if all were."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        return self.queued == 0

    async def close(self) -> None:
        """Write every queued row (trying for a bounded time), then close the database."""
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), CLOSE_TIMEOUT_SECONDS)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        if self.queued:
            log.error("question log closed with %d row(s) not written", self.queued)
        await self._close_db()

    # -- writer -----------------------------------------------------------------------

    def _enqueue(self, row: _Row) -> None:
        if self.queued >= self._settings.max_queued:
            self.dropped += 1
            if not self._overflowing:
                self._overflowing = True
                log.error("question log: %d rows waiting, dropping the oldest until the "
                          "database can be written again", self._settings.max_queued)
            if not self._pending:
                return  # all waiting rows are in the batch being retried: drop this one
            self._pending.popleft()
        self._pending.append(row)
        self._idle.clear()
        self._wake.set()

    async def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # WAL + transactions: a kill mid-write leaves the last committed state intact.
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            # The log is appended to and read now and then: SQLite's default page cache of
            # 2 MB per connection held about 1.2 MB of the bot's memory under a flood.
            await db.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
            await db.executescript(SCHEMA)
        except BaseException:
            await db.close()
            raise
        self._db = db

    async def _close_db(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await self._db.close()
            self._db = None

    async def _prune_if_due(self) -> None:
        now = self._clock()
        if self._db is None or now - self._last_prune < DAY_SECONDS:
            return
        cutoff = now - self._settings.retention_days * DAY_SECONDS
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            cursor = await self._db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
            await self._db.execute("DELETE FROM votes WHERE voted_at < ?", (cutoff,))
            await self._db.execute("DELETE FROM lost_replies WHERE lost_at < ?", (cutoff,))
            await self._db.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise
        self._last_prune = now
        if cursor.rowcount:
            log.info("question log: pruned %d question(s) older than %d days",
                     cursor.rowcount, self._settings.retention_days)

    async def _rollback(self) -> None:
        if self._db is not None and self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await self._db.execute("ROLLBACK")

    async def _write_batch(self) -> None:
        if self._db is None:
            await self._open()
        await self._prune_if_due()
        if not self._inflight:
            while self._pending and len(self._inflight) < BATCH_ROWS:
                self._inflight.append(self._pending.popleft())
        if not self._inflight:
            return
        try:
            await self._transaction(self._inflight)
        except _BAD_ROWS:
            # One row the database rejects must not cost the others: find it row by row.
            while self._inflight:
                try:
                    await self._transaction(self._inflight[:1])
                except _BAD_ROWS:
                    log.exception("question log: dropping a row the database rejected")
                    self.dropped += 1
                self._inflight.pop(0)
        self._inflight.clear()

    async def _transaction(self, batch: list[_Row]) -> None:
        assert self._db is not None
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            # Consecutive rows of one kind go in one call: one thread hop, not one per row.
            for sql, group in itertools.groupby(batch, key=lambda row: row[0]):
                await self._db.executemany(sql, [params for _, params in group])
            await self._db.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise

    async def _writer(self) -> None:
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                await self._write_batch()
            except (sqlite3.Error, OSError, ValueError) as error:
                # ValueError: aiosqlite's connection thread is gone; reopen next time.
                if self._failing_since is None:
                    self._failing_since = self._clock()
                    log.warning("question log: cannot write to %s (%s); keeping %d row(s) "
                                "in memory and retrying", self.path, error, self.queued)
                if not _is_busy(error):
                    await self._close_db()
                await self._pause(delay)
                delay = min(delay * 2, self._settings.retry_max_seconds)
                continue
            delay = RETRY_FIRST_SECONDS
            if self._failing_since is not None:
                log.info("question log: writing again after %.1f s",
                         self._clock() - self._failing_since)
                self._failing_since = None
            if self.queued:
                continue
            self._overflowing = False
            self._idle.set()
            if self._stop.is_set():
                return
            self._wake.clear()
            # Sleep until there is something to write, waking daily to prune.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), DAY_SECONDS)


    async def _pause(self, delay: float) -> None:
        """Back off before a retry; while closing, retry soon but never spin."""
        if self._stop.is_set():
            await asyncio.sleep(min(delay, CLOSING_RETRY_SECONDS))
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), delay)


def _is_busy(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text)

