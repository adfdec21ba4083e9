"""The bot token never leaks: not in logs, not in messages, not in exception text.

The emulator here expects a recognisable fake token, so any leak is easy to grep for.
"""

from __future__ import annotations

import json
import logging
import subprocess
import traceback
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import yaml

from tests.e2e.botfixtures import (
    PROJECT_ROOT,
    StartResidency,
    bot_config,
    build_bot,
    start_residency,
)
from tests.fakediscord import Harness

__all__ = ["start_residency"]

SECRET = "MTIz.FAKE-TOKEN-abcdef-SECRET"
# Distinctive fragments too, in case something logs a truncated or split token.
FRAGMENTS = (SECRET, "FAKE-TOKEN-abcdef", "abcdef-SECRET")


@pytest.fixture
async def fake_discord() -> AsyncIterator[Harness]:
    """The emulator, expecting SECRET as the bot token (overrides the conftest fixture)."""
    async with Harness.open(token=SECRET) as harness:
        yield harness


def leaks(text: str) -> list[str]:
    return [fragment for fragment in FRAGMENTS if fragment in text]


def record_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every log record as a handler would print it: message, args, and traceback."""
    texts = [caplog.text]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            texts.append("".join(traceback.format_exception(record.exc_info[1])))
    return texts


def sent_texts(dc: Harness) -> list[str]:
    return [json.dumps(sent.payload, default=str) + repr(sent.content) + repr(sent.embeds)
            for sent in dc.sent]


async def test_token_is_in_no_log_record_and_no_message(
    start_residency: StartResidency, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # discord.py's gateway and HTTP debug logging included
    started = await start_residency(wait_for_sync=True)
    dc = started.dc
    assert dc.token == SECRET
    await dc.reply_to(await dc.say("member", "general", "is it paid?", mentions_bot=True))
    await dc.reply_to(await dc.say("member", "general", "what's the weather?",
                                   mentions_bot=True))
    await dc.response_to(await dc.slash("apply", user="member"))
    # A failing handler: its traceback is logged, and must not carry the token either.
    _, reply = await started.mention("how long is the residency?")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("question log unavailable")

    monkeypatch.setattr(started.log, "vote", broken)
    await dc.response_to(await dc.click(reply, "Helpful"))
    await dc.settle(quiet=0.1)
    await dc.stop_client()

    assert len(caplog.records) > 20, "DEBUG logging was not captured"
    assert any(r.exc_info for r in caplog.records), "the broken vote logged no traceback"
    assert dc.sent
    for text in record_texts(caplog) + sent_texts(dc):
        assert not leaks(text), text[:2000]


async def test_rejected_token_leaves_no_trace_in_the_exception(
    fake_discord: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """The emulator expects SECRET; the bot is given a different secret-looking token."""
    caplog.set_level(logging.DEBUG)
    wrong = "MTIz.WRONG-TOKEN-abcdef-SECRET"
    config = bot_config(tmp_path, fake_discord)
    with pytest.raises(discord.LoginFailure) as raised:
        await fake_discord.start_client(lambda: build_bot(tmp_path, config), token=wrong)
    exception_text = "".join(traceback.format_exception(raised.value))
    for text in [exception_text, *record_texts(caplog)]:
        assert wrong not in text and "WRONG-TOKEN" not in text, text[:2000]
        assert not leaks(text)


async def test_subprocess_output_at_debug_never_shows_the_token(
    fake_discord: Harness, tmp_path: Path,
) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text(yaml.safe_dump(bot_config(tmp_path, fake_discord)), encoding="utf-8")
    process = await fake_discord.start_process(
        ["run", "--config", str(path), "--log-level", "DEBUG"],
        env={"DISCORD_TOKEN": SECRET}, wait_for_sync=True)
    message = await fake_discord.say("member", "general", "is it paid?", mentions_bot=True)
    assert (await fake_discord.reply_to(message)).embeds
    assert await process.stop() == 0
    assert "DEBUG" in process.output  # the level really was DEBUG
    assert not leaks(process.output)
    for text in sent_texts(fake_discord):
        assert not leaks(text)


@pytest.mark.parametrize("path", [".env", "var/", "var/questions.sqlite3",
                                  "var/commands.sha256"])
def test_secrets_and_state_are_git_ignored(path: str) -> None:
    result = subprocess.run(["git", "check-ignore", "--no-index", "-q", path],
                            cwd=PROJECT_ROOT, capture_output=True, timeout=10, check=False)
    assert result.returncode == 0, f"{path} is not git-ignored"


def test_no_env_file_or_var_content_is_tracked() -> None:
    result = subprocess.run(["git", "ls-files", "--", ".env", "var"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=10, check=True)
    assert result.stdout == ""
