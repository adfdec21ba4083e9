"""The question log: what is stored, for how long, and that answers never wait for it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.questionlog import DAY_SECONDS, QuestionEvent, QuestionLog, hash_user
from bot.settings import QuestionLogSettings
from tests.sqlite_helpers import locked

ROOT = Path(__file__).resolve().parents[1]
MEMBER = 123456789012345678


def settings(path: Path, **overrides: object) -> QuestionLogSettings:
    values: dict[str, object] = {"path": path, "salt": "test-salt", "retry_max_seconds": 0.1}
    values.update(overrides)
    return QuestionLogSettings.model_validate(values)


def event(question: str = "is it paid?", decision: str = "answer",
          entry_id: str | None = "salary", user_id: int = MEMBER) -> QuestionEvent:
    return QuestionEvent(guild_id=1, channel_id=2, user_id=user_id, source="message",
                         question=question, decision=decision, entry_id=entry_id,
                         confidence=0.9)


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def qlog(tmp_path: Path) -> AsyncIterator[QuestionLog]:
    log = QuestionLog(settings(tmp_path / "q.sqlite3"))
    await log.start()
    yield log
    await log.close()


async def test_a_question_is_stored_with_its_context(qlog: QuestionLog) -> None:
    key = qlog.record(event())
    assert await qlog.flush()
    stored = rows(qlog.path, "SELECT key, guild_id, channel_id, source, question, decision, "
                             "entry_id, confidence FROM questions")
    assert stored == [(key, 1, 2, "message", "is it paid?", "answer", "salary", 0.9)]


async def test_record_returns_a_short_key_without_waiting_for_the_disk(tmp_path: Path) -> None:
    log = QuestionLog(settings(tmp_path / "q.sqlite3"))
    await log.start()
    with locked(log.path):
        started = time.perf_counter()
        keys = [log.record(event()) for _ in range(200)]
        elapsed = time.perf_counter() - started
    await log.close()
    assert elapsed < 0.05
    assert all(len(k) == 32 and int(k, 16) >= 0 for k in keys)
    assert len(set(keys)) == 200
    assert keys == sorted(keys)  # in the order asked: SQLite appends to the key's index


async def test_member_ids_are_stored_only_as_salted_hashes(qlog: QuestionLog) -> None:
    key = qlog.record(event())
    qlog.vote(key, True, MEMBER)
    await qlog.flush()
    dump = "\n".join(sqlite3.connect(qlog.path).iterdump())
    assert str(MEMBER) not in dump
    assert hash_user(MEMBER, "test-salt") in dump
    assert hash_user(MEMBER, "other-salt") != hash_user(MEMBER, "test-salt")


async def test_a_members_last_vote_on_a_question_wins(qlog: QuestionLog) -> None:
    key = qlog.record(event())
    qlog.vote(key, True, MEMBER)
    qlog.vote(key, False, MEMBER)
    qlog.vote(key, True, MEMBER + 1)
    await qlog.flush()
    votes = rows(qlog.path, "SELECT user_hash, helpful FROM votes ORDER BY helpful")
    assert votes == [(hash_user(MEMBER, "test-salt"), 0), (hash_user(MEMBER + 1, "test-salt"), 1)]


async def test_rows_past_retention_are_pruned_at_start(tmp_path: Path) -> None:
    path, now = tmp_path / "q.sqlite3", time.time()
    for age_days in (100, 10):
        log = QuestionLog(settings(path), clock=Clock(now - age_days * DAY_SECONDS))
        await log.start()
        log.vote(log.record(event(f"asked {age_days} days ago")), True, MEMBER)
        await log.close()

    log = QuestionLog(settings(path, retention_days=90))
    await log.start()
    await log.close()
    assert rows(path, "SELECT question FROM questions") == [("asked 10 days ago",)]
    assert len(rows(path, "SELECT * FROM votes")) == 1


async def test_a_running_log_prunes_once_a_day(tmp_path: Path) -> None:
    clock = Clock(time.time())
    log = QuestionLog(settings(tmp_path / "q.sqlite3", retention_days=30), clock=clock)
    await log.start()
    log.record(event("old"))
    await log.flush()
    clock.now += 31 * DAY_SECONDS
    log.record(event("new"))
    await log.close()
    assert rows(log.path, "SELECT question FROM questions") == [("new",)]


async def test_writes_during_a_lock_are_kept_and_arrive_after_it(tmp_path: Path) -> None:
    log = QuestionLog(settings(tmp_path / "q.sqlite3"))
    await log.start()
    with locked(log.path):
        for number in range(3):
            log.record(event(f"question {number}"))
        await asyncio.sleep(0.5)  # several failed attempts
        assert log.queued == 3
    assert await log.flush(timeout=5)
    await log.close()
    assert len(rows(log.path, "SELECT * FROM questions")) == 3


async def test_an_unavailable_database_at_start_does_not_stop_the_bot(tmp_path: Path) -> None:
    blocker = tmp_path / "var"
    blocker.write_text("a file where the log directory should be")
    log = QuestionLog(settings(blocker / "q.sqlite3"))
    await log.start()  # logs and carries on
    log.record(event())
    await asyncio.sleep(0.3)
    assert log.queued == 1
    blocker.unlink()  # the disk is fixed: the writer creates the database and catches up
    assert await log.flush(timeout=5)
    await log.close()
    assert len(rows(log.path, "SELECT * FROM questions")) == 1


async def test_the_memory_bound_drops_the_oldest_rows_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = QuestionLog(settings(tmp_path / "q.sqlite3", max_queued=3))
    await log.start()
    with caplog.at_level(logging.ERROR), locked(log.path):
        for number in range(5):
            log.record(event(f"question {number}"))
        assert log.dropped >= 2
    await log.close()
    assert "dropping the oldest" in caplog.text
    kept = rows(log.path, "SELECT question FROM questions ORDER BY asked_at")
    assert kept[-1] == ("question 4",) and len(kept) <= 3


async def test_recording_never_fails_even_past_the_bound(tmp_path: Path) -> None:
    log = QuestionLog(settings(tmp_path / "q.sqlite3", max_queued=2))
    await log.start()
    with locked(log.path):
        log.record(event("first"))
        log.record(event("second"))
        await asyncio.sleep(0.3)  # both now in the batch the writer keeps retrying
        assert [len(log.record(event("more"))) for _ in range(3)] == [32, 32, 32]
        assert log.dropped == 3
    await log.close()
    assert rows(log.path, "SELECT question FROM questions ORDER BY question") == [
        ("first",), ("second",)]


async def test_a_row_the_database_rejects_does_not_stop_the_others(qlog: QuestionLog) -> None:
    impossible = QuestionEvent(guild_id=2**70, channel_id=2, user_id=MEMBER, source="ask",
                               question="?", decision="decline", entry_id=None, confidence=0)
    qlog.record(event("before"))
    qlog.record(impossible)  # an id SQLite cannot store: dropped with a log line
    qlog.record(event("after"))
    assert await qlog.flush()
    assert rows(qlog.path, "SELECT question FROM questions ORDER BY question") == [
        ("after",), ("before",)]
    assert qlog.dropped == 1


async def test_close_writes_every_queued_row(tmp_path: Path) -> None:
    log = QuestionLog(settings(tmp_path / "q.sqlite3"))
    await log.start()
    for number in range(1200):  # more than one batch
        log.record(event(f"question {number}"))
    await log.close()
    assert rows(log.path, "SELECT count(*) FROM questions") == [(1200,)]


WRITER = """
import asyncio, sys
from bot.questionlog import QuestionEvent, QuestionLog
from bot.settings import QuestionLogSettings

async def main():
    log = QuestionLog(QuestionLogSettings(path=sys.argv[1], salt="s"))
    await log.start()
    print("started", flush=True)
    while True:
        for n in range(500):
            log.record(QuestionEvent(1, 2, 3, "message", "q" * 200, "answer", "salary", 0.9))
        await asyncio.sleep(0)

asyncio.run(main())
"""


def test_a_kill_mid_write_leaves_a_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "started\n"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # wait for committed rows: a busy machine is slow
            with contextlib.suppress(sqlite3.OperationalError):  # schema not created yet
                if path.exists() and rows(path, "SELECT count(*) FROM questions")[0][0]:
                    break
            time.sleep(0.05)
        time.sleep(0.2)  # mid-stream of transactions
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    assert rows(path, "PRAGMA integrity_check") == [("ok",)]
    assert rows(path, "SELECT count(*) FROM questions")[0][0] > 0  # type: ignore[operator]
