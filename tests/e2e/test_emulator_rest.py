"""The REST side of the emulator: replies, interactions, DMs, and Discord's failures."""

from __future__ import annotations

import time

import aiohttp
import discord
import pytest

from tests.e2e.tinybot import FAQ, NOT_HELPFUL_REPLY, REFRESHED
from tests.fakediscord import Harness, InvocationError

MESSAGES_ROUTE = "/api/v10/channels/{channel_id}/messages"


def statuses(dc: Harness, method: str, route: str) -> list[int | None]:
    return [r.status for r in dc.requests if r.method == method and r.route == route]


async def test_reply_references_the_message_and_pings_nobody(tiny: Harness) -> None:
    msg = await tiny.say("alice", "general", "!echo <@123> hello")
    reply = await tiny.reply_to(msg)
    assert reply.content == "echo: <@123> hello"
    assert reply.reference_id == int(msg["id"])
    assert reply.allowed_mentions == {"parse": [], "replied_user": False}
    assert not reply.pings


async def test_slash_command_answers_with_embed_and_buttons(tiny: Harness) -> None:
    ix = await tiny.slash("faq", user="alice", entry="deadline")
    answer = await tiny.response_to(ix)
    assert answer.response_type == 4 and not answer.ephemeral
    assert answer.embeds[0]["description"] == FAQ["deadline"]
    assert answer.buttons == ["Helpful", "Not helpful", "Refresh"]


async def test_autocomplete_offers_matching_entries(tiny: Harness) -> None:
    choices = await tiny.autocomplete("faq", "entry", "elig")
    assert [choice["value"] for choice in choices] == ["eligibility"]


async def test_button_click_answers_privately(tiny: Harness) -> None:
    answer = await tiny.response_to(await tiny.slash("faq", entry="apply"))
    thanks = await tiny.response_to(await tiny.click(answer, "Helpful", user="bob"))
    assert thanks.ephemeral and thanks.content == "Thanks for the feedback!"


async def test_button_click_can_update_its_message(tiny: Harness) -> None:
    answer = await tiny.response_to(await tiny.slash("faq", entry="apply"))
    update = await tiny.response_to(await tiny.click(answer, "Not helpful"))
    assert update.response_type == 7
    assert update.message is not None
    assert update.message["id"] == str(answer.message_id)
    assert update.message["content"] == NOT_HELPFUL_REPLY
    assert update.message["components"] == []


async def test_what_was_sent_stays_as_sent_after_the_message_changes(tiny: Harness) -> None:
    answer = await tiny.response_to(await tiny.slash("faq", entry="apply"))
    await tiny.response_to(await tiny.click(answer, "Not helpful"))  # edits that message
    assert answer.message is not None
    assert answer.message["embeds"][0]["description"] == FAQ["apply"]
    assert answer.message["components"] != []
    assert tiny.world.messages[answer.message_id]["components"] == []


async def test_deferred_update_then_edit_changes_the_clicked_message(tiny: Harness) -> None:
    answer = await tiny.response_to(await tiny.slash("faq", entry="apply"))
    ix = await tiny.click(answer, "Refresh")
    edit = await tiny.response_to(ix)
    assert [(s.kind, s.response_type) for s in tiny.responses(ix)] == [
        ("callback", 6),
        ("interaction_edit", None),
    ]
    assert edit.message_id == answer.message_id and edit.content == REFRESHED


async def test_select_menu_choice_reaches_the_view(tiny: Harness) -> None:
    answer = await tiny.response_to(await tiny.slash("faq", entry="apply"))
    related = await tiny.response_to(await tiny.select(answer, ["deadline"]))
    assert related.content == FAQ["deadline"]


async def test_message_context_menu_answers_privately(tiny: Harness) -> None:
    msg = await tiny.say("alice", "general", "when is the deadline?")
    answer = await tiny.response_to(await tiny.context_menu("Answer with FAQ", msg, user="mod"))
    assert answer.ephemeral
    assert answer.content == "FAQ for: when is the deadline?"


async def test_deferred_answer_arrives_as_a_followup_filling_the_loading_message(
    tiny: Harness,
) -> None:
    ix = await tiny.slash("slow")
    answer = await tiny.response_to(ix)
    kinds = [(s.kind, s.response_type) for s in tiny.responses(ix)]
    assert kinds == [("callback", 5), ("followup", None)]
    assert answer.content == "Done thinking."
    assert answer.message is not None and answer.message["flags"] == 0  # no longer loading
    assert answer.message_id == tiny.responses(ix)[0].message_id


async def test_moderator_only_subcommand_checks_member_permissions(tiny: Harness) -> None:
    moderator = tiny.role("Moderator", permissions=["manage_guild"])
    refused = await tiny.response_to(await tiny.slash("admin", subcommand="reload", user="alice"))
    assert refused.content == "Moderators only."
    tiny.member("carol", roles=[moderator])
    allowed = await tiny.response_to(await tiny.slash("admin", subcommand="reload", user="carol"))
    assert allowed.content == "Reloaded."


async def test_modal_is_shown_and_its_submission_answered(tiny: Harness) -> None:
    ix = await tiny.slash("feedback")
    modal = await tiny.response_to(ix)
    assert modal.response_type == 9 and modal.payload["title"] == "Feedback"
    submitted = await tiny.submit_modal(ix, {"Comment": "more FAQs please"})
    assert (await tiny.response_to(submitted)).content == "Noted: more FAQs please"


async def test_bot_can_answer_in_a_dm(tiny: Harness) -> None:
    alice = tiny.member("alice")
    msg = await tiny.say(alice, "general", "!dmme")
    private = await tiny.wait_for_sent(lambda s: s.channel_id == tiny.dm_channel(alice).id)
    assert private.content == "Hello in private"
    assert tiny.replies(msg) == []


