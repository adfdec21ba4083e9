"""Cooldowns as members see them: one private notice, and a pointer instead of a repost."""

from __future__ import annotations

import asyncio
import sys

import pytest

from tests.e2e.botfixtures import StartResidency, start_residency

__all__ = ["start_residency"]

QUESTIONS = ["how long is the residency?", "is it paid?", "is there a fee?",
             "can I do it part-time?", "do I need to relocate?"]


async def test_member_over_the_rate_gets_one_private_notice_not_a_flood(
    start_residency: StartResidency,
) -> None:
    started = await start_residency(cooldowns={"member_questions": 2})
    dc = started.dc
    asker = dc.member("eager")
    dm = dc.dm_channel(asker)
    for question in QUESTIONS[:2]:
        await dc.reply_to(await dc.say(asker, "general", question, mentions_bot=True))
    for question in QUESTIONS[2:]:
        await dc.assert_no_reply(await dc.say(asker, "general", question, mentions_bot=True))
    await dc.settle(quiet=0.2)
    notices = [s for s in dc.sent if s.kind == "message" and s.channel_id == dm.id]
    assert len(notices) == 1
    assert "faster than I can answer in public" in notices[0].text
    assert not notices[0].pings


async def test_rate_notice_falls_back_to_the_channel_when_dms_are_closed(
    start_residency: StartResidency, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = await start_residency(cooldowns={"member_questions": 1})
    # discord.py loads the cog as a fresh module: change the delay in that one.
    monkeypatch.setattr(sys.modules["bot.cogs.answers"], "NOTICE_DELETE_AFTER_SECONDS", 0.3)
    dc = started.dc
    asker = dc.member("private", accepts_dms=False)
    await dc.say(asker, "general", QUESTIONS[0], mentions_bot=True)
    second = await dc.say(asker, "general", QUESTIONS[1], mentions_bot=True)
    notice = await dc.reply_to(second)
    assert "faster than I can answer in public" in notice.text
    third = await dc.say(asker, "general", QUESTIONS[2], mentions_bot=True)
    await dc.assert_no_reply(third)
    # The public notice is short-lived: the bot deletes it after the delay.
    for _ in range(50):
        if any(s.kind == "delete" and s.message_id == notice.message_id for s in dc.sent):
            break
        await asyncio.sleep(0.05)
    assert [s.message_id for s in dc.sent if s.kind == "delete"] == [notice.message_id]


async def test_same_answer_in_the_same_channel_points_to_the_earlier_one(
    start_residency: StartResidency,
) -> None:
    started = await start_residency(cooldowns={"repeat_window_seconds": 120})
    dc = started.dc
    first = await dc.reply_to(await dc.say("alice", "answers", "how long is the residency?"))
    again = await dc.reply_to(await dc.say("bob", "answers", "how many months is it?"))
    assert not again.embeds
    assert "answered this here a moment ago" in again.text
    assert again.text.endswith(f"/{first.channel_id}/{first.message_id}")
    elsewhere = await dc.reply_to(await dc.say("bob", "general", "how many months is it?",
                                               mentions_bot=True))
    assert elsewhere.embeds[0]["title"] == started.question("duration")
