"""Free-text questions as members see them: mentions, DMs, answer channels, buttons."""

from __future__ import annotations

import asyncio

import discord

from bot.cogs.answers import looks_like_question
from bot.discord_render import SOMETHING_WENT_WRONG
from bot.matching import Decision
from bot.replies import DECLINE_TEXT, RELATED_TEXT, THANKS_TEXT
from tests.e2e.botfixtures import Residency, button, no_pings, residency, start_residency

__all__ = ["residency", "start_residency"]

APPLY_URL = "https://apply.workable.com/huggingface/j/TBD"
ANNOUNCEMENT_URL = "https://huggingface.co/blog/residency"
OFF_TOPIC = "what's the weather like in Paris today?"
# Questions spanning two topics; the test uses the first the current matcher is unsure about.
AMBIGUOUS = ["is it remote and paid", "what about time", "can I work", "school", "time"]


def ambiguous_question(residency: Residency) -> str:
    matcher = residency.bot.store.current.matcher
    return next(q for q in AMBIGUOUS if matcher.match(q).decision is Decision.SUGGEST)


async def test_mention_gets_an_embed_answer_with_links_and_feedback(residency: Residency) -> None:
    message, reply = await residency.mention("how long is the residency?")
    embed = reply.embeds[0]
    assert embed["title"] == residency.question("duration")
    assert "9-month" in embed["description"]
    assert "/faq" in embed["footer"]["text"]
    assert int(reply.message_reference["message_id"]) == int(message["id"])  # a reply to the member
    assert button(reply, "Apply")["url"] == APPLY_URL
    assert button(reply, "Announcement")["url"] == ANNOUNCEMENT_URL
    assert {"Helpful", "Not helpful"} <= set(reply.buttons)
    assert no_pings(reply)


async def test_questions_posted_together_each_get_their_own_answer(residency: Residency) -> None:
    # Posted in one burst, they reach the bot together and are matched as one batch
    # (bot/batch.py): each reply must still answer the question it replies to.
    asked = {
        "is it remote?": "relocation",
        "is the residency paid?": "salary",
        "are there any application fees?": "fees",
        "can I do it part-time?": "part-time",
        "how long is the residency?": "duration",
        "do they sponsor a visa?": None,
    }
    posted = [
        (await residency.dc.say(residency.dc.member(f"burst{i}"), "general", text,
                                mentions_bot=True), entry_id)
        for i, (text, entry_id) in enumerate(asked.items())
    ]
    for message, entry_id in posted:
        reply = await residency.dc.reply_to(message)
        assert reply.message_reference is not None
        assert int(reply.message_reference["message_id"]) == int(message["id"])
        if entry_id is None:
            assert DECLINE_TEXT in reply.embeds[0]["description"]
        else:
            assert reply.embeds[0]["title"] == residency.question(entry_id)
        assert len(residency.dc.replies(message)) == 1


async def test_members_messages_reach_the_bot_but_the_echo_of_its_own_replies_does_not(
    residency: Residency,
) -> None:
    authors: list[int] = []

    async def on_message(message: discord.Message) -> None:
        authors.append(message.author.id)

    residency.bot.add_listener(on_message)
    message, reply = await residency.mention("how long is the residency?")
    # The gateway delivers in order: once this later message has reached the bot, so has
    # the echo of the reply.
    later = asyncio.ensure_future(residency.bot.wait_for(
        "message", check=lambda m: m.content == "ok thanks", timeout=10))
    await residency.dc.say("member", "general", "ok thanks")
    await later
    member = int(message["author"]["id"])
    assert authors == [member, member]
    assert residency.bot.user is not None and residency.bot.user.id not in authors
    assert reply.embeds[0]["title"] == residency.question("duration")


async def test_unloading_the_answers_cog_stops_free_text_answers_until_it_is_back(
    residency: Residency,
) -> None:
    await residency.bot.unload_extension("bot.cogs.answers")
    message = await residency.dc.say("member", "general", "how long is the residency?",
                                     mentions_bot=True)
    await residency.dc.assert_no_reply(message)
    await residency.bot.load_extension("bot.cogs.answers")
    _, reply = await residency.mention("how long is the residency?")
    assert reply.embeds[0]["title"] == residency.question("duration")


