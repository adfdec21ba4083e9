"""Faults from issue 6, through the real bot in-process: what members and moderators see.

* the gateway dropped 10 times (close 4000 and TCP abort, alternating) during a flood;
* scripted 429s and 5xx answers to the bot's replies during a flood;
* the FAQ file truncated, corrupted, deleted and restored while live reload runs;
* the question log's database locked, and its disk full, while members ask;
* one member spamming 100 questions inside the cooldown window.

Every test here has a hard deadline well under the folder's 30 s one (``FAULT_TIMEOUT``);
every wait inside has its own, shorter timeout. The subprocess faults (SIGTERM, SIGKILL,
start-up failures) are in ``test_faults_process.py``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.knowledge import load_faq_text
from bot.matching import Thresholds
from tests.e2e.botfixtures import Residency, StartResidency, residency, start_residency
from tests.e2e.flood import MEMBERS, ask, question
from tests.fakediscord import Harness, Sent
from tests.sqlite_helpers import integrity, locked, stored_questions
from tests.test_reload import NEW_FEES_ANSWER, edit_fees_answer

__all__ = ["residency", "start_residency"]

FAULT_TIMEOUT = 15  # seconds, per test
pytestmark = pytest.mark.timeout(FAULT_TIMEOUT)

def replies_per_message(dc: Harness, messages: list[dict[str, Any]]) -> Counter[int]:
    """How many bot messages reply to each of ``messages`` (0 for none)."""
    wanted = {int(m["id"]) for m in messages}
    counts: Counter[int] = Counter({message_id: 0 for message_id in wanted})
    for sent in dc.sent:
        if sent.kind == "message" and sent.reference_id in wanted:
            counts[int(sent.reference_id)] += 1
    return counts


def reply_for(dc: Harness, message: dict[str, Any]) -> Sent:
    found = [s for s in dc.sent if s.kind == "message" and s.reference_id == int(message["id"])]
    assert len(found) == 1, (message["content"], [s.text for s in found])
    return found[0]


async def wait_answered(dc: Harness, messages: list[dict[str, Any]], timeout: float) -> None:
    """Wait until every message has at least one reply."""
    await dc.wait_for(lambda: min(replies_per_message(dc, messages).values()) >= 1,
                      what=f"a reply to each of {len(messages)} questions", timeout=timeout)


def assert_each_answered_once(residency: Residency, messages: list[dict[str, Any]]) -> Counter[int]:
    """Every flood question (``ask`` numbering) has exactly one reply, with its entry."""
    counts = replies_per_message(residency.dc, messages)
    assert sorted(Counter(counts.values()).items()) == [(1, len(messages))], counts
    for number, message in enumerate(messages):
        embed = reply_for(residency.dc, message).embeds[0]
        assert embed["title"] == residency.question(question(number)[1])
    return counts


async def flood_through_faults(
    dc: Harness, faults: Sequence[Callable[[], Awaitable[None]]], per_fault: int,
    resume_timeout: float,
) -> list[dict[str, Any]]:
    """Questions in batches of ``per_fault``, each fault halfway through its batch, so the
    rest of the batch reaches the bot only through RESUME's replay; waits for the resume."""
    gateway = dc.server.gateway
    messages: list[dict[str, Any]] = []
    for index, fault in enumerate(faults):
        resumes = gateway.resumes
        for number in range(index * per_fault, (index + 1) * per_fault):
            if number == index * per_fault + per_fault // 2:
                await fault()
            messages.append(await ask(dc, number))
        # The next fault must hit a live connection, not one still reconnecting.
        await dc.wait_for(lambda resumes=resumes: gateway.resumes > resumes and
                          bool(gateway.connections), what="the bot to resume",
                          timeout=resume_timeout)
    return messages


# --- 1. the gateway dropped 10 times during a flood ---------------------------------------

FLOOD = 100
DROPS = 10


