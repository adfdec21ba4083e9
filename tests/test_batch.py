"""Questions matched a turn of the event loop at a time (bot/batch.py)."""

from __future__ import annotations

import asyncio
import textwrap

import pytest

import bot.batch
from bot.batch import Batcher
from bot.knowledge import FaqStore, Knowledge, load_faq_text
from bot.matching import Match
from bot.replies import Reply, ReplyKind, respond

QUESTIONS = [
    "do I have to move to Paris?",
    "prt time option?",
    "thanks!",
    "do they sponsor a visa?",
    "residency?",
    "how do i apply",
]


async def test_each_question_gets_the_answer_respond_gives(shipped: Knowledge) -> None:
    batcher = Batcher(FaqStore(shipped))
    answered = await asyncio.gather(*(batcher.respond(q) for q in QUESTIONS))
    assert answered == [respond(shipped, q) for q in QUESTIONS]
    kinds = [reply.kind for _, reply in answered]
    assert kinds[0] is ReplyKind.ANSWER and answered[0][1].entry_id == "relocation"
    assert answered[1][1].entry_id == "part-time"
    assert ReplyKind.DECLINE in kinds  # the visa question: not in the FAQ


async def test_a_question_that_fails_fails_alone(
    shipped: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(knowledge: Knowledge, question: str) -> tuple[Match, Reply]:
        if question == "boom":
            raise RuntimeError("matcher broke")
        return respond(knowledge, question)

    monkeypatch.setattr(bot.batch, "respond", failing)
    batcher = Batcher(FaqStore(shipped))
    before, broken, after = batcher.respond("is it remote?"), batcher.respond("boom"), \
        batcher.respond("is it paid?")
    assert (await before)[1].entry_id == "relocation"
    with pytest.raises(RuntimeError, match="matcher broke"):
        await broken
    assert (await after)[1].entry_id == "salary"
    # and the next turn's questions are answered too
    assert (await batcher.respond("any fees?"))[1].entry_id == "fees"


async def test_a_cancelled_question_does_not_stop_the_others(shipped: Knowledge) -> None:
    batcher = Batcher(FaqStore(shipped))
    first, second = batcher.respond("is it remote?"), batcher.respond("is it paid?")
    first.cancel()
    assert (await second)[1].entry_id == "salary"
    assert first.cancelled()


async def test_a_large_batch_lets_the_event_loop_run_in_between(shipped: Knowledge) -> None:
    batcher = Batcher(FaqStore(shipped), max_batch=2)
    waiting = [batcher.respond(q) for q in QUESTIONS[:5]]
    answered_when_loop_ran: list[int] = []
    asyncio.get_running_loop().call_soon(
        lambda: answered_when_loop_ran.append(sum(f.done() for f in waiting)))
    results = await asyncio.gather(*waiting)
    assert answered_when_loop_ran == [2]  # other work (a heartbeat) ran after two matches
    assert results == [respond(shipped, q) for q in QUESTIONS[:5]]


async def test_a_batch_is_answered_from_the_faq_served_when_it_runs(shipped: Knowledge) -> None:
    edited = load_faq_text(textwrap.dedent("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: remote
            question: Is it remote?
            aliases: [can I work from home]
            answer: Yes, from anywhere.
        """), check_confusion=False).knowledge
    assert edited is not None
    store = FaqStore(shipped)
    batcher = Batcher(store)
    waiting = [batcher.respond("is it remote?"), batcher.respond("can I work from home?")]
    store.swap(edited)  # a reload lands before the batch runs: no answer mixes the two
    replies = [reply for _, reply in await asyncio.gather(*waiting)]
    assert [r.entry_id for r in replies] == ["remote", "remote"]
    assert {r.body for r in replies} == {"Yes, from anywhere."}