async def test_a_typo_under_the_usual_bar_is_answered_where_the_entrys_own_bar_allows(
    residency: Residency,
) -> None:
    # "slary??" scores under the usual bar; config/bot.yaml lowers salary's (entry_offsets).
    match = residency.bot.store.current.matcher.match("slary??")
    assert match.confidence < residency.bot.store.current.matcher.thresholds.answer
    _, reply = await residency.mention("slary??")
    assert reply.embeds[0]["title"] == residency.question("salary")


async def test_dm_question_is_answered(residency: Residency) -> None:
    message = await residency.dc.dm("member", "is the residency paid?")
    reply = await residency.dc.reply_to(message)
    assert reply.embeds[0]["title"] == residency.question("salary")


async def test_answer_channel_answers_a_confident_question_unprompted(
    residency: Residency,
) -> None:
    message = await residency.dc.say("member", "answers", "how long is the residency?")
    reply = await residency.dc.reply_to(message)
    assert reply.embeds[0]["title"] == residency.question("duration")


async def test_answer_channel_stays_silent_on_off_topic_questions(residency: Residency) -> None:
    message = await residency.dc.say("member", "answers", OFF_TOPIC)
    await residency.dc.assert_no_reply(message)


async def test_answer_channel_stays_silent_on_statements(residency: Residency) -> None:
    message = await residency.dc.say("member", "answers", "the residency is 9 months long")
    await residency.dc.assert_no_reply(message)


async def test_answer_channel_stays_silent_when_unsure(residency: Residency) -> None:
    message = await residency.dc.say("member", "answers", ambiguous_question(residency) + "?")
    await residency.dc.assert_no_reply(message)


async def test_other_channels_are_not_read_without_a_mention(residency: Residency) -> None:
    message = await residency.dc.say("member", "general", "how long is the residency?")
    await residency.dc.assert_no_reply(message)


async def test_mention_it_cannot_answer_gets_a_polite_decline(residency: Residency) -> None:
    _, reply = await residency.mention(OFF_TOPIC)
    assert DECLINE_TEXT in reply.text
    assert "moderator" in reply.text
    assert button(reply, "Announcement")["url"] == ANNOUNCEMENT_URL
    assert "Helpful" not in reply.buttons


async def test_a_thank_you_gets_you_are_welcome_and_channels_stay_quiet(
    residency: Residency,
) -> None:
    _, reply = await residency.mention("thanks a lot!")
    assert THANKS_TEXT in reply.text and DECLINE_TEXT not in reply.text
    assert no_pings(reply)
    message = await residency.dc.say("member", "answers", "thanks!")  # not addressed: silent
    await residency.dc.assert_no_reply(message)


async def test_bare_mention_gets_a_short_hint(residency: Residency) -> None:
    _, reply = await residency.mention("")
    assert "/ask" in reply.text and not reply.embeds


async def test_unsure_answer_offers_choices_and_a_press_shows_it_privately(
    residency: Residency,
) -> None:
    _, reply = await residency.mention(ambiguous_question(residency))
    choices = [label for label in reply.buttons if label.endswith("?")]
    assert 2 <= len(choices) <= 3
    pressed = await residency.dc.click(reply, choices[0], user="helper")
    shown = await residency.dc.response_to(pressed)
    assert shown.ephemeral  # only the member who pressed sees it
    assert shown.embeds[0]["title"] == choices[0]
    assert button(shown, "Apply")["url"] == APPLY_URL


async def test_a_decline_offers_the_closest_entry_and_a_press_shows_it_privately(
    start_residency,
) -> None:
    # Thresholds that decline everything but an entry's own phrasing (that scores 1.0), so
    # any other question shows its closest entry (the classifier's second opinion off).
    residency = await start_residency(matching={"suggest": 0.99, "answer": 0.99, "related": 0.3,
                                                "classifier_alone": 1.01,
                                                "classifier_agree": 1.01})
    _, reply = await residency.mention("so is the residency paid?")
    assert DECLINE_TEXT in reply.text and RELATED_TEXT in reply.text
    assert "Helpful" not in reply.buttons  # nothing was answered, so nothing to vote on
    related = residency.question("salary")
    assert related in reply.buttons
    pressed = await residency.dc.click(reply, related, user="helper")
    shown = await residency.dc.response_to(pressed)
    assert shown.ephemeral
    assert shown.embeds[0]["title"] == related


