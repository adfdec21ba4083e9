"""The gateway side of the emulator, exercised by a real discord.py bot (tests/e2e/tinybot.py)."""

from __future__ import annotations

import discord
import pytest

from tests.e2e.tinybot import TinyBot
from tests.fakediscord import Harness


async def test_bot_logs_in_once_and_sees_the_guild(tiny: Harness) -> None:
    client = tiny.client
    assert client is not None and client.user is not None
    assert client.user.id == tiny.bot_user.id
    assert tiny.server.gateway.identifies == 1
    guild = client.get_guild(tiny.guild.id)
    assert guild is not None
    assert [channel.name for channel in guild.text_channels] == ["general"]


async def test_commands_are_synced_globally_once(tiny: Harness) -> None:
    commands = tiny.world.commands
    assert commands.global_puts == 1
    assert {name for name, _ in commands.global_commands} == {
        "faq",
        "slow",
        "feedback",
        "admin",
        "Answer with FAQ",
    }


async def test_guild_sync_is_recorded_and_its_commands_carry_the_guild_id(
    tiny_guild_synced: Harness,
) -> None:
    dc = tiny_guild_synced
    assert dc.world.commands.guild_puts == {dc.guild.id: 1}
    ix = await dc.slash("faq", entry="apply")
    assert ix.payload["data"]["guild_id"] == str(dc.guild.id)
    assert (await dc.response_to(ix)).embeds[0]["title"] == "apply"


async def test_bot_ignores_its_own_echoed_message(tiny: Harness) -> None:
    msg = await tiny.say("alice", "general", "!echo !echo loop")
    reply = await tiny.reply_to(msg)
    await tiny.settle()
    bot = tiny.client
    assert isinstance(bot, TinyBot)
    assert reply.message_id in [m.id for m in bot.seen]  # Discord echoed the reply back
    assert [s.content for s in tiny.replies(msg)] == ["echo: !echo loop"]


@pytest.mark.parametrize("abort", [False, True], ids=["close-4000", "tcp-abort"])
async def test_message_sent_during_outage_is_replayed_and_answered_once(
    tiny: Harness, abort: bool
) -> None:
    bot = tiny.client
    assert isinstance(bot, TinyBot)
    async with tiny.outage(abort=abort):
        msg = await tiny.say("alice", "general", "!echo while you were away")
        await tiny.assert_no_reply(msg, wait=0.1)  # really disconnected
    reply = await tiny.reply_to(msg)
    await tiny.settle()
    assert reply.content == "echo: while you were away"
    assert len(tiny.replies(msg)) == 1
    assert [m.id for m in bot.seen].count(int(msg["id"])) == 1
    assert (tiny.server.gateway.resumes, tiny.server.gateway.identifies) == (1, 1)


async def test_bot_resumes_straight_away_after_a_dropped_connection(tiny: Harness) -> None:
    await tiny.drop_gateway(4000)
    await tiny.wait_for(lambda: tiny.server.gateway.resumes == 1, what="a RESUME")
    msg = await tiny.say("alice", "general", "!echo back")
    assert (await tiny.reply_to(msg)).content == "echo: back"
    assert 4000 in tiny.server.gateway.close_codes


async def test_invalid_session_makes_the_bot_identify_again(tiny: Harness) -> None:
    await tiny.invalidate_session(resumable=False)
    await tiny.wait_for(lambda: tiny.server.gateway.identifies == 2, what="a second IDENTIFY")
    msg = await tiny.say("alice", "general", "!echo new session")
    assert (await tiny.reply_to(msg)).content == "echo: new session"


async def test_unapproved_privileged_intent_closes_with_4014(fake_discord: Harness) -> None:
    fake_discord.approve_intents(members=False)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await fake_discord.start_client(lambda: TinyBot(members=True))
    assert fake_discord.server.gateway.close_codes[-1] == 4014


async def test_wrong_token_fails_login(fake_discord: Harness) -> None:
    with pytest.raises(discord.LoginFailure):
        await fake_discord.start_client(TinyBot, token="not-the-token")


async def test_without_message_content_intent_content_is_blank(fake_discord: Harness) -> None:
    dc = fake_discord
    bot = await dc.start_client(lambda: TinyBot(message_content=False))
    assert isinstance(bot, TinyBot)
    plain = await dc.say("alice", "general", "!echo hidden")
    await dc.assert_no_reply(plain)
    assert [m.content for m in bot.seen if m.id == int(plain["id"])] == [""]
    mentioned = await dc.say("alice", "general", "echo visible", mentions_bot=True)
    assert (await dc.reply_to(mentioned)).content == "echo: visible"


async def test_direct_messages_need_the_dm_intent(fake_discord: Harness) -> None:
    bot = await fake_discord.start_client(lambda: TinyBot(dms=False))
    assert isinstance(bot, TinyBot)
    message = await fake_discord.dm("alice", "!echo anyone?")
    await fake_discord.assert_no_reply(message)
    assert int(message["id"]) not in [m.id for m in bot.seen]


async def test_members_intent_gets_all_members_and_member_queries(fake_discord: Harness) -> None:
    dc = fake_discord
    dc.member("alice")
    bot = await dc.start_client(lambda: TinyBot(members=True))
    guild = bot.get_guild(dc.guild.id)
    assert guild is not None
    assert {m.name for m in guild.members} == {m.name for m in dc.guild.members.values()}
    found = await guild.query_members("ali")
    assert [m.name for m in found] == ["alice"]


async def test_zlib_stream_compression_works() -> None:
    async with Harness.start(TinyBot, zlib_stream=True) as dc:
        assert all(connection.zlib_stream for connection in dc.server.gateway.connections)
        msg = await dc.say("alice", "general", "!echo squeezed")
        assert (await dc.reply_to(msg)).content == "echo: squeezed"


async def test_bot_runs_in_a_subprocess(fake_discord: Harness) -> None:
    dc = fake_discord
    process = await dc.start_process(
        ["--token", dc.token], module="tests.e2e.tinybot:main", wait_for_sync=True
    )
    msg = await dc.say("alice", "general", "!echo from afar")
    assert (await dc.reply_to(msg)).content == "echo: from afar"
    await process.stop()
    assert process.returncode is not None
