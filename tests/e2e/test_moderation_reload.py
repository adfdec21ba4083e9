"""Live reload through the real bot: edits are served without a restart, bad edits cost nothing.

The helpers at the top (a bot with a private FAQ copy, a moderator, asking a question) are
shared with the other ``test_moderation_*`` files.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest

from bot.app import create_bot
from bot.knowledge import FaqStore, load_faq
from bot.questionlog import QuestionLog
from bot.settings import load_settings
from tests.fakediscord import Harness, Member, Sent
from tests.test_reload import (
    NEW_FEES_ANSWER,
    SETTLE,
    break_syntax,
    copy_faq,
    duplicate_id,
    edit_fees_answer,
    missing_answer,
    save_by_rename,
    save_in_place,
    save_in_two_writes,
)

pytestmark = pytest.mark.timeout(30)

FEES_QUESTION = "is there an application fee"
MODERATOR_ROLE = "FAQ team"


@dataclass
class Moderated:
    """The running bot with its private FAQ copy, and the people and channels of the test."""

    dc: Harness
    faq: Path
    general: int
    mod_log: int

    @property
    def bot(self) -> discord.Client:
        assert self.dc.client is not None
        return self.dc.client

    @property
    def moderator(self) -> Member:
        return self.dc.member("mod", permissions=discord.Permissions(manage_guild=True))

    async def ask(self, question: str, user: str = "member") -> Sent:
        """A member mentions the bot with ``question``; the bot's reply."""
        message = await self.dc.say(user, "general", question, mentions_bot=True)
        return await self.dc.reply_to(message)

    async def faqmod(self, subcommand: str, user: Member | str | None = None,
                     **options: object) -> Sent:
        """``/faqmod <subcommand>`` (by the moderator unless ``user``); what they see."""
        interaction = await self.dc.slash("faqmod", subcommand=subcommand,
                                          user=user or self.moderator, options=options)
        return await self.dc.response_to(interaction)

    def mod_log_posts(self) -> list[Sent]:
        return [s for s in self.dc.sent if s.kind == "message" and s.channel_id == self.mod_log]

    async def next_mod_log_post(self, since: int, timeout: float = 3.0) -> Sent:
        return await self.dc.wait_for_sent(
            lambda s: s.kind == "message" and s.channel_id == self.mod_log, since=since,
            timeout=timeout)


def write_config(tmp_path: Path, faq: Path, dc: Harness) -> Path:
    """A test config: private FAQ and log, the emulator's channels, no cooldown in the way."""
    config = tmp_path / "bot.yaml"
    moderator_role = dc.role(MODERATOR_ROLE)
    config.write_text(f"""
faq_path: {faq}
watch_faq: true
faq_reload_settle_seconds: {SETTLE}
answer_channels: []
moderator_roles: [{moderator_role.id}]
mod_log_channel: {dc.channel("mod-log").id}
command_hash_path: {tmp_path / "commands.sha256"}
cooldowns:
  member_questions: 1000
  member_window_seconds: 1
  repeat_window_seconds: 0
question_log:
  path: {tmp_path / "questions.sqlite3"}
  salt: e2e
""", encoding="utf-8")
    return config


@pytest.fixture
async def moderated(fake_discord: Harness, tmp_path: Path) -> AsyncIterator[Moderated]:
    """The real bot (all cogs, question log, FAQ watch) on a private copy of the FAQ."""
    faq = copy_faq(tmp_path)

    def factory(dc: Harness) -> discord.Client:
        settings = load_settings(write_config(tmp_path, faq, dc))
        loaded = load_faq(faq, settings.matching.thresholds(), check_confusion=False)
        assert loaded.knowledge is not None
        return create_bot(settings, FaqStore(loaded.knowledge), QuestionLog(settings.question_log),
                          guild_ready_timeout=0.05)  # READY without the 2 s wait for guilds

    await fake_discord.start_client(factory, wait_for_sync=True)
    yield Moderated(fake_discord, faq, fake_discord.channel("general").id,
                    fake_discord.channel("mod-log").id)


def embed_body(sent: Sent) -> str:
    return sent.embeds[0].get("description", "") if sent.embeds else (sent.content or "")


