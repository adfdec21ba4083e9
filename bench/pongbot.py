"""The reference bot of ``bench/load.py --pong``: plain discord.py answering "pong".

It replies "pong" (as a reply, pinging nobody) to every message that mentions it, and
does nothing else: no commands, no matching, no logging of questions. What it costs per
message is what discord.py and the emulator cost, so the residency bot's figures can be
compared with it on the same machine. Run through the emulator's launcher::

    python -m tests.fakediscord.launcher --port P --module bench.pongbot:main

with the token in ``DISCORD_TOKEN``; ``bench/load.py --pong`` does this for you.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Sequence
from contextlib import suppress

import discord

READY_LINE = "pong bot ready"
log = logging.getLogger("pongbot")


class PongBot(discord.Client):
    """Replies "pong" to each mention; intents as the residency bot asks for them."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none())

    async def on_ready(self) -> None:
        log.info(READY_LINE)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.user is None or self.user not in message.mentions:
            return
        await message.channel.send(
            "pong", reference=message.to_reference(fail_if_not_exists=False),
            mention_author=False,
        )


async def _serve(token: str) -> None:
    bot = PongBot()
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []
    with suppress(NotImplementedError):  # SIGTERM closes the bot cleanly (and ends main)
        loop.add_signal_handler(signal.SIGTERM, lambda: closing.append(
            loop.create_task(bot.close())))
    async with bot:
        await bot.start(token)
    await asyncio.gather(*closing, return_exceptions=True)


def main(argv: Sequence[str] = ()) -> int:
    """Launcher entry point; the token comes from ``DISCORD_TOKEN``."""
    del argv  # no options
    discord.utils.setup_logging(level=logging.INFO)
    asyncio.run(_serve(os.environ["DISCORD_TOKEN"]))
    return 0
