"""The Discord bot: set-up, command sync, error handling and the intent fallback.

Features live in cogs (``bot/cogs``); this module wires them to the core (``FaqStore``)
and to the question log, and turns start-up failures into one clear log line each.
``create_bot`` builds the bot without connecting, so tests can run it in-process against
the loopback Discord in ``tests/fakediscord``; ``bot.runner.run_bot`` runs it as a process.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cooldowns import MemberRateLimit, RepeatWindow
from bot.discord_render import NO_MENTIONS, report_failure
from bot.knowledge import FaqStore
from bot.matching import Match
from bot.questionlog import QuestionEvent, QuestionLog
from bot.settings import Settings
from bot.views import DYNAMIC_ITEMS

log = logging.getLogger("bot")
# discord.py waits this long after the last GUILD_CREATE before on_ready (default 2 s).
# Discord sends a small bot's guilds right after READY, so half a second is plenty; the bot
# answers messages before on_ready anyway.
GUILD_READY_TIMEOUT = 0.5

EXTENSIONS = ("bot.cogs.answers", "bot.cogs.commands")
# Written separately (moderator commands); loaded only when the module is installed.
OPTIONAL_EXTENSIONS = ("bot.cogs.moderation",)

MESSAGE_CONTENT_FALLBACK = (
    "Discord refused the Message Content intent (close code 4014): reconnecting without it. "
    "Slash commands, mentions and DMs keep working; answer channels are NOT read until you "
    "enable 'Message Content Intent' in the Developer Portal (Bot > Privileged Gateway "
    "Intents) and restart"
)


class ResidencyTree(app_commands.CommandTree[Any]):
    """The command tree with one error handler for every slash command and menu."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        """Checks get a short private refusal; anything else a private apology + traceback."""
        command = interaction.command
        if command is not None and command._has_any_error_handlers():
            return  # the command (or its cog) handles its own errors
        if interaction.type is discord.InteractionType.autocomplete:
            # Autocomplete cannot carry a message; an empty list is what the member sees.
            log.error("Error in autocomplete for user %s", interaction.user.id, exc_info=error)
            return
        if isinstance(error, app_commands.CheckFailure):
            log.info("Check failed for user %s: %s", interaction.user.id, error)
            with suppress(discord.HTTPException):
                if not interaction.response.is_done():
                    await interaction.response.send_message(
                        "You can't use this command here.", ephemeral=True,
                        allowed_mentions=NO_MENTIONS)
            return
        await report_failure(interaction, error)


class ResidencyBot(commands.Bot):
    """The FAQ bot: answers from ``store``, records questions in ``question_log``."""

    def __init__(
        self,
        settings: Settings,
        store: FaqStore,
        question_log: QuestionLog | None = None,
        **options: Any,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = settings.message_content_intent
        options.setdefault("allowed_mentions", NO_MENTIONS)
        options.setdefault("guild_ready_timeout", GUILD_READY_TIMEOUT)
        # No message cache: nothing here reads it (buttons carry their state in custom_id,
        # replies are built from each event's payload). Keeping discord.py's default 1,000
        # messages cost 3 MB and, in the median of 12 flood runs, 0.15 ms of CPU per
        # message (BENCHMARKS.md, "Load").
        options.setdefault("max_messages", None)
        super().__init__(
            command_prefix=commands.when_mentioned,  # required by commands.Bot; no prefix commands
            help_command=None,
            intents=intents,
            tree_cls=ResidencyTree,
            **options,
        )
        self.settings = settings
        self.store = store
        self.question_log = question_log
        cooldowns = settings.cooldowns
        self.member_rate = MemberRateLimit(cooldowns.member_questions,
                                           cooldowns.member_window_seconds)
        self.repeats = RepeatWindow(cooldowns.repeat_window_seconds)
        self._question_log_running = False
        self._question_log_closing: asyncio.Task[None] | None = None
        self._checked_channels = False
        # Set by the answers cog while it is loaded (see on_message).
        self.message_handler: Callable[[discord.Message], Awaitable[None]] | None = None
        self._skip_own_message_events()

    def _skip_own_message_events(self) -> None:
        """Do not build a ``Message`` from the gateway's echo of the bot's own messages.

        Every reply comes back as MESSAGE_CREATE with its embed, buttons and the question
        it replies to; discord.py would parse all of it into a ``Message`` and dispatch
        ``on_message``, which ignores bots, and keep nothing (no message cache). Other
        authors' messages are parsed as before. Measured in BENCHMARKS.md ("Load").
        """
        state = self._connection
        parse = state.parsers["MESSAGE_CREATE"]

        def parse_message_create(data: dict[str, Any]) -> None:
            author = data.get("author")
            if (state.self_id is not None and author is not None
                    and "webhook_id" not in data and author.get("id") == str(state.self_id)):
                return
            parse(data)

        state.parsers["MESSAGE_CREATE"] = parse_message_create

    # --- state the cogs read ----------------------------------------------------------

    @property
    def reads_message_content(self) -> bool:
        """Whether the gateway sends the content of messages that do not mention the bot."""
        return self._connection.intents.message_content

    def record_question(
        self, *, guild_id: int | None, channel_id: int | None, user_id: int, source: str,
        question: str, match: Match,
    ) -> str:
        """Log a handled question; return the key its feedback buttons carry."""
        if self.question_log is None:
            return secrets.token_hex(4)  # votes are still acknowledged, just not stored
        return self.question_log.record(QuestionEvent(
            guild_id=guild_id, channel_id=channel_id, user_id=user_id, source=source,
            question=question, decision=match.decision.value, entry_id=match.entry_id,
            confidence=match.confidence,
        ))

    def reply_lost(self, question_key: str) -> None:
        """Note in the question log that the reply to ``question_key`` was never posted."""
        if self.question_log is not None:
            self.question_log.reply_lost(question_key)

    # --- lifecycle --------------------------------------------------------------------

    async def setup_hook(self) -> None:
        """Start the question log, register buttons, load cogs, sync commands if changed."""
        if self.question_log is not None and not self._question_log_running:
            await self.question_log.start()
            self._question_log_running = True
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        for name in EXTENSIONS:
            if name not in self.extensions:
                await self.load_extension(name)
        for name in OPTIONAL_EXTENSIONS:
            if name not in self.extensions and importlib.util.find_spec(name) is not None:
                await self.load_extension(name)
        await self.sync_commands()

    async def connect(self, *, reconnect: bool = True) -> None:
        """Connect; if the Message Content intent is refused, reconnect without it."""
        try:
            await super().connect(reconnect=reconnect)
        except discord.PrivilegedIntentsRequired:
            # AutoShardedClient closes itself on 4014 and cannot be re-opened in place:
            # run_bot then starts a fresh bot without the intent.
            if not self.reads_message_content or self.is_closed():
                raise
            log.warning(MESSAGE_CONTENT_FALLBACK)
            # The intents object is what IDENTIFY sends; the next connection asks without it.
            self._connection._intents.message_content = False
            await self.connect(reconnect=reconnect)

    async def close(self) -> None:
        """Disconnect, then flush the question log (every caller waits for the flush)."""
        # discord.py 2.7's close() leaves its pending "ready" wait running; when it ends after
        # close() it dispatches on_ready to a loop that is gone (an AttributeError traceback).
        ready_task = self._connection._ready_task
        if ready_task is not None:
            ready_task.cancel()
        await super().close()
        if self.question_log is not None and self._question_log_running:
            if self._question_log_closing is None:
                self._question_log_closing = asyncio.create_task(self.question_log.close())
            await self._question_log_closing

    async def on_message(self, message: discord.Message, /) -> None:
        """Free text goes to the answers cog; prefix commands are not used.

        The cog hands its handler over instead of adding a listener: discord.py starts a
        task for this method and another for each listener, for every message it sees.
        """
        if self.message_handler is not None:
            await self.message_handler(message)

    async def on_ready(self) -> None:
        """Log the connection and check the configured channels once."""
        log.info("Connected as %s (%s) to %d server(s); message content %s",
                 self.user, self.user.id if self.user else "?", len(self.guilds),
                 "on" if self.reads_message_content else "OFF")
        if not self._checked_channels:
            self._checked_channels = True
            self.check_configured_channels()

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """An event handler raised: one log line with the traceback, and keep running."""
        log.exception("Error in event %s", event_method)

    # --- start-up checks --------------------------------------------------------------

    def check_configured_channels(self) -> list[int]:
        """Log one actionable line for configured channel ids the bot cannot see."""
        configured = [("answer_channels", c) for c in self.settings.answer_channels]
        if self.settings.mod_log_channel is not None:
            configured.append(("mod_log_channel", self.settings.mod_log_channel))
        unknown = [(key, cid) for key, cid in configured if self.get_channel(cid) is None]
        if unknown:
            listed = ", ".join(f"{key}={cid}" for key, cid in unknown)
            log.warning(
                "Unknown channel id(s) in settings: %s. Check the ids (Developer Mode > "
                "right-click the channel > Copy Channel ID) and that the bot can view them",
                listed,
            )
        return [cid for _, cid in unknown]

    async def sync_commands(self) -> bool:
        """Sync slash commands only when their definitions changed since the last sync."""
        guild = discord.Object(self.settings.guild_id) if self.settings.guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)  # guild commands show up at once
        digest = self.command_digest(guild)
        path = self.settings.command_hash_path
        with suppress(OSError):
            if path.read_text(encoding="utf-8").strip() == digest:
                log.info("Slash commands unchanged; not syncing")
                return False
        try:
            synced = await self.tree.sync(guild=guild)
        except discord.Forbidden:
            log.error("Cannot sync slash commands: re-invite the bot with the "
                      "'applications.commands' scope%s", f" to guild {guild.id}" if guild else "")
            return False
        except discord.HTTPException as error:
            log.error("Slash command sync failed (%s %s); will retry at next start",
                      error.status, error.text)
            return False
        _write_atomically(path, digest + "\n")
        log.info("Synced %d slash command(s) %s", len(synced),
                 f"to guild {guild.id}" if guild else "globally")
        return True

    def command_digest(self, guild: discord.abc.Snowflake | None) -> str:
        """SHA-256 of the command definitions, the application and where they go."""
        payload = {
            "application_id": self.application_id,
            "guild_id": guild.id if guild else None,
            "commands": sorted(
                (c.to_dict(self.tree) for c in self.tree.get_commands(guild=guild)),
                key=lambda d: (d.get("type", 1), d["name"]),
            ),
        }
        encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(encoded).hexdigest()


class ShardedResidencyBot(ResidencyBot, commands.AutoShardedBot):
    """The same bot as discord.py's ``AutoShardedBot`` (only needed past ~2,500 servers)."""


def create_bot(
    settings: Settings, store: FaqStore, question_log: QuestionLog | None = None,
    **options: Any,
) -> ResidencyBot:
    """Build the bot (sharded if configured) without connecting; ``options`` go to discord.py."""
    cls = ShardedResidencyBot if settings.sharded else ResidencyBot
    return cls(settings, store, question_log, **options)


def _write_atomically(path: Path, text: str) -> None:
    # Written to a temporary file and swapped in, so a crash never leaves half a hash
    # (which would only cost one extra sync, but a clean file is as cheap).
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
