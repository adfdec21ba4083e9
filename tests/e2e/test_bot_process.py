"""``python -m bot run`` as an operator runs it: one clear line per start-up problem."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.runner import run_bot
from bot.settings import load_settings
from tests.fakediscord import Harness
from tests.fakediscord.harness import PROJECT_ROOT

from .botfixtures import FAQ_SOURCE, bot_config

PROCESS_TIMEOUT = 15.0


def write_config(tmp_path: Path, dc: Harness, **overrides: Any) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(yaml.safe_dump(bot_config(tmp_path, dc, **overrides)), encoding="utf-8")
    return path


async def run_cli(dc: Harness, args: list[str], token: str | None) -> tuple[int, str]:
    """Run the bot's CLI through the emulator's launcher to completion; (exit code, output)."""
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN" and not k.startswith("BOT_")}
    if token is not None:
        env["DISCORD_TOKEN"] = token
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakediscord.launcher", "--port", str(dc.server.port),
        "--", *args, cwd=PROJECT_ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), PROCESS_TIMEOUT)
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "ERROR" in line or "error:" in line]


async def test_run_answers_and_stops_cleanly_on_sigterm(
    fake_discord: Harness, tmp_path: Path,
) -> None:
    config = write_config(tmp_path, fake_discord)
    process = await fake_discord.start_process(["run", "--config", str(config)],
                                               env={"DISCORD_TOKEN": fake_discord.token},
                                               wait_for_sync=True)
    message = await fake_discord.say("member", "general", "is it paid?", mentions_bot=True)
    assert (await fake_discord.reply_to(message)).embeds
    assert await process.stop() == 0
    assert fake_discord.token not in process.output


async def test_rejected_token_is_one_clear_line_and_a_failure_exit(
    fake_discord: Harness, tmp_path: Path,
) -> None:
    config = write_config(tmp_path, fake_discord)
    code, output = await run_cli(fake_discord, ["run", "--config", str(config)],
                                 token="not-the-token")
    assert code == 1
    assert error_lines(output) == [line for line in output.splitlines()
                                   if "Discord rejected the token (LoginFailure)" in line]
    assert "not-the-token" not in output
    assert "Traceback" not in output


async def test_unreachable_discord_is_one_clear_line(
    fake_discord: Harness, tmp_path: Path,
) -> None:
    config = write_config(tmp_path, fake_discord)
    await fake_discord.server.stop()  # nothing listens on the port any more
    code, output = await run_cli(fake_discord, ["run", "--config", str(config)],
                                 token=fake_discord.token)
    assert code == 1
    lines = error_lines(output)
    assert len(lines) == 1 and "Cannot reach Discord at start-up" in lines[0]


async def test_sharded_bot_refused_message_content_restarts_without_it(
    fake_discord: Harness, tmp_path: Path,
) -> None:
    fake_discord.approve_intents(message_content=False)
    config = write_config(tmp_path, fake_discord, sharded=True)
    process = await fake_discord.start_process(["run", "--config", str(config)],
                                               env={"DISCORD_TOKEN": fake_discord.token})
    message = await fake_discord.say("member", "general", "is it paid?", mentions_bot=True)
    assert (await fake_discord.reply_to(message)).embeds
    assert await process.stop() == 0
    assert process.output.count("Discord refused the Message Content intent") == 1


# The next two fail before any connection, so they call run_bot in-process (fast), from
# an empty directory so that no developer's .env token is picked up.


@pytest.fixture
def offline_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working directory, no token in the environment, root logging restored."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield tmp_path
    root.handlers[:] = handlers  # run_bot installs discord.py's stderr handler
    root.setLevel(level)


def offline_config(tmp_path: Path) -> Path:
    config = tmp_path / "bot.yaml"
    faq = tmp_path / "faqs.yaml"
    shutil.copyfile(FAQ_SOURCE, faq)
    config.write_text(yaml.safe_dump({"faq_path": str(faq)}), encoding="utf-8")
    return config


def test_missing_token_is_one_clear_line(
    offline_cli: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    assert run_bot(load_settings(offline_config(offline_cli))) != 0
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "DISCORD_TOKEN is not set" in errors[0]


def test_invalid_faq_is_one_clear_line(
    offline_cli: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "never-used")
    broken = offline_cli / "broken.yaml"
    broken.write_text("programme: {name: x}\nentries: []\n", encoding="utf-8")
    assert run_bot(load_settings(offline_config(offline_cli)), faq=str(broken)) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert f"FAQ {broken} has" in errors[0] and "validate" in errors[0]
    assert "never-used" not in errors[0]
