"""Slash commands and the message menu, as the member who uses them sees them."""

from __future__ import annotations

import importlib
import logging

import pytest

from bot.discord_render import SOMETHING_WENT_WRONG
from bot.replies import apply_info
from tests.e2e.botfixtures import Residency, button, no_pings, residency, start_residency

__all__ = ["residency", "start_residency"]

APPLY_URL = "https://apply.workable.com/huggingface/j/TBD"


async def test_ask_answers_privately_by_default(residency: Residency) -> None:
    shown = await residency.dc.response_to(
        await residency.dc.slash("ask", question="how long is the residency?"))
    assert shown.ephemeral
    assert shown.embeds[0]["title"] == residency.question("duration")
    assert {"Apply", "Helpful", "Not helpful"} <= set(shown.buttons)
    assert residency.log.events[-1][1].source == "ask"


async def test_ask_public_posts_for_everyone(residency: Residency) -> None:
    shown = await residency.dc.response_to(
        await residency.dc.slash("ask", question="is it paid?", public=True))
    assert not shown.ephemeral
    assert shown.embeds[0]["title"] == residency.question("salary")
    assert no_pings(shown)


async def test_ask_public_declines_only_privately(residency: Residency) -> None:
    shown = await residency.dc.response_to(
        await residency.dc.slash("ask", question="what's the weather in Paris?", public=True))
    assert shown.ephemeral
    assert "moderator" in shown.text


async def test_faq_autocomplete_empty_offers_the_entries_in_faq_order(
    residency: Residency,
) -> None:
    choices = await residency.dc.autocomplete("faq", "entry", "", subcommand="show")
    entries = residency.bot.store.current.faq.entries
    assert 0 < len(choices) <= 25
    assert [c["value"] for c in choices] == [e.id for e in entries][:25]
    assert all(len(c["name"]) <= 100 for c in choices)


async def test_faq_autocomplete_ranks_part_time_first_for_part(residency: Residency) -> None:
    choices = await residency.dc.autocomplete("faq", "entry", "part", subcommand="show")
    assert choices[0]["value"] == "part-time"
    assert len(choices) <= 25


async def test_faq_show_by_autocomplete_value(residency: Residency) -> None:
    shown = await residency.dc.response_to(
        await residency.dc.slash("faq", subcommand="show", entry="salary"))
    assert shown.ephemeral
    assert shown.embeds[0]["title"] == residency.question("salary")
    assert button(shown, "Apply")["url"] == APPLY_URL


async def test_faq_show_unknown_value_offers_did_you_mean(residency: Residency) -> None:
    shown = await residency.dc.response_to(
        await residency.dc.slash("faq", subcommand="show", entry="relocaton"))
    assert "Did you mean" in shown.text
    relocation = residency.question("relocation")
    assert relocation in shown.buttons
    picked = await residency.dc.response_to(await residency.dc.click(shown, relocation))
    assert picked.ephemeral
    assert picked.embeds[0]["title"] == relocation


async def test_faq_show_quotes_a_hostile_value_safely(residency: Residency) -> None:
    role = residency.dc.role("Residents", mentionable=True)
    shown = await residency.dc.response_to(await residency.dc.slash(
        "faq", subcommand="show", entry=f"@everyone <@&{role.id}> **zzzz**"))
    assert "@everyone" not in shown.text
    assert "\\*\\*zzzz" in shown.text
    assert no_pings(shown)


async def test_faq_list_pages_with_buttons(residency: Residency) -> None:
    dc = residency.dc
    first = await dc.response_to(await dc.slash("faq", subcommand="list"))
    assert "Page 1/2" in first.embeds[0]["footer"]["text"]
    assert "`about`" in first.embeds[0]["description"]
    assert button(first, "◀ Previous").get("disabled")
    turned = await dc.response_to(await dc.click(first, "Next ▶"))
    assert turned.response_type == 7  # the same message, updated
    assert "Page 2/2" in turned.embeds[0]["footer"]["text"]
    assert "`about`" not in turned.embeds[0]["description"]
    assert button(turned, "Next ▶").get("disabled")


async def test_apply_shows_the_link_and_what_to_show(residency: Residency) -> None:
    shown = await residency.dc.response_to(await residency.dc.slash("apply"))
    assert shown.embeds[0]["title"] == apply_info(residency.bot.store.current).title
    assert shown.embeds[0]["description"]
    assert button(shown, "Apply")["url"] == APPLY_URL


async def test_residency_shows_every_quick_fact(residency: Residency) -> None:
    shown = await residency.dc.response_to(await residency.dc.slash("residency"))
    facts = residency.bot.store.current.faq.programme.facts
    assert len(shown.embeds[0]["fields"]) == len(facts)


async def test_residency_fact_shows_one_fact(residency: Residency) -> None:
    shown = await residency.dc.response_to(await residency.dc.slash("residency", fact="fees"))
    fields = shown.embeds[0]["fields"]
    assert [f["name"] for f in fields] == ["Fees"]
    assert fields[0]["value"] == residency.bot.store.current.faq.programme.facts["fees"]


async def test_answer_with_faq_replies_to_the_chosen_message(residency: Residency) -> None:
    dc = residency.dc
    question = await dc.say("newcomer", "general", "do I have to move to Paris for this")
    helper = dc.member("helper")
    menu = await dc.context_menu("Answer with FAQ", question, user=helper)
    ack = await dc.response_to(menu)
    assert ack.ephemeral and "Answered" in ack.text
    reply = await dc.reply_to(question)
    assert int(reply.message_reference["message_id"]) == int(question["id"])
    assert reply.embeds[0]["title"] == residency.question("relocation")
    assert no_pings(reply)
    event = residency.log.events[-1][1]
    assert event.source == "context_menu"
    assert event.user_id == int(question["author"]["id"])


async def test_a_failing_command_says_something_went_wrong_privately(
    residency: Residency, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("matcher exploded")

    # load_extension imported the cog module afresh: patch the module the bot is running.
    monkeypatch.setattr(importlib.import_module("bot.cogs.commands"), "respond", broken)
    caplog.set_level(logging.ERROR, logger="bot")
    shown = await residency.dc.response_to(await residency.dc.slash("ask", question="paid?"))
    assert shown.ephemeral
    assert shown.text == SOMETHING_WENT_WRONG
    errors = [r for r in caplog.records if r.exc_info and "/ask" in r.getMessage()]
    assert len(errors) == 1 and "matcher exploded" in str(errors[0].exc_info[1].__cause__
                                                          or errors[0].exc_info[1])