async def test_gateway_dropped_ten_times_during_a_flood_loses_and_doubles_nothing(
    residency: Residency,
) -> None:
    dc = residency.dc
    gateway = dc.server.gateway

    async def close_4000() -> None:
        await dc.drop_gateway(4000)

    started = time.monotonic()
    faults = [close_4000 if drop % 2 == 0 else dc.abort_gateway for drop in range(DROPS)]
    messages = await flood_through_faults(dc, faults, FLOOD // DROPS, resume_timeout=5)
    await wait_answered(dc, messages, timeout=8)
    await dc.settle(quiet=0.2)
    elapsed = time.monotonic() - started

    counts = assert_each_answered_once(residency, messages)
    assert len(messages) == FLOOD
    assert gateway.resumes == DROPS
    assert gateway.identifies == 1  # every drop was resumed, no session was lost
    assert gateway.close_codes.count(4000) == DROPS // 2
    print(f"\ngateway drops: {FLOOD} questions, {DROPS} drops "
          f"({DROPS // 2} close 4000, {DROPS // 2} TCP abort), {gateway.resumes} resumes, "
          f"replies per question {dict(Counter(counts.values()))}, {elapsed:.2f} s")


# Discord also asks clients to reconnect (op 7 RECONNECT) and closes with other codes.
OTHER_DROPS = ["op7", "op7", 1001, 4009, "op9-resumable", 1011]


async def test_reconnect_requests_and_other_close_codes_during_a_flood_lose_nothing(
    residency: Residency,
) -> None:
    """op 7 RECONNECT, INVALID_SESSION that may be resumed, and closes 1001 (going away),
    4009 (session timed out; the emulator keeps it resumable) and 1011: each one mid-batch,
    with the rest of the batch sent while the bot reconnects."""
    dc = residency.dc
    gateway = dc.server.gateway

    def fault(kind: str | int) -> Callable[[], Awaitable[None]]:
        async def inject() -> None:
            if kind == "op7":
                gateway.send_op(7, None)
            elif kind == "op9-resumable":
                gateway.send_op(9, True)
            else:
                await dc.drop_gateway(int(kind))
        return inject

    messages = await flood_through_faults(dc, [fault(kind) for kind in OTHER_DROPS], 8,
                                          resume_timeout=8)
    await wait_answered(dc, messages, timeout=8)
    await dc.settle(quiet=0.2)
    counts = assert_each_answered_once(residency, messages)
    assert gateway.identifies == 1  # every one of them was resumed
    print(f"\nother drops: {len(messages)} questions, faults {OTHER_DROPS}, "
          f"{gateway.resumes} resumes, replies per question {dict(Counter(counts.values()))}")


@pytest.mark.timeout(FAULT_TIMEOUT + 10)  # discord.py waits 1-5 s before identifying again
async def test_a_session_discord_invalidates_is_replaced_and_answering_goes_on(
    residency: Residency, caplog: pytest.LogCaptureFixture,
) -> None:
    """INVALID_SESSION that cannot be resumed: discord.py identifies again, as a new session,
    and the bot answers on it without an error. (Messages posted while a session is replaced
    are not delivered by real Discord either; this test sends none then.)"""
    caplog.set_level(logging.WARNING)
    dc = residency.dc
    gateway = dc.server.gateway
    before = [await ask(dc, n) for n in range(10)]
    await wait_answered(dc, before, timeout=5)
    gateway.send_op(9, False)
    await dc.wait_for(lambda: gateway.identifies == 2 and bool(gateway.connections),
                      what="the bot to identify again", timeout=10)
    await dc.settle(quiet=0.2)
    after = [await ask(dc, n) for n in range(10, 30)]
    await wait_answered(dc, after, timeout=5)
    await dc.settle(quiet=0.2)
    assert_each_answered_once(residency, before + after)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    print(f"\ninvalid session: re-identified ({gateway.identifies} IDENTIFYs), "
          f"{len(before) + len(after)} questions answered once each")


# --- 2. scripted 429s and 5xx on the bot's replies during a flood --------------------------

REPLY_ROUTE = "/channels/{channel_id}/messages"
# (status, retry_after, times) scripted in turn on the bot's reply POSTs during the flood.
REST_FAULTS = [
    (429, 0.2, 1),
    (429, 0.1, 3),  # the same reply refused three times in a row, then sent
    (500, 0.0, 1),  # retried by discord.py after 1 s
    (503, 0.0, 1),  # not retried by discord.py; the bot retries it after 1 s
    (429, 0.2, 1),
    (502, 0.0, 1),  # retried after 1 s
]
REST_BURSTS = [15, 15, 15, 15, 15, 15, 10]  # questions sent before each fault, and after


async def test_rate_limits_and_server_errors_during_a_flood_lose_no_reply(
    residency: Residency, caplog: pytest.LogCaptureFixture,
) -> None:
    """discord.py (http.py, ``HTTPClient.request``) retries a 429 carrying ``Via`` and a JSON
    ``retry_after`` after that delay, and a 500/502/504/524 after ``1 + 2 * tries`` seconds
    (5 tries in all); any other 5xx, such as 503, raises ``DiscordServerError`` at once, and
    the bot retries that reply itself.

    Replies to one channel share a rate-limit bucket and go one at a time, so piled up on one
    reply the faults would exhaust its 5 tries. The flood therefore comes in bursts: each
    burst is sent without yielding to the (in-process) bot, its fault is scripted before the
    bot has read any of it, and the next burst follows once that fault was used and a reply
    succeeded after it, with the rest of the burst still waiting to be answered.
    """
    caplog.set_level(logging.WARNING)
    dc = residency.dc
    messages: list[dict[str, Any]] = []

    def ok_replies(since: int) -> int:
        return sum(1 for r in dc.requests[since:] if r.method == "POST"
                   and r.route == "/api/v10" + REPLY_ROUTE and r.status == 200)

    started = time.monotonic()
    for burst, fault in zip(REST_BURSTS, [*REST_FAULTS, None], strict=True):
        for _ in range(burst):
            messages.append(await ask(dc, len(messages)))
        if fault is None:
            continue
        status, retry_after, times = fault
        scripted = dc.script_error("POST", REPLY_ROUTE, status=status, retry_after=retry_after,
                                   times=times)
        await dc.wait_for(lambda scripted=scripted: scripted.times == 0,
                          what=f"a reply to get {status}", timeout=3)
        used = len(dc.requests)
        await dc.wait_for(lambda used=used: ok_replies(used) > 0,
                          what=f"a reply to succeed after the {status}", timeout=3)
    assert len(messages) == FLOOD
    await dc.wait_for(lambda: all(replies_per_message(dc, messages).values()),
                      what="every retried reply", timeout=5)
    await dc.settle(quiet=0.2)
    elapsed = time.monotonic() - started

    statuses = Counter(r.status for r in dc.requests
                       if r.method == "POST" and r.route == "/api/v10" + REPLY_ROUTE)
    assert statuses == {200: FLOOD, 429: 5, 500: 1, 502: 1, 503: 1}, statuses
    assert_each_answered_once(residency, messages)
    # Nothing was lost, so nothing is an error; the retries are warnings.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert sum("We are being rate limited" in r.getMessage() for r in caplog.records) == 5
    assert sum("Discord answered 503 to a reply" in r.getMessage()
               for r in caplog.records) == 1

    # ... and the bot keeps serving: the next question is answered at once.
    asked = time.monotonic()
    _, reply = await residency.mention("do I have to relocate?")
    assert reply.embeds[0]["title"] == residency.question("relocation")
    assert time.monotonic() - asked < 1.0
    print(f"\nREST faults: {FLOOD} questions, reply POST statuses {dict(statuses)}, "
          f"{FLOOD} answered once, {elapsed:.2f} s")


GLOBAL_RETRY_AFTER = 0.5


async def test_a_global_rate_limit_holds_every_reply_then_loses_none(
    residency: Residency, caplog: pytest.LogCaptureFixture,
) -> None:
    """A 429 with ``global: true`` stops every request of the bot, whatever its route, for
    ``retry_after`` (discord.py's global lock): the reply refused is sent again after it, and
    a reply to another channel, asked meanwhile, waits for it too. None is lost."""
    caplog.set_level(logging.WARNING)
    dc = residency.dc
    scripted = dc.script_error("POST", REPLY_ROUTE, status=429, retry_after=GLOBAL_RETRY_AFTER,
                               times=1, is_global=True)
    first = await ask(dc, 0)
    await dc.wait_for(lambda: scripted.times == 0, what="the global 429", timeout=3)
    refused_at = next(r.at for r in dc.requests if r.status == 429)
    other_channel = await dc.say(MEMBERS[1], "answers", question(1)[0], mentions_bot=True)
    messages = [first, other_channel]
    await wait_answered(dc, messages, timeout=5)
    await dc.settle(quiet=0.2)

    replies = [r for r in dc.requests
               if r.method == "POST" and r.route == "/api/v10" + REPLY_ROUTE]
    assert [r.status for r in replies] == [429, 200, 200]
    # Both replies went out only once the global limit was over (a little slack for timers).
    assert all(r.at - refused_at >= GLOBAL_RETRY_AFTER - 0.05 for r in replies[1:])
    assert_each_answered_once(residency, messages)
    logged = [r.getMessage() for r in caplog.records]
    assert sum("Global rate limit has been hit" in line for line in logged) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    _, reply = await residency.mention("do I have to relocate?")  # and it keeps serving
    assert reply.embeds[0]["title"] == residency.question("relocation")


async def test_a_reply_discord_keeps_refusing_is_logged_once_and_counted_as_lost(
    residency: Residency, caplog: pytest.LogCaptureFixture,
) -> None:
    """Three 503s in a row: the bot's own tries are spent, that member gets no reply, the
    log says so in one line without a traceback, and the question log counts it as lost."""
    caplog.set_level(logging.WARNING)
    dc = residency.dc
    dc.script_error("POST", REPLY_ROUTE, status=503, times=3)
    lost = await dc.say(MEMBERS[0], "general", "is the residency paid?", mentions_bot=True)
    await dc.wait_for(lambda: sum(r.status == 503 for r in dc.requests) == 3,
                      what="three refused tries", timeout=6)
    # One message tried three times: one nonce, so Discord would post it at most once.
    assert len({r.body["nonce"] for r in dc.requests if r.status == 503}) == 1

    _, reply = await residency.mention("do I have to relocate?")  # and it keeps serving
    assert reply.embeds[0]["title"] == residency.question("relocation")
    assert replies_per_message(dc, [lost])[int(lost["id"])] == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert "Discord kept answering 503; that member got no answer" in errors[0].getMessage()

    assert await residency.log.flush()
    key = next(k for k, event in residency.log.events if event.question.endswith("paid?"))
    with sqlite3.connect(residency.log.path) as db:
        assert db.execute("SELECT question_key FROM lost_replies").fetchall() == [(key,)]


# --- 3. the FAQ file truncated, corrupted, deleted, restored ------------------------------

ANNOUNCED = "when was the residency announced?"


def mod_log_posts(dc: Harness) -> list[Sent]:
    channel = dc.channel("mod-log").id
    return [s for s in dc.sent if s.kind == "message" and s.channel_id == channel]


async def next_mod_log_post(dc: Harness, since: int) -> Sent:
    channel = dc.channel("mod-log").id
    return await dc.wait_for_sent(lambda s: s.kind == "message" and s.channel_id == channel,
                                  since=since, timeout=3)


@pytest.fixture
async def watching(start_residency: StartResidency, fake_discord: Harness) -> Residency:
    """The bot with live reload on, reports going to #mod-log."""
    return await start_residency(watch_faq=True, faq_reload_settle_seconds=0.1,
                                 mod_log_channel=fake_discord.channel("mod-log").id)


async def answer_to(started: Residency, text: str) -> dict[str, Any]:
    _, reply = await started.mention(text)
    assert reply.embeds, reply.text
    embed: dict[str, Any] = reply.embeds[0]
    return embed


def truncated_mid_entry(good: bytes) -> bytes:
    """Cut inside the fees entry, before its answer: the file no longer validates."""
    return good[:good.index(b"  - id: fees")] + b"  - id: fees\n    question: Is there a f"


JUNK = b"\x00\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16  # binary, not UTF-8


async def test_a_truncated_corrupted_or_deleted_faq_keeps_the_last_good_one_until_restored(
    watching: Residency,
) -> None:
    dc, faq = watching.dc, watching.tmp_path / "faqs.yaml"
    good = faq.read_bytes()
    entries = watching.bot.store.current.faq.entries
    fees = await answer_to(watching, "is there a fee?")
    announced = await answer_to(watching, ANNOUNCED)

    breakages: list[tuple[str, Any, str]] = [
        ("truncated to nothing", lambda: faq.write_bytes(b""), "valid dictionary"),
        ("truncated mid-entry", lambda: faq.write_bytes(truncated_mid_entry(good)),
         "missing required field 'answer'"),
        ("binary junk", lambda: faq.write_bytes(JUNK), "cannot read the file: not UTF-8"),
        ("deleted", faq.unlink, "cannot read the file: No such file"),
    ]
    for name, breakage, problem in breakages:
        since = dc.mark()
        breakage()
        report = await next_mod_log_post(dc, since)  # the moderators are told ...
        assert report.embeds[0]["title"] == "FAQ edit rejected", name
        assert f"still serving the previous version ({len(entries)} entries)" in report.text, name
        assert problem in report.text, (name, report.text)
        # ... and members notice nothing.
        assert await answer_to(watching, "is there a fee?") == fees, name
        assert await answer_to(watching, ANNOUNCED) == announced, name
        assert watching.bot.store.current.faq.entries == entries, name

    since = dc.mark()
    restored = time.monotonic()
    faq.write_text(edit_fees_answer(good.decode("utf-8")), encoding="utf-8")
    while NEW_FEES_ANSWER not in (await answer_to(watching, "is there a fee?"))["description"]:
        assert time.monotonic() - restored < 3.0, "the restored file was not served within 3 s"
        await asyncio.sleep(0.1)
    served_after = time.monotonic() - restored
    report = await next_mod_log_post(dc, since)
    assert report.embeds[0]["title"] == "FAQ reloaded" and "changed 1 (fees)" in report.text
    assert await answer_to(watching, ANNOUNCED) == announced
    print(f"\nFAQ file faults: {len(breakages)} breakages rejected, restored edit served "
          f"after {served_after:.2f} s")


def cut_inside_last_answer(good: bytes, last_answer: str) -> bytes:
    """The file cut a few words into its last entry's answer, as a copy or a write that
    stopped at a block boundary leaves it: still valid YAML, and a valid FAQ."""
    start = good.index(last_answer[:20].encode("utf-8"))
    return good[:start + 14]


async def test_a_faq_truncated_into_valid_yaml_keeps_the_last_good_answers(
    watching: Residency,
) -> None:
    dc, faq = watching.dc, watching.tmp_path / "faqs.yaml"
    good = faq.read_bytes()
    last = watching.bot.store.current.faq.entries[-1]
    full = await answer_to(watching, last.question)
    truncated = cut_inside_last_answer(good, last.answer)
    check = load_faq_text(truncated.decode("utf-8"), str(faq), Thresholds())
    if check.knowledge is None:  # not an AssertionError: must not pass as the expected failure
        pytest.fail(f"the truncated file no longer validates: {check.errors[:1]}")

    since = dc.mark()
    faq.write_bytes(truncated)
    report = await next_mod_log_post(dc, since)
    answer = await answer_to(watching, last.question)
    assert answer == full, (report.text, answer["description"])


# --- 4. the question log's database locked, or its disk full ------------------------------

QUICK_RETRY = 0.2  # question_log.retry_max_seconds: the writer retries at least this often
LATE = 0.5  # seconds: a reply slower than this would be a member-visible delay


def log_settings(path: Path) -> dict[str, Any]:
    return {"path": str(path), "salt": "e2e", "retry_max_seconds": QUICK_RETRY}


async def ask_timed(dc: Harness, numbers: range) -> tuple[list[str], float]:
    """Members ask one question after another; (the questions, the slowest reply in s)."""
    asked, slowest = [], 0.0
    for number in numbers:
        started = time.monotonic()
        reply = await dc.reply_to(await ask(dc, number), timeout=2)
        slowest = max(slowest, time.monotonic() - started)
        assert reply.embeds, reply.text
        asked.append(question(number)[0])
    return asked, slowest


async def moderator_stats(dc: Harness) -> str:
    """What a moderator reads in ``/faqmod stats days:1``."""
    moderator = dc.member("mod", permissions=discord.Permissions(manage_guild=True))
    interaction = await dc.slash("faqmod", subcommand="stats", user=moderator,
                                 options={"days": 1})
    shown = await dc.response_to(interaction)
    return str(shown.embeds[0]["description"])


async def start_logging_to(
    start_residency: StartResidency, path: Path
) -> tuple[Residency, list[str]]:
    """The bot with its question log at ``path``; five questions answered and written."""
    started = await start_residency(question_log=log_settings(path), wait_for_sync=True)
    before, _ = await ask_timed(started.dc, range(0, 5))
    assert await started.log.flush(2)
    return started, before


async def assert_every_row_arrives_once(
    started: Residency, path: Path, asked: list[str]
) -> Counter[str]:
    """Once the database is usable again, the queued rows are written, each exactly once,
    and a moderator's stats count them; returns the stored questions."""
    dc, qlog = started.dc, started.log
    await dc.wait_for(lambda: qlog.queued == 0, what="the queued rows to be written", timeout=3)
    stored = stored_questions(path)
    assert stored == Counter(asked), "rows lost or doubled"
    assert (await moderator_stats(dc)).startswith(f"{len(asked)} question(s)")
    assert qlog.dropped == 0
    return stored


async def test_a_locked_question_log_delays_no_answer_and_loses_no_row(
    start_residency: StartResidency, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.questionlog")
    path = tmp_path / "questions.sqlite3"
    started, before = await start_logging_to(start_residency, path)
    dc, qlog = started.dc, started.log

    with locked(path) as lock:
        during, slowest = await ask_timed(dc, range(5, 45))
        await asyncio.sleep(4 * QUICK_RETRY)  # several failed retries while locked
        assert qlog.queued == len(during)  # all waiting in memory ...
        assert lock.execute("SELECT count(*) FROM questions").fetchone() == (len(before),)
    assert slowest < LATE, f"a reply took {slowest:.2f} s while the log was locked"
    assert any("cannot write" in r.getMessage() and "locked" in r.getMessage()
               for r in caplog.records)

    # ... and written by the retries alone once unlocked
    stored = await assert_every_row_arrives_once(started, path, before + during)
    assert any(r.getMessage().startswith("question log: writing again") for r in caplog.records)
    print(f"\nlocked log: {len(during)} questions while locked, slowest reply "
          f"{slowest * 1000:.0f} ms, {sum(stored.values())} rows after unlock")


TMPFS_SIZE = 256 * 1024


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (needs root, or CAP_SYS_ADMIN); skipped where it cannot be mounted."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("disk full needs root to mount a small tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs",
                           str(mount_point)], capture_output=True, text=True, timeout=5)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=5)


