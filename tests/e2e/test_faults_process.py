"""Faults from issue 6 that need the bot as its own process (``python -m bot run``).

* SIGTERM right after members asked: exit 0, and every answered question is in the log,
  even though the database was locked until after the signal (so the rows had to be
  flushed by the shutdown, not written before it);
* SIGKILL in the middle of a flood: the log passes ``PRAGMA integrity_check`` and the bot
  starts again on the same files and answers;
* an invalid token, or Discord unreachable at start-up: one clear ERROR line on stderr, exit
  1, no traceback.

Each process runs under a hard timeout; the test as a whole under ``FAULT_TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.botfixtures import bot_config
from tests.e2e.flood import ask, question
from tests.fakediscord import Harness
from tests.fakediscord.harness import PROJECT_ROOT, BotProcess
from tests.sqlite_helpers import integrity, locked, stored_questions

FAULT_TIMEOUT = 20  # seconds, per test
pytestmark = pytest.mark.timeout(FAULT_TIMEOUT)
PROCESS_TIMEOUT = 8.0  # seconds for one bot process to finish on its own
FAULTS_GATEWAY = "FAULTS_GATEWAY"  # environment: where ``run_with_gateway`` sends the gateway

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # discord.py colours its log lines inside Docker


def write_config(tmp_path: Path, dc: Harness, **overrides: Any) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(yaml.safe_dump(bot_config(tmp_path, dc, **overrides)), encoding="utf-8")
    return path


def config_with_log(tmp_path: Path, dc: Harness) -> tuple[Path, Path]:
    """A config whose question log is in ``tmp_path``: (the config, the log)."""
    db = tmp_path / "questions.sqlite3"
    return write_config(tmp_path, dc, question_log={"path": str(db), "salt": "e2e"}), db


def answered(dc: Harness, messages: Sequence[dict[str, Any]]) -> int:
    """How many of ``messages`` have a reply."""
    ids = {int(m["id"]) for m in messages}
    return len({s.reference_id for s in dc.sent if s.kind == "message" and s.reference_id in ids})


def error_lines(text: str) -> list[str]:
    return [line for line in ANSI.sub("", text).splitlines() if " ERROR " in line]


async def start_bot(dc: Harness, config: Path, *, wait_for_sync: bool = False) -> BotProcess:
    return await dc.start_process(["run", "--config", str(config)],
                                  env={"DISCORD_TOKEN": dc.token}, ready_timeout=10,
                                  wait_for_sync=wait_for_sync)


# --- 5. SIGTERM and SIGKILL -----------------------------------------------------------------

ASKED_BEFORE_SIGTERM = 20


async def test_sigterm_right_after_questions_exits_0_with_every_answered_question_logged(
    fake_discord: Harness, tmp_path: Path,
) -> None:
    dc = fake_discord
    config, db = config_with_log(tmp_path, dc)
    bot = await start_bot(dc, config, wait_for_sync=True)
    await dc.wait_for(db.exists, what="the question log to be created", timeout=3)

    asked = [question(n)[0] for n in range(ASKED_BEFORE_SIGTERM)]
    with locked(db) as lock:  # nothing can be written before the signal ...
        messages = [await ask(dc, n) for n in range(len(asked))]
        await dc.wait_for(lambda: answered(dc, messages) == len(messages),
                          what="every question to be answered", timeout=5)
        assert lock.execute("SELECT count(*) FROM questions").fetchone() == (0,)
        bot.process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        assert bot.returncode is None, "exited without waiting to flush its log"
    # ... the lock is gone: the shutting-down bot writes its queue, then exits.
    code = await asyncio.wait_for(bot.process.wait(), PROCESS_TIMEOUT)
    await bot.stop()
    assert code == 0, bot.output
    assert stored_questions(db) == Counter(asked), "answered questions missing from the log"
    assert integrity(db) == [("ok",)]
    assert "Traceback" not in bot.output, bot.output[-3000:]
    assert error_lines(bot.output) == []
    assert "database is locked" in bot.output  # it did meet the lock, and waited it out
    print(f"\nSIGTERM: {len(asked)} questions answered while the log was locked, exit {code}, "
          f"{sum(stored_questions(db).values())} rows flushed at shutdown")


KILL_FLOOD = 100
KILL_AFTER = 30  # answers seen before the SIGKILL


async def test_sigkill_mid_flood_leaves_a_sound_log_and_the_bot_starts_again(
    fake_discord: Harness, tmp_path: Path,
) -> None:
    dc = fake_discord
    config, db = config_with_log(tmp_path, dc)
    first = await start_bot(dc, config, wait_for_sync=True)
    messages: list[dict[str, Any]] = []

    async def flood() -> None:
        for number in range(KILL_FLOOD):
            messages.append(await ask(dc, number))
            await asyncio.sleep(0.002)

    flooding = asyncio.create_task(flood())
    await dc.wait_for(lambda: answered(dc, messages) >= KILL_AFTER,
                      what=f"{KILL_AFTER} answers", timeout=5)
    first.process.kill()  # in the middle of the flood, with the log writing all along
    code = await asyncio.wait_for(first.process.wait(), PROCESS_TIMEOUT)
    answered_by_first = answered(dc, messages)
    await flooding
    await first.stop()
    assert code == -signal.SIGKILL
    assert answered_by_first < KILL_FLOOD, "the flood was over before the kill"

    assert integrity(db) == [("ok",)]
    before = stored_questions(db)
    asked = {question(n)[0] for n in range(KILL_FLOOD)}
    assert set(before) <= asked and max(before.values(), default=1) == 1  # no junk, no doubles

    second = await start_bot(dc, config)  # same config, FAQ, command hash and log
    message = await dc.say("ana", "general", "is the residency paid? (#9999)",
                           mentions_bot=True)
    reply = await dc.reply_to(message)
    assert reply.embeds and reply.embeds[0]["title"] == "Is the residency paid?"
    assert await second.stop() == 0, second.output
    after = stored_questions(db)
    assert after == before + Counter(["is the residency paid? (#9999)"])
    assert integrity(db) == [("ok",)]
    print(f"\nSIGKILL: killed after {answered_by_first} of {KILL_FLOOD} answers, "
          f"{sum(before.values())} rows survived, integrity ok, restarted and answered")


# --- 6. start-up failures -------------------------------------------------------------------


def run_with_gateway(argv: Sequence[str]) -> int:
    """Entry point for the launcher (``--module``): the bot, with its gateway elsewhere.

    REST stays on the emulator; the websocket goes to ``$FAULTS_GATEWAY``.
    """
    import discord.gateway
    import yarl

    from bot.cli import main

    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ[FAULTS_GATEWAY])
    return main(argv)


async def run_to_exit(port: int, config: Path, token: str, *, module: str | None = None,
                      env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the bot's CLI through the launcher until it exits: (code, stdout, stderr)."""
    clean = {k: v for k, v in os.environ.items()
             if k != "DISCORD_TOKEN" and not k.startswith("BOT_")}
    command = [sys.executable, "-m", "tests.fakediscord.launcher", "--port", str(port)]
    if module is not None:
        command += ["--module", module]
    process = await asyncio.create_subprocess_exec(
        *command, "--", "run", "--config", str(config), cwd=PROJECT_ROOT,
        env={**clean, "DISCORD_TOKEN": token, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), PROCESS_TIMEOUT)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        err += b"\n(still running after the timeout: killed)"
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def resetting_server() -> Any:
    """A port that accepts connections and drops them at once (a refusing middlebox)."""

    async def drop(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.transport.abort()

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


Scenario = Callable[[Harness, Path], Awaitable[tuple[int, str, str]]]


async def invalid_token(dc: Harness, config: Path) -> tuple[int, str, str]:
    return await run_to_exit(dc.server.port, config, "MTIz.NOT-THE-TOKEN")


async def nothing_listening(dc: Harness, config: Path) -> tuple[int, str, str]:
    return await run_to_exit(free_port(), config, dc.token)


async def connections_dropped(dc: Harness, config: Path) -> tuple[int, str, str]:
    async with resetting_server() as port:
        return await run_to_exit(port, config, dc.token)


async def gateway_refused(dc: Harness, config: Path) -> tuple[int, str, str]:
    """Login over REST works; the gateway websocket is refused."""
    return await run_to_exit(dc.server.port, config, dc.token,
                             module=f"{__name__}:run_with_gateway",
                             env={FAULTS_GATEWAY: f"ws://127.0.0.1:{free_port()}/"})


STARTUP_FAILURES = [
    pytest.param(invalid_token, "Discord rejected the token (LoginFailure)", id="invalid-token"),
    pytest.param(nothing_listening, "Cannot reach Discord at start-up (ClientConnectorError",
                 id="nothing-listening"),
    # aiohttp reports the drop as ServerDisconnectedError or ClientOSError (reset by peer)
    pytest.param(connections_dropped, "Cannot reach Discord at start-up (",
                 id="connections-dropped"),
    pytest.param(gateway_refused, "Cannot reach Discord", id="gateway-refused"),
]
SHORT_LINES = 6  # discord.py's two voice warnings, "logging in", the error, some slack
SHORT_CHARS = 1500


@pytest.mark.parametrize(("scenario", "message"), STARTUP_FAILURES)
async def test_a_start_up_failure_is_one_clear_line_and_exit_1(
    fake_discord: Harness, tmp_path: Path, scenario: Scenario, message: str,
) -> None:
    config = write_config(tmp_path, fake_discord)
    code, out, err = await scenario(fake_discord, config)
    plain = ANSI.sub("", err)
    assert code == 1, (code, plain)
    assert "Traceback" not in out + err, plain
    errors = error_lines(err)
    assert len(errors) == 1 and message in errors[0], plain
    assert len(plain.splitlines()) <= SHORT_LINES and len(plain) <= SHORT_CHARS, plain
    assert "NOT-THE-TOKEN" not in out + err and fake_discord.token not in out + err
    assert out == ""
