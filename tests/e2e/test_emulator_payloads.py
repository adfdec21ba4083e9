"""The payloads the emulator sends match discord.py: its TypedDicts and its model classes."""

from __future__ import annotations

from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.e2e.tinybot import TinyBot
from tests.fakediscord import Harness
from tests.fakediscord.payloads import (
    application_payload,
    channel_payload,
    guild_payload,
    member_payload,
    role_payload,
)
from tests.fakediscord.typecheck import problems, typed_dict

EVENT_TYPES = {
    "READY": "gateway.ReadyEvent",
    "GUILD_CREATE": "guild.Guild",
    "MESSAGE_CREATE": "message.Message",
    "MESSAGE_UPDATE": "message.Message",
    "MESSAGE_DELETE": "gateway.MessageDeleteEvent",
    "MESSAGE_REACTION_ADD": "gateway.MessageReactionAddEvent",
    "INTERACTION_CREATE": "interactions.Interaction",
    "GUILD_MEMBER_ADD": "gateway.GuildMemberAddEvent",
    "GUILD_MEMBER_UPDATE": "gateway.GuildMemberUpdateEvent",
    "GUILD_ROLE_CREATE": "gateway.GuildRoleCreateEvent",
    "GUILD_ROLE_UPDATE": "gateway.GuildRoleUpdateEvent",
    "CHANNEL_CREATE": "channel.GuildChannel",
    "GUILD_MEMBERS_CHUNK": "gateway.GuildMembersChunkEvent",
}
NOT_TYPED = {"RESUMED"}  # discord/types says Literal[None]; discord.py itself needs an object


@pytest.fixture
async def busy(fake_discord: Harness) -> Harness:
    """A bot with every intent, after one of each kind of event has been dispatched."""
    dc = fake_discord
    bot = await dc.start_client(lambda: TinyBot(members=True))
    guild = bot.get_guild(dc.guild.id)
    assert guild is not None
    mods = dc.role("Moderator", permissions=["manage_messages"])
    dc.role("Moderator", permissions=["manage_messages", "kick_members"])
    dc.member("alice", roles=[mods])
    dc.member("alice", roles=[])
    dc.channel("help", topic="Ask here")
    await guild.query_members("ali")
    msg = await dc.say("alice", "help", f"!echo hi <@&{mods.id}>", attachments=[("a.txt", b"a")])
    reply = await dc.reply_to(msg)
    await dc.edit(msg, "!echo edited")
    answer = await dc.response_to(await dc.slash("faq", entry="apply"))
    await dc.response_to(await dc.click(answer, "Helpful"))
    await dc.response_to(await dc.select(answer, ["deadline"]))
    await dc.response_to(await dc.context_menu("Answer with FAQ", msg))
    await dc.autocomplete("faq", "entry", "a")
    channel = bot.get_channel(reply.channel_id or 0)
    assert isinstance(channel, discord.TextChannel)
    own = channel.get_partial_message(reply.message_id or 0)
    await own.add_reaction("👍")
    await own.edit(content="echo: edited by the bot")
    await own.delete()
    await dc.delete(msg)
    await dc.settle()
    return dc


async def test_every_dispatched_event_matches_discord_types(busy: Harness) -> None:
    frames = [f for session in busy.server.gateway.sessions.values() for f in session.frames]
    seen = {frame["t"] for frame in frames}
    assert seen - NOT_TYPED == set(EVENT_TYPES), "add new events to EVENT_TYPES"
    for frame in frames:
        if frame["t"] in EVENT_TYPES:
            found = problems(frame["d"], typed_dict(EVENT_TYPES[frame["t"]]), frame["t"])
            assert found == [], found


async def test_rest_answers_match_discord_types(busy: Harness) -> None:
    dc = busy
    member = dc.member("alice")
    message_id, message = max(dc.world.messages.items())
    expected = {
        "/users/@me": "user.User",
        "/oauth2/applications/@me": "appinfo.AppInfo",
        f"/guilds/{dc.guild.id}": "guild.Guild",
        f"/guilds/{dc.guild.id}/members/{member.id}": "member.MemberWithUser",
        f"/channels/{dc.channel('help').id}": "channel.TextChannel",
        f"/channels/{message['channel_id']}/messages/{message_id}": "message.Message",
    }
    headers = {"Authorization": f"Bot {dc.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        for path, type_name in expected.items():
            async with http.get(dc.server.api_base + path) as response:
                assert problems(await response.json(), typed_dict(type_name), path) == []
        async with http.get(
            f"{dc.server.api_base}/applications/{dc.world.application_id}/commands"
        ) as r:
            for command in await r.json():
                assert (
                    problems(command, typed_dict("command.ApplicationCommand"), command["name"])
                    == []
                )


async def test_dm_channel_differs_from_discord_types_only_by_the_missing_name(
    busy: Harness,
) -> None:
    dm = busy.dm_channel("alice")
    assert problems(channel_payload(dm), typed_dict("channel.DMChannel")) == [
        "$: DMChannel is missing 'name'"
    ]


async def test_payloads_build_discord_models(busy: Harness) -> None:
    dc = busy
    client = dc.client
    assert client is not None and client.user is not None
    state: Any = client._connection
    guild = discord.Guild(data=guild_payload(dc.world, dc.guild), state=state)  # type: ignore[arg-type]
    assert guild.member_count == len(dc.guild.members)
    assert {c.name for c in guild.text_channels} == {"general", "help"}
    moderator = dc.role("Moderator")
    role = discord.Role(guild=guild, state=state, data=role_payload(moderator))  # type: ignore[arg-type]
    assert role.permissions.kick_members
    carol = dc.member("carol", roles=[moderator])
    member = discord.Member(data=member_payload(carol), guild=guild, state=state)  # type: ignore[arg-type]
    assert member.name == "carol" and moderator.id in [r.id for r in member.roles]
    dm = discord.DMChannel(me=client.user, state=state, data=channel_payload(dc.dm_channel(carol)))  # type: ignore[arg-type]
    assert dm.recipient is not None and dm.recipient.name == "carol"
    assert discord.AppInfo(state, application_payload(dc.world)).id == dc.world.application_id  # type: ignore[arg-type]
    for command in dc.world.commands.global_commands.values():
        assert app_commands.AppCommand(data=command, state=state).name == command["name"]  # type: ignore[arg-type]


async def test_messages_and_interactions_build_discord_models(busy: Harness) -> None:
    dc = busy
    client = dc.client
    assert client is not None
    state: Any = client._connection
    channel = client.get_channel(dc.channel("help").id)
    msg = await dc.say("carol", "help", f"hello <@{dc.bot_user.id}>")
    message = discord.Message(state=state, channel=channel, data=msg)  # type: ignore[arg-type]
    assert message.author.name == "carol" and message.mentions[0].id == dc.bot_user.id
    moderator = dc.role("Moderator")
    dc.member("carol", roles=[moderator])
    ix = await dc.slash("faq", user="carol", channel="help", entry="apply")
    interaction = discord.Interaction(data=ix.payload, state=state)  # type: ignore[arg-type]
    assert isinstance(interaction.user, discord.Member)
    assert interaction.permissions.kick_members and not interaction.permissions.administrator
    assert interaction.channel is not None and interaction.channel.id == dc.channel("help").id
    await dc.response_to(ix)