async def test_feedback_vote_is_recorded_and_acknowledged_privately(
    residency: Residency,
) -> None:
    _, reply = await residency.mention("is there an application fee?")
    key, event = residency.log.events[-1]
    assert (event.source, event.decision, event.entry_id) == ("message", "answer", "fees")
    voter = residency.dc.member("voter")
    thanks = await residency.dc.response_to(await residency.dc.click(reply, "Not helpful",
                                                                     user=voter))
    assert thanks.ephemeral
    assert "Thanks for the feedback" in thanks.text
    assert residency.log.votes == [(key, False, voter.user.id, None)]


async def test_bot_ignores_other_bots_and_its_own_messages(residency: Residency) -> None:
    other_bot = residency.dc.member("another-bot", bot=True)
    message = await residency.dc.say(other_bot, "answers", "how long is the residency?",
                                     mentions_bot=True)
    await residency.dc.assert_no_reply(message)
    since = residency.dc.mark()
    await residency.mention("is the residency paid?")
    await residency.dc.settle(quiet=0.2)
    # The emulator echoes the answer back as MESSAGE_CREATE; the bot must not answer it.
    assert [s.kind for s in residency.dc.sent[since:]] == ["message"]  # once, never deleted


async def test_hostile_message_pings_nobody_and_stays_within_limits(
    residency: Residency,
) -> None:
    role = residency.dc.role("Residents", mentionable=True)
    text = f"@everyone <@&{role.id}> how long is the residency? "
    text += "A" * (4000 - len(text))
    for message, reply in [await residency.mention(text),
                           await residency.mention(f"@everyone <@&{role.id}> " + "z" * 3980)]:
        assert len(message["content"]) >= 4000
        assert reply.allowed_mentions["parse"] == []
        assert not reply.allowed_mentions.get("replied_user")
        assert not reply.pings
        assert len(reply.content or "") <= 2000
        for embed in reply.embeds:
            assert len(embed.get("title", "")) <= 256
            assert len(embed.get("description", "")) <= 4096
        assert "@everyone" not in reply.text


def test_looks_like_question() -> None:
    assert looks_like_question("is it paid")
    assert looks_like_question("hey, does it pay")
    assert looks_like_question("salary?")
    assert looks_like_question("anyone know if it's remote")
    assert not looks_like_question("the residency is 9 months long")
    assert not looks_like_question("thanks, that helped")


async def test_vote_on_a_picked_answer_names_the_picked_entry(residency: Residency) -> None:
    _, reply = await residency.mention(ambiguous_question(residency))
    key = residency.log.events[-1][0]
    label = next(label for label in reply.buttons if label.endswith("?"))
    shown = await residency.dc.response_to(await residency.dc.click(reply, label))
    thanks = await residency.dc.response_to(await residency.dc.click(shown, "Helpful"))
    assert thanks.ephemeral
    picked = next(e.id for e in residency.bot.store.current.faq.entries if e.question == label)
    assert residency.log.votes[-1][::3] == (key, picked)


async def test_buttons_keep_working_after_a_restart(start_residency) -> None:
    first = await start_residency(wait_for_sync=True)
    _, reply = await first.mention("is there an application fee?")
    await first.dc.stop_client()
    second = await start_residency()
    thanks = await second.dc.response_to(await second.dc.click(reply, "Helpful"))
    assert thanks.ephemeral and "Thanks for the feedback" in thanks.text
    assert second.log.votes and second.log.votes[-1][1] is True


async def test_a_failing_button_says_something_went_wrong_privately(
    residency: Residency, monkeypatch,
) -> None:
    _, reply = await residency.mention("is there an application fee?")

    def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(residency.log, "vote", broken)
    shown = await residency.dc.response_to(await residency.dc.click(reply, "Helpful"))
    assert shown.ephemeral
    assert shown.text == SOMETHING_WENT_WRONG
