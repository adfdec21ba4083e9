"""Running the bot as a process: settings, logging, start-up failures, SIGTERM.

``run_bot`` is what ``python -m bot run`` calls. Each start-up failure becomes one clear
log line and a non-zero exit code, never a traceback (the token is never printed).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from contextlib import suppress
from pathlib import Path

import aiohttp
import discord

from bot.app import MESSAGE_CONTENT_FALLBACK, ResidencyBot, ShardedResidencyBot, create_bot
from bot.knowledge import FaqStore, load_faq
from bot.questionlog import QuestionLog
from bot.settings import Settings

log = logging.getLogger("bot")
# The cyclic collector's youngest generation runs after this many net allocations (Python's
# default is 700). Almost everything a question allocates is freed by reference counting
# within that question, so the default mostly scans live messages in flight: under
# bench/load.py it spent 0.67-0.81 s of a 5,000-question flood collecting, against
# 0.12-0.15 s with 10,000, for about 1 MB more peak memory.
GC_YOUNG_THRESHOLD = 10_000


async def _serve(settings: Settings, store: FaqStore, token: str) -> int:
    while True:
        bot = create_bot(settings, store, QuestionLog(settings.question_log))
        try:
            return await _run_until_stopped(bot, token)
        except discord.PrivilegedIntentsRequired:
            if not settings.message_content_intent or not isinstance(bot, ShardedResidencyBot):
                # (the unsharded bot already fell back in place: another intent is missing)
                log.error("Discord refused a privileged intent: enable it in the Developer "
                          "Portal (Bot > Privileged Gateway Intents)")
                return 1
            log.warning(MESSAGE_CONTENT_FALLBACK)
            settings = settings.model_copy(update={"message_content_intent": False})


class _FirstConnectionFilter(logging.Filter):
    """Hide discord.py's reconnect traceback while no gateway connection ever succeeded.

    discord.py 2.7 cannot retry a first gateway connection (Rapptz/discord.py#10520): it
    logs "Attempting a reconnect" with a traceback, then fails with an AttributeError.
    ``_run_until_stopped`` reports that case in one line instead.
    """

    def __init__(self, bot: ResidencyBot) -> None:
        super().__init__()
        self.bot = bot

    def filter(self, record: logging.LogRecord) -> bool:
        return not (self.bot.ws is None and str(record.msg).startswith("Attempting a reconnect"))


async def _run_until_stopped(bot: ResidencyBot, token: str) -> int:
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []
    with suppress(NotImplementedError):  # no signal handlers on Windows
        loop.add_signal_handler(signal.SIGTERM,
                                lambda: stopping.append(loop.create_task(bot.close())))
    first_connection = _FirstConnectionFilter(bot)
    logging.getLogger("discord.client").addFilter(first_connection)
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        log.error("Discord rejected the token (LoginFailure): check DISCORD_TOKEN in the "
                  "environment or .env (Developer Portal > your app > Bot > Reset Token)")
        return 1
    except discord.HTTPException as error:
        log.error("Discord answered %s at start-up: %s", error.status, error.text)
        return 1
    except discord.ConnectionClosed as error:
        log.error("Discord closed the gateway connection (code %s: %s)", error.code,
                  error.reason or "no reason given")
        return 1
    except (aiohttp.ClientError, OSError, discord.GatewayNotFound, TimeoutError) as error:
        log.error("Cannot reach Discord at start-up (%s: %s): check the network and retry",
                  type(error).__name__, error)
        return 1
    except AttributeError:
        if bot.ws is not None:  # not the first-connection failure described above
            raise
        log.error("Cannot reach Discord at start-up (the gateway refused the connection): "
                  "check the network and retry")
        return 1
    finally:
        logging.getLogger("discord.client").removeFilter(first_connection)
        with suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGTERM)
        # start() returns as soon as the connection is closed; the question log is flushed
        # after that, and asyncio.run would cancel a close() still running in another task.
        await bot.close()
        await asyncio.gather(*stopping, return_exceptions=True)
    return 0


def run_bot(settings: Settings, faq: str | None = None, log_level: str | None = None) -> int:
    """Run the bot until it is stopped; return the process exit code.

    ``settings`` as ``python -m bot`` read them (once, for every command).
    """
    level = logging.getLevelNamesMapping().get((log_level or settings.log_level).upper())
    if level is None:
        print(f"error: unknown log level {log_level or settings.log_level!r}; use DEBUG, "
              "INFO, WARNING or ERROR", file=sys.stderr)
        return 2
    discord.utils.setup_logging(level=level)  # to stderr, coloured when it is a terminal
    if faq is not None:
        settings = settings.model_copy(update={"faq_path": Path(faq)})
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        log.error("DISCORD_TOKEN is not set: put it in the environment or in .env "
                  "(see docs/discord-setup.md)")
        return 2
    result = load_faq(settings.faq_path, settings.matching.thresholds(), check_confusion=False)
    if result.knowledge is None:
        first = result.errors[0] if result.errors else "unknown problem"
        log.error("FAQ %s has %d error(s), not starting; first: %s (run 'python -m bot "
                  "validate %s' for all)", settings.faq_path, len(result.errors), first,
                  settings.faq_path)
        return 1
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    try:
        return asyncio.run(_serve(settings, FaqStore(result.knowledge), token))
    except KeyboardInterrupt:
        return 0
