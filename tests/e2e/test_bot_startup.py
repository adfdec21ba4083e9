"""Start-up: log in, sync commands only when they changed, check settings, intent fallback."""

from __future__ import annotations

import logging

import pytest
from discord.ext.commands import AutoShardedBot

from tests.e2e.botfixtures import Residency, StartResidency, residency, start_residency

__all__ = ["residency", "start_residency"]

MEMBER_COMMANDS = {("ask", 1), ("faq", 1), ("apply", 1), ("residency", 1),
                   ("Answer with FAQ", 3)}


async def test_bot_logs_in_and_syncs_its_commands_globally(residency: Residency) -> None:
    synced = set(residency.dc.world.commands.global_commands)
    assert synced >= MEMBER_COMMANDS
    assert residency.dc.world.commands.global_puts == 1
    assert residency.hash_path.read_text().strip()


async def test_restart_with_unchanged_commands_does_not_sync_again(
    start_residency: StartResidency,
) -> None:
    first = await start_residency(wait_for_sync=True)
    await first.dc.stop_client()
    await start_residency()
    assert first.dc.world.commands.puts == 1


async def test_changed_commands_are_synced_at_the_next_start(
    start_residency: StartResidency,
) -> None:
    first = await start_residency(wait_for_sync=True)
    await first.dc.stop_client()
    first.hash_path.write_text("an older definition\n")
    await start_residency(wait_for_sync=True)
    assert first.dc.world.commands.puts == 2


async def test_guild_id_syncs_to_that_guild_for_instant_use(
    start_residency: StartResidency, fake_discord,
) -> None:
    started = await start_residency(wait_for_sync=True, guild_id=fake_discord.guild.id)
    guild_commands = started.dc.world.commands.guild_commands[fake_discord.guild.id]
    assert set(guild_commands) >= MEMBER_COMMANDS
    assert started.dc.world.commands.global_puts == 0


async def test_unknown_channel_id_gives_one_actionable_log_line(
    start_residency: StartResidency, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot")
    await start_residency(answer_channels=[123456789012345678])
    lines = [r.getMessage() for r in caplog.records if "Unknown channel" in r.getMessage()]
    assert len(lines) == 1
    assert "answer_channels=123456789012345678" in lines[0]
    assert "Copy Channel ID" in lines[0]


async def test_refused_message_content_intent_falls_back_and_keeps_answering(
    start_residency: StartResidency, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot")
    started = await start_residency(approve_message_content=False, wait_for_sync=True)
    dc = started.dc
    assert not started.bot.reads_message_content
    fallback = [r for r in caplog.records if "Message Content intent" in r.getMessage()]
    assert len(fallback) == 1 and "Slash commands, mentions and DMs keep working" in (
        fallback[0].getMessage())

    _, reply = await started.mention("how long is the residency?")
    assert reply.embeds[0]["title"] == started.question("duration")

    ask = await dc.slash("ask", question="is it paid?")
    answer = await dc.response_to(ask)
    assert answer.embeds[0]["title"] == started.question("salary")

    # Without the intent the answer channel arrives blank: the bot stays quiet there.
    unread = await dc.say("member", "answers", "how long is the residency?")
    await dc.assert_no_reply(unread)


async def test_sharded_bot_answers_mentions_and_commands(start_residency: StartResidency) -> None:
    started = await start_residency(wait_for_sync=True, sharded=True)
    assert isinstance(started.bot, AutoShardedBot) and started.bot.shard_count == 1
    _, reply = await started.mention("is the residency paid?")
    assert reply.embeds[0]["title"] == started.question("salary")
    shown = await started.dc.response_to(await started.dc.slash("apply"))
    assert shown.embeds
