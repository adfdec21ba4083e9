"""Hostile input through the emulator: nothing escapes, nothing pings, nothing is too long.

Hypothesis generates member messages (any Unicode, zero-width and right-to-left characters,
markdown, code blocks, ``@everyone``/``@here``, role and user mentions, 4,000+ characters,
attachments with no text) and sends them to one running bot. Run with ``-s`` to see how many
cases ran.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.botfixtures import StartResidency, bot_config, build_bot, no_pings, start_residency
from tests.fakediscord import Harness, Sent

__all__ = ["start_residency"]

MAX_SECONDS_PER_MESSAGE = 2.0
EXAMPLES = 60

ZERO_WIDTH_AND_BIDI = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f",
                       "\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069"]
FRAGMENTS = [
    "@everyone", "@here", "<@{user}>", "<@!{user}>", "<@&{role}>", "<#{channel}>",
    "<@123456789012345678>", "<@&987654321098765432>", "**bold**", "__under__", "~~gone~~",
    "||spoiler||", "> quote\n", "# heading\n", "-# small\n", "`code`", "```py\nprint(1)\n```",
    "```", "[link](https://example.com)", "<https://example.com>", "\\", "\n", "\t",
    "is it paid?", "how long is the residency?", "مرحبا", "שלום", "ملاحظة‮abc", "😀👩‍💻",
    "Z̸̢̛a̴l̷g̶o̵", "\x00", "\ud7ff", "<t:0:R>", "<:emoji:123>", "/faq", "?",
]

fragment = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(ZERO_WIDTH_AND_BIDI),
    st.text(max_size=40),  # any Unicode (surrogates excluded: not valid in JSON/UTF-8)
)
short_text = st.lists(fragment, max_size=12).map("".join)
long_text = st.tuples(st.sampled_from(FRAGMENTS + ZERO_WIDTH_AND_BIDI), st.integers(4000, 4500),
                      short_text).map(lambda t: (t[0] * t[1])[:t[1]] + t[2])
attachments = st.lists(
    st.tuples(st.sampled_from(["a.png", "notes.txt", "@everyone.txt", "‮gnp.exe"]),
              st.binary(max_size=64)),
    min_size=1, max_size=2)


@dataclass(frozen=True)
class Case:
    text: str
    where: str  # "mention" (in #general), "answers" (answer channel, no mention) or "dm"
    files: tuple[tuple[str, bytes], ...] = ()


cases = st.one_of(
    st.builds(Case, short_text, st.sampled_from(["mention", "answers", "dm"])),
    st.builds(Case, long_text, st.sampled_from(["mention", "answers", "dm"])),
    st.builds(Case, st.just(""), st.sampled_from(["mention", "answers", "dm"]),
              attachments.map(tuple)),
)


@dataclass
class Tally:
    ran: int = 0
    replied: int = 0
    sent: int = 0
    slowest: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)
    by_where: dict[str, list[int]] = field(default_factory=dict)  # where -> [ran, replied]
    long: int = 0
    attachments_only: int = 0


@dataclass
class LiveBot:
    loop: asyncio.AbstractEventLoop
    dc: Harness
    tally: Tally


@pytest.fixture(scope="module")
def live_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBot]:
    """One real bot for every Hypothesis example, on an event loop of its own (Hypothesis
    drives a synchronous test; each example runs to completion on this loop)."""
    loop = asyncio.new_event_loop()
    tmp_path: Path = tmp_path_factory.mktemp("hostile")
    opened = Harness.open()
    dc = loop.run_until_complete(opened.__aenter__())
    try:
        config = bot_config(tmp_path, dc)
        loop.run_until_complete(dc.start_client(lambda: build_bot(tmp_path, config),
                                                wait_for_sync=True))
        dc.member("target")
        dc.role("staff")
        yield LiveBot(loop, dc, Tally())
    except BaseException as error:
        loop.run_until_complete(opened.__aexit__(type(error), error, error.__traceback__))
        close_loop(loop)
        raise
    # Teardown fails on emulator errors (e.g. a 400 for an over-long message).
    try:
        loop.run_until_complete(opened.__aexit__(None, None, None))
    finally:
        close_loop(loop)


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what the emulator left running, then close the loop."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:  # gather() of nothing would look for a running loop
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def allows_a_mention(sent: Sent) -> bool:
    """True if the reply could notify anyone (a DM notice may omit allowed_mentions only
    if its text mentions nobody)."""
    if sent.kind not in ("message", "edit", "callback", "followup", "interaction_edit"):
        return False
    if sent.pings:
        return True
    allowed = sent.allowed_mentions
    return allowed is not None and bool(allowed.get("parse"))


async def send_case(bot: LiveBot, case: Case) -> None:
    dc = bot.dc
    text = case.text.replace("{user}", str(dc.member("target").user.id)) \
        .replace("{role}", str(dc.role("staff").id)) \
        .replace("{channel}", str(dc.channel("general").id))
    since = dc.mark()
    first_request = len(dc.server.requests)
    started = time.monotonic()
    if case.where == "dm":
        message = await dc.dm("hostile", text, attachments=case.files)
    elif case.where == "answers":
        message = await dc.say("hostile", "answers", text, attachments=case.files)
    else:
        message = await dc.say("hostile", "general", text, mentions_bot=True,
                               attachments=case.files)
    if case.where != "answers":  # a mention or a DM always gets an answer, hint or decline
        await dc.reply_to(message, timeout=3.0)
    await dc.settle(quiet=0.03)
    elapsed = time.monotonic() - started
    new = dc.server.sent[since:]
    bot.tally.ran += 1
    bot.tally.sent += len(new)
    replied = bool(dc.replies(message))
    bot.tally.replied += replied
    counts = bot.tally.by_where.setdefault(case.where, [0, 0])
    counts[0] += 1
    counts[1] += replied
    bot.tally.long += len(text) >= 4000
    bot.tally.attachments_only += not text and bool(case.files)
    bot.tally.slowest = max(bot.tally.slowest, elapsed)
    # The emulator checks every body against Discord's limits (content, embeds, fields,
    # buttons) and answers one past them with a 400, as Discord does: none may be refused.
    refused = [(r.method, r.route, r.status) for r in dc.server.requests[first_request:]
               if r.status is not None and r.status >= 400]
    assert not refused, (refused, case)
    for sent in new:
        bot.tally.kinds[sent.kind] = bot.tally.kinds.get(sent.kind, 0) + 1
        assert not allows_a_mention(sent), (sent.allowed_mentions, sent.content, case)
        if sent.kind == "message" and sent.reference_id is not None:
            assert no_pings(sent), (sent.allowed_mentions, case)
    assert elapsed < MAX_SECONDS_PER_MESSAGE, (elapsed, case)
    assert dc.client is not None and not dc.client.is_closed()


def test_hostile_messages_never_break_ping_or_overflow(
    live_bot: LiveBot, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(case=cases)
    def one_message(case: Case) -> None:
        live_bot.loop.run_until_complete(send_case(live_bot, case))

    one_message()

    tally = live_bot.tally
    print(f"\nhostile input: {tally.ran} cases ran, {tally.replied} got a reply, "
          f"{tally.sent} records sent {tally.kinds}, slowest {tally.slowest * 1000:.0f} ms; "
          f"[ran, replied] by where {tally.by_where}; {tally.long} of 4,000+ chars, "
          f"{tally.attachments_only} attachments only")
    assert tally.ran >= EXAMPLES
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not errors, [r.getMessage() for r in errors]

    async def still_answers() -> Any:
        message = await live_bot.dc.say("member", "general", "is it paid?", mentions_bot=True)
        return await live_bot.dc.reply_to(message)

    reply = live_bot.loop.run_until_complete(still_answers())
    assert reply.embeds and no_pings(reply)


SPAM = 30


async def test_spamming_member_gets_the_configured_answers_and_one_notice(
    start_residency: StartResidency,
) -> None:
    limit = 3
    started = await start_residency(cooldowns={"member_questions": limit,
                                               "member_window_seconds": 60})
    dc = started.dc
    spammer = dc.member("spammer")
    dm = dc.dm_channel(spammer)
    since = dc.mark()
    questions = ["is it paid?", "how long is the residency?", "is it remote?",
                 "do I need a PhD?", "when does it start?"]
    for i in range(SPAM):  # as fast as the gateway delivers them, no waiting in between
        await dc.say(spammer, "general", f"{questions[i % len(questions)]} ({i})",
                     mentions_bot=True)
    await dc.settle(quiet=0.2)
    new = dc.server.sent[since:]
    in_channel = [s for s in new if s.channel_id == dc.channel("general").id]
    notices = [s for s in new if s.channel_id == dm.id]
    assert len(in_channel) <= limit
    assert len(in_channel) == limit  # the first `limit` questions are answered
    assert len(notices) == 1
    assert "faster than I can answer in public" in notices[0].text
    assert all(not s.pings for s in new)

    other = await dc.say("patient", "general", "is it paid?", mentions_bot=True)
    assert (await dc.reply_to(other)).embeds