def fill(disk: Path) -> Path:
    """Write a file until the disk is full; returns it (delete it to free the space)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as file:  # unbuffered: nothing left to flush
        try:
            while True:
                file.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    return filler


async def test_a_full_disk_delays_no_answer_and_its_rows_arrive_once_space_is_freed(
    small_disk: Path, start_residency: StartResidency, caplog: pytest.LogCaptureFixture,
) -> None:  # small_disk first: it is unmounted only after the bot has stopped
    caplog.set_level(logging.INFO, logger="bot.questionlog")
    path = small_disk / "questions.sqlite3"
    started, before = await start_logging_to(start_residency, path)
    dc, qlog = started.dc, started.log

    filler = fill(small_disk)
    during, slowest = await ask_timed(dc, range(5, 45))
    await asyncio.sleep(4 * QUICK_RETRY)
    assert qlog.queued > 0  # the disk really refused them
    assert slowest < LATE, f"a reply took {slowest:.2f} s while the disk was full"
    assert any("cannot write" in r.getMessage() and "full" in r.getMessage()
               for r in caplog.records), [r.getMessage() for r in caplog.records]

    filler.unlink()
    stored = await assert_every_row_arrives_once(started, path, before + during)
    assert integrity(path) == [("ok",)]
    print(f"\ndisk full: {len(during)} questions on a full {TMPFS_SIZE // 1024} KiB tmpfs, "
          f"slowest reply {slowest * 1000:.0f} ms, {sum(stored.values())} rows after freeing")


# --- 7. one member spamming 100 questions in 10 seconds ------------------------------------

SPAM = 100
SPAM_LIMIT = 5
SPAM_WINDOW = 10.0


async def test_a_member_spamming_100_questions_gets_the_limit_and_one_notice(
    start_residency: StartResidency,
) -> None:
    started = await start_residency(cooldowns={"member_questions": SPAM_LIMIT,
                                               "member_window_seconds": SPAM_WINDOW})
    dc = started.dc
    spammer = dc.member("spammer")
    general, dm = dc.channel("general"), dc.dm_channel(spammer)
    since = dc.mark()
    others: list[dict[str, Any]] = []
    began = time.monotonic()
    for number in range(SPAM):
        text, _ = question(number)
        await dc.say(spammer, "general", text, mentions_bot=True)
        if number % 20 == 10:  # other members ask in the middle of the spam
            others.append(await dc.say(f"other{len(others)}", "general", "is it paid?",
                                       mentions_bot=True))
        await asyncio.sleep(0.002)
    await dc.settle(quiet=0.2)
    spam_seconds = time.monotonic() - began
    assert spam_seconds < SPAM_WINDOW  # all 100 inside one cooldown window

    new = dc.server.sent[since:]
    other_ids = {int(m["id"]) for m in others}
    to_spammer = [s for s in new if s.channel_id == general.id and s.reference_id not in other_ids]
    notices = [s for s in new if s.channel_id == dm.id]
    assert len(to_spammer) == SPAM_LIMIT
    assert all(s.embeds for s in to_spammer)
    assert len(notices) == 1 and "faster than I can answer in public" in notices[0].text
    assert all(not s.pings for s in new)
    assert sorted(replies_per_message(dc, others).values()) == [1] * len(others)
    for message in others:
        assert reply_for(dc, message).embeds[0]["title"] == started.question("salary")
    print(f"\nspam: {SPAM} questions in {spam_seconds:.2f} s from one member -> "
          f"{len(to_spammer)} answers + {len(notices)} notice; {len(others)} other members "
          f"answered")
