"""The buttons and the embed of a reply (bot/views.py, bot/discord_render.py): what is
kept between sends is exactly what discord.py would send.

``reply_view`` lays each reply's rows out once and puts the question key in per message;
``build_reply_view`` builds them from discord.py's items every time. Members must see the
same buttons, with the same custom ids (the ids carry the key their vote is recorded
under), whichever built them. Pressing them runs through the emulator in
tests/e2e/test_bot_answers.py.
"""

from __future__ import annotations

import secrets
from typing import Any

import discord
import pytest

from bot.discord_render import post_message, reply_embed
from bot.knowledge import Knowledge, load_faq_text
from bot.replies import Reply, ReplyKind, answer, decline, suggest
from bot.views import CUSTOM_ID_LIMIT, build_reply_view, reply_view

KEYS = [None, secrets.token_hex(16), secrets.token_hex(4), "K" * 64, "x"]


def rows(view: discord.ui.View | None) -> list[dict[str, Any]] | None:
    return None if view is None else view.to_components()


def custom_ids(view: discord.ui.View | None) -> list[str]:
    return [c["custom_id"] for row in rows(view) or [] for c in row["components"]
            if "custom_id" in c]


def replies(knowledge: Knowledge) -> list[Reply]:
    ids = [e.id for e in knowledge.faq.entries]
    return ([answer(knowledge, e) for e in knowledge.faq.entries]
            + [suggest(knowledge, tuple(ids[i:i + 3])) for i in range(0, len(ids), 3)]
            + [decline(knowledge, ids[0]), decline(knowledge)])


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("picked", [False, True])
def test_every_reply_gets_the_buttons_discord_py_would_build(shipped, key, picked):
    for reply in replies(shipped):
        for _ in range(2):  # the first call fills the cache, the second reads it
            assert rows(reply_view(reply, key, picked)) == rows(
                build_reply_view(reply, key, picked)), reply


def test_each_answer_votes_under_its_own_question_key(shipped):
    reply = answer(shipped, shipped.faq.entries[0])
    first, second = secrets.token_hex(16), secrets.token_hex(16)
    assert custom_ids(reply_view(reply, first)) == [f"faq:vote:{first}:1", f"faq:vote:{first}:0"]
    assert custom_ids(reply_view(reply, second)) == [
        f"faq:vote:{second}:1", f"faq:vote:{second}:0"]


def test_a_key_that_cannot_ride_in_a_custom_id_gives_no_vote_buttons(shipped):
    reply = answer(shipped, shipped.faq.entries[0])
    assert custom_ids(reply_view(reply, "not a key!")) == []
    labels = [c["label"] for row in rows(reply_view(reply, "not a key!")) or []
              for c in row["components"]]
    assert labels == ["Apply", "Announcement"]


def test_a_choice_whose_id_leaves_no_room_for_the_key_still_shows_its_answer():
    long_id = "a" * 64
    knowledge = load_faq_text(
        "programme: {name: P, apply_url: 'https://example.org/apply'}\n"
        f"entries:\n- {{id: {long_id}, question: 'Long one?', aliases: [], answer: 'A.'}}\n"
        "- {id: short, question: 'Short one?', aliases: [], answer: 'B.'}\n",
        check_confusion=False,
    ).knowledge
    assert knowledge is not None
    reply = suggest(knowledge, (long_id, "short"))
    key = secrets.token_hex(16)
    ids = custom_ids(reply_view(reply, key))
    assert ids == [f"faq:pick:{long_id}", f"faq:pick:short:{key}"]
    assert all(len(i) <= CUSTOM_ID_LIMIT for i in ids)
    assert rows(reply_view(reply, key)) == rows(build_reply_view(reply, key))


def test_an_answer_with_no_link_and_no_key_has_no_buttons():
    assert reply_view(Reply(kind=ReplyKind.ANSWER, body="B.")) is None


TOO_LONG = Reply(kind=ReplyKind.INFO, title="T" * 300, body="B" * 5000,
                 fields=tuple((f"name {i}", "v" * 1000) for i in range(30)))


def test_every_reply_embed_is_sent_as_discord_py_would_send_it(shipped):
    for reply in [*replies(shipped), TOO_LONG]:
        embed = reply_embed(reply)
        fresh = discord.Embed.to_dict(embed)  # worked out now, not kept
        assert embed.to_dict() == fresh, reply
        assert reply_embed(reply).to_dict() == fresh  # the kept JSON, on the next send


def test_a_reply_too_long_for_an_embed_is_cut_to_discord_limits():
    sent = reply_embed(TOO_LONG).to_dict()
    assert len(sent["title"]) <= 256 and len(sent["description"]) <= 4096
    assert len(sent["fields"]) <= 25
    total = len(sent["title"]) + len(sent["description"]) + sum(
        len(f["name"]) + len(f["value"]) for f in sent["fields"])
    assert total <= 6000


async def test_a_view_with_callbacks_is_not_posted_where_its_presses_would_be_lost(
    shipped: Knowledge,
) -> None:
    # post_message skips discord.py's view store: only a ReadyView (no callbacks) may go.
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Press", custom_id="press"))
    client = discord.Client(intents=discord.Intents.none())
    channel = discord.PartialMessageable(state=client._connection, id=1)
    with pytest.raises(ValueError, match=r"Messageable\.send"):
        await post_message(client, channel, content="hi", view=view)
    # The bot's own replies can: their presses reach the DynamicItems by custom id.
    sent = reply_view(answer(shipped, shipped.faq.entries[0]), "k")
    assert sent is not None and not sent.is_dispatchable()
