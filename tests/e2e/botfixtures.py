"""The real residency bot running in-process against the loopback Discord.

Import the fixtures into a test module:

    from tests.e2e.botfixtures import residency, start_residency  # noqa: F401

* ``residency`` — a ``Residency`` (the Harness ``dc``, the running bot, the recorded
  question-log calls) with the default test settings: a private copy of
  ``data/faqs.yaml``, an answer channel ``#answers``, generous cooldowns, no repeat window.
* ``start_residency`` — an async function ``await start_residency(**config)`` for tests
  that need other settings (cooldowns, guild sync, the intent refusal, ...). Keyword
  arguments are ``config/bot.yaml`` keys; ``approve_message_content=False`` makes the
  emulator refuse the Message Content intent with close code 4014.

Nothing here writes to ``var/``: the FAQ copy, the command hash and the question log
all live in the test's ``tmp_path``.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import ResidencyBot, create_bot
from bot.knowledge import FaqStore, load_faq
from bot.questionlog import QuestionEvent, QuestionLog
from bot.settings import load_settings
from tests.fakediscord import Harness, Sent

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FAQ_SOURCE = PROJECT_ROOT / "data" / "faqs.yaml"
# The shipped decision thresholds (entry offsets included), so the bot under test decides
# exactly as the deployed one does.
SHIPPED_MATCHING = yaml.safe_load(
    (PROJECT_ROOT / "config" / "bot.yaml").read_text(encoding="utf-8"))["matching"]
ANSWER_CHANNEL = "answers"

# Cooldowns far out of the way unless a test is about them.
RELAXED_COOLDOWNS = {"member_questions": 1000, "member_window_seconds": 60,
                     "repeat_window_seconds": 0}


class RecordingQuestionLog(QuestionLog):
    """The real question log (on tmp_path) that also remembers what it was given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events: list[tuple[str, QuestionEvent]] = []
        self.votes: list[tuple[str, bool, int, str | None]] = []

    def record(self, event: QuestionEvent) -> str:
        key = super().record(event)
        self.events.append((key, event))
        return key

    def vote(self, question_key: str, helpful: bool, user_id: int,
             entry_id: str | None = None) -> None:
        super().vote(question_key, helpful, user_id, entry_id)
        self.votes.append((question_key, helpful, user_id, entry_id))


@dataclass
class Residency:
    """The running bot and what a test needs around it."""

    dc: Harness
    tmp_path: Path
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def bot(self) -> ResidencyBot:
        assert isinstance(self.dc.client, ResidencyBot)
        return self.dc.client

    @property
    def log(self) -> RecordingQuestionLog:
        assert isinstance(self.bot.question_log, RecordingQuestionLog)
        return self.bot.question_log

    @property
    def hash_path(self) -> Path:
        return Path(self.config["command_hash_path"])

    def question(self, entry_id: str) -> str:
        """An entry's question as the FAQ words it now: the title of its answer embed."""
        entry = self.bot.store.current.entry(entry_id)
        assert entry is not None, entry_id
        return entry.question

    async def mention(self, text: str, *, user: str = "member",
                      channel: str = "general") -> tuple[dict[str, Any], Sent]:
        """A member mentions the bot with ``text``; their message and the bot's reply."""
        message = await self.dc.say(user, channel, text, mentions_bot=True)
        return message, await self.dc.reply_to(message)


def bot_config(tmp_path: Path, dc: Harness, **overrides: Any) -> dict[str, Any]:
    """Test settings: private FAQ copy, hash and log under tmp_path, #answers answering."""
    faq = tmp_path / "faqs.yaml"
    if not faq.exists():
        shutil.copyfile(FAQ_SOURCE, faq)
    config: dict[str, Any] = {
        "faq_path": str(faq),
        "watch_faq": False,
        "guild_id": None,
        "answer_channels": [dc.channel(ANSWER_CHANNEL).id],
        "command_hash_path": str(tmp_path / "commands.sha256"),
        "message_content_intent": True,
        "cooldowns": dict(RELAXED_COOLDOWNS),
        "question_log": {"path": str(tmp_path / "questions.sqlite3"), "salt": "e2e"},
        "matching": dict(SHIPPED_MATCHING),
    }
    cooldowns = overrides.pop("cooldowns", {})
    config["cooldowns"].update(cooldowns)
    config.update(overrides)
    return config


def build_bot(tmp_path: Path, config: dict[str, Any]) -> ResidencyBot:
    """The bot as ``run_bot`` builds it, from a YAML config written to tmp_path."""
    path = tmp_path / "bot.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    settings = load_settings(path)
    loaded = load_faq(settings.faq_path, settings.matching.thresholds(), check_confusion=False)
    assert loaded.knowledge is not None, loaded.errors
    return create_bot(settings, FaqStore(loaded.knowledge),
                      RecordingQuestionLog(settings.question_log),
                      guild_ready_timeout=0.05)  # READY without discord.py's 2 s guild wait


StartResidency = Callable[..., Awaitable[Residency]]


@pytest.fixture
def start_residency(fake_discord: Harness, tmp_path: Path) -> StartResidency:
    """``await start_residency(**config)``: start the real bot with these settings."""

    async def start(*, approve_message_content: bool = True, wait_for_sync: bool = False,
                    **overrides: Any) -> Residency:
        fake_discord.approve_intents(message_content=approve_message_content)
        config = bot_config(tmp_path, fake_discord, **overrides)
        await fake_discord.start_client(lambda: build_bot(tmp_path, config),
                                        wait_for_sync=wait_for_sync)
        return Residency(fake_discord, tmp_path, config)

    return start


@pytest.fixture
async def residency(start_residency: StartResidency) -> Residency:
    """The real bot with the default test settings, ready and with its commands synced."""
    return await start_residency(wait_for_sync=True)


def button(sent: Sent, label: str) -> dict[str, Any]:
    """The button labelled ``label`` in a sent message."""
    found = [c for row in sent.components for c in row.get("components", [])
             if c.get("type") == 2 and c.get("label") == label]
    assert found, f"no button {label!r} in {sent.buttons}"
    return found[0]


def no_pings(sent: Sent) -> bool:
    """Nothing in ``sent`` notifies anyone, and mention parsing is switched off entirely."""
    return not sent.pings and sent.allowed_mentions is not None \
        and not sent.allowed_mentions.get("parse")


