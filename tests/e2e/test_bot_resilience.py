"""The real bot through Discord's failures: dropped gateway and rate-limited REST."""

from __future__ import annotations

import time

import pytest

from tests.e2e.botfixtures import Residency, residency, start_residency

__all__ = ["residency", "start_residency"]


@pytest.mark.parametrize("abort", [False, True], ids=["close-4000", "tcp-abort"])
async def test_question_asked_during_an_outage_is_answered_once_after_resume(
    residency: Residency, abort: bool
) -> None:
    dc = residency.dc
    async with dc.outage(abort=abort):
        message = await dc.say("member", "general", "do I have to relocate?", mentions_bot=True)
        await dc.assert_no_reply(message, wait=0.1)  # really disconnected
    reply = await dc.reply_to(message)
    await dc.settle()
    assert reply.embeds[0]["title"] == residency.question("relocation")
    assert len(dc.replies(message)) == 1
    assert dc.server.gateway.resumes == 1


async def test_reply_refused_with_429_is_retried_after_retry_after(residency: Residency) -> None:
    dc = residency.dc
    dc.script_error("POST", "/channels/{channel_id}/messages", status=429, retry_after=0.3)
    started = time.monotonic()
    _, reply = await residency.mention("is there a fee?")
    assert reply.embeds[0]["title"] == residency.question("fees")
    assert time.monotonic() - started >= 0.3