async def test_dm_to_the_bot_is_answered_in_the_dm(tiny: Harness) -> None:
    msg = await tiny.dm("alice", "!echo psst")
    reply = await tiny.reply_to(msg)
    assert reply.channel_id == tiny.dm_channel("alice").id
    assert reply.content == "echo: psst"


async def test_dm_to_a_member_with_closed_dms_is_refused(tiny: Harness) -> None:
    shy = tiny.member("shy", accepts_dms=False)
    await tiny.say(shy, "general", "!dmme")
    await tiny.settle()
    assert statuses(tiny, "POST", MESSAGES_ROUTE)[-1] == 403
    assert not any(s.channel_id == tiny.dm_channel(shy).id for s in tiny.sent)


async def test_scripted_429_is_waited_out_and_retried(tiny: Harness) -> None:
    tiny.script_error("POST", "/channels/{channel_id}/messages", status=429, retry_after=0.3)
    started = time.monotonic()
    msg = await tiny.say("alice", "general", "!echo patience")
    assert (await tiny.reply_to(msg)).content == "echo: patience"
    assert time.monotonic() - started >= 0.3
    assert statuses(tiny, "POST", MESSAGES_ROUTE) == [429, 200]


async def test_scripted_500_is_retried(tiny: Harness) -> None:
    tiny.script_error("POST", "/channels/{channel_id}/messages", status=500)
    msg = await tiny.say("alice", "general", "!echo again")
    assert (await tiny.reply_to(msg)).content == "echo: again"
    assert statuses(tiny, "POST", MESSAGES_ROUTE) == [500, 200]


async def test_scripted_503_is_not_retried_and_nothing_is_posted(tiny: Harness) -> None:
    tiny.script_error("POST", "/channels/{channel_id}/messages", status=503)
    msg = await tiny.say("alice", "general", "!echo lost")
    await tiny.assert_no_reply(msg)
    assert statuses(tiny, "POST", MESSAGES_ROUTE) == [503]


async def test_rate_limit_headers_make_the_bot_wait_instead_of_hitting_429(tiny: Harness) -> None:
    tiny.rate_limit(limit=2, window=0.3)
    messages = [await tiny.say("alice", "general", f"!echo {n}") for n in range(4)]
    for msg in messages:
        await tiny.reply_to(msg)
    assert statuses(tiny, "POST", MESSAGES_ROUTE) == [200] * 4


async def test_bot_without_send_permission_gets_403(tiny: Harness) -> None:
    bot_role = next(r for r in tiny.guild.roles.values() if r.managed)
    tiny.channel("announcements", overwrites={bot_role: (0, ["send_messages"])})
    msg = await tiny.say("alice", "announcements", "!echo hello?")
    await tiny.assert_no_reply(msg)
    assert statuses(tiny, "POST", MESSAGES_ROUTE) == [403]


async def test_message_over_2000_characters_is_rejected(tiny: Harness) -> None:
    assert tiny.client is not None
    channel = tiny.client.get_channel(tiny.channel().id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as error:
        await channel.send("x" * 2001)
    assert error.value.code == 50035 and "2000 or fewer" in error.value.text


async def test_commands_not_synced_cannot_be_invoked(tiny: Harness) -> None:
    with pytest.raises(InvocationError, match="never synced"):
        await tiny.slash("ask")
    with pytest.raises(InvocationError, match="no option"):
        await tiny.slash("faq", entry="apply", colour="red")
    with pytest.raises(InvocationError, match="requires"):
        await tiny.slash("faq")


async def test_interaction_can_be_acknowledged_only_once(fake_discord: Harness) -> None:
    dc = fake_discord
    dc.world.commands.global_commands[("ping", 1)] = {
        "id": "1",
        "name": "ping",
        "type": 1,
        "description": "ping",
        "application_id": "1",
    }
    ix = await dc.slash("ping")
    url = f"{dc.server.api_base}/interactions/{ix.id}/{ix.token}/callback?with_response=1"
    async with aiohttp.ClientSession() as http:
        first = await http.post(url, json={"type": 4, "data": {"content": "pong"}})
        second = await http.post(url, json={"type": 4, "data": {"content": "pong"}})
        assert first.status == 200 and first.headers["Content-Type"] == "application/json"
        assert (await first.json())["interaction"]["id"] == str(ix.id)
        assert second.status == 400 and (await second.json())["code"] == 40060


async def test_late_interaction_response_is_unknown_interaction(tiny: Harness) -> None:
    tiny.server.interaction_ack_timeout = 0.0
    await tiny.slash("faq", entry="apply")
    await tiny.settle()
    callbacks = [r for r in tiny.requests if r.route and r.route.endswith("/callback")]
    assert [r.status for r in callbacks] == [404]


async def test_attachments_are_served_from_loopback(fake_discord: Harness) -> None:
    msg = await fake_discord.say("alice", "general", "see file", attachments=[("faq.md", b"# FAQ")])
    async with aiohttp.ClientSession() as http, http.get(msg["attachments"][0]["url"]) as response:
        assert await response.read() == b"# FAQ"


async def test_unimplemented_routes_are_reported(fake_discord: Harness) -> None:
    url = f"{fake_discord.server.api_base}/guilds/1/audit-logs"
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        assert response.status == 404
    assert [r.path for r in fake_discord.server.unhandled] == ["/api/v10/guilds/1/audit-logs"]
    with pytest.raises(AssertionError, match="unimplemented route"):
        fake_discord.check()
    fake_discord.server.unhandled.clear()


async def test_every_response_is_exactly_application_json(tiny: Harness) -> None:
    url = f"{tiny.server.api_base}/users/@me"
    headers = {"Authorization": f"Bot {tiny.token}"}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        assert response.headers["Content-Type"] == "application/json"