async def test_a_valid_edit_is_served_within_three_seconds_without_restart(
    moderated: Moderated,
) -> None:
    assert NEW_FEES_ANSWER not in embed_body(await moderated.ask(FEES_QUESTION))
    since = len(moderated.dc.sent)
    saved = time.monotonic()
    save_in_place(moderated.faq, edit_fees_answer(moderated.faq.read_text(encoding="utf-8")))
    while NEW_FEES_ANSWER not in embed_body(await moderated.ask(FEES_QUESTION)):
        assert time.monotonic() - saved < 3.0, "the edit was not served within 3 s"
        await asyncio.sleep(0.1)
    report = await moderated.next_mod_log_post(since)
    assert report.embeds[0]["title"] == "FAQ reloaded"
    assert "changed 1 (fees)" in report.text
    assert report.allowed_mentions == {"parse": []}


BREAKAGES: dict[str, Callable[[str], tuple[str, int]]] = {
    "syntax error": break_syntax,
    "duplicate id": duplicate_id,
    "missing answer": missing_answer,
}


@pytest.mark.parametrize("breakage", BREAKAGES.values(), ids=BREAKAGES.keys())
async def test_a_broken_edit_keeps_every_answer_and_reports_its_line(
    moderated: Moderated, breakage: Callable[[str], tuple[str, int]]
) -> None:
    store = moderated.bot.store  # type: ignore[attr-defined]
    entries = store.current.faq.entries
    since = len(moderated.dc.sent)
    broken, line = breakage(moderated.faq.read_text(encoding="utf-8"))
    save_in_place(moderated.faq, broken)

    report = await moderated.next_mod_log_post(since)
    assert report.embeds[0]["title"] == "FAQ edit rejected"
    assert "still serving the previous version" in report.text
    assert f"{moderated.faq}:{line}:" in report.text
    for entry in entries:  # every old answer, asked by its own question
        reply = await moderated.ask(entry.question)
        assert reply.embeds[0]["description"] == entry.answer, entry.id


async def test_a_rename_style_save_is_served(moderated: Moderated) -> None:
    since = len(moderated.dc.sent)
    save_by_rename(moderated.faq, edit_fees_answer(moderated.faq.read_text(encoding="utf-8")))
    report = await moderated.next_mod_log_post(since)
    assert "changed 1 (fees)" in report.text
    assert NEW_FEES_ANSWER in embed_body(await moderated.ask(FEES_QUESTION))


async def test_a_save_in_several_writes_is_served_once_whole(moderated: Moderated) -> None:
    since = len(moderated.dc.sent)
    await save_in_two_writes(moderated.faq,
                             edit_fees_answer(moderated.faq.read_text(encoding="utf-8")))
    report = await moderated.next_mod_log_post(since)
    assert report.embeds[0]["title"] == "FAQ reloaded"
    assert NEW_FEES_ANSWER in embed_body(await moderated.ask(FEES_QUESTION))
    await asyncio.sleep(SETTLE * 2)
    assert len(moderated.mod_log_posts()) == 1  # no report of the half-written file


async def test_faqmod_reload_replies_with_the_summary_or_the_errors(moderated: Moderated) -> None:
    text = moderated.faq.read_text(encoding="utf-8")
    broken, line = duplicate_id(text)
    since = len(moderated.dc.sent)
    save_in_place(moderated.faq, broken)
    # The watcher reads the broken file first (its report in the mod log). Otherwise its
    # reload could come due just as the fixed file below is saved, and serve it before the
    # command does (the command would then rightly report no change).
    await moderated.next_mod_log_post(since)
    rejected = await moderated.faqmod("reload")
    assert rejected.ephemeral
    assert rejected.embeds[0]["title"] == "FAQ edit rejected"
    assert f"{moderated.faq}:{line}:" in rejected.text and "duplicate id 'fees'" in rejected.text

    save_in_place(moderated.faq, edit_fees_answer(text))
    reloaded = await moderated.faqmod("reload")
    assert reloaded.embeds[0]["title"] == "FAQ reloaded"
    assert "changed 1 (fees)" in reloaded.text
