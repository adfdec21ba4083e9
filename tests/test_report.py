"""The moderators' report: stats, what the FAQ missed, and the ready-to-paste aliases."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import time
from pathlib import Path

import discord
import pytest
import yaml

from bot.cogs.moderation import reload_embed, unanswered_embed
from bot.knowledge import Knowledge, load_faq
from bot.questionlog import DAY_SECONDS, QuestionEvent, QuestionLog
from bot.report import print_report, read_stats
from bot.settings import QuestionLogSettings
from bot.unanswered import (
    UnansweredGroup,
    UnansweredQuestion,
    alias_yaml,
    group_unanswered,
    not_covered_yaml,
)

# Noon UTC two days ago, so the scripted session spans two calendar days in any time zone.
DAY_ONE = (time.time() // DAY_SECONDS - 2) * DAY_SECONDS + DAY_SECONDS / 2
DAY_TWO = DAY_ONE + DAY_SECONDS


# A small FAQ of its own, so these tests pin the report, not the shipped FAQ's tuning.
SMALL_FAQ = """
programme:
  name: Test Residency
  apply_url: https://example.org/apply
entries:
  - id: fees
    question: Is there an application fee?
    aliases: [is it free, how much does applying cost]
    answer: No, applying is free.
  - id: relocation
    question: Do I have to relocate?
    aliases: [is it remote, can i work from home]
    answer: No, the team is distributed.
not_covered:
  - topic: visa
    questions: [do they sponsor a visa, visa sponsorship]
"""


@pytest.fixture
def faq_path(tmp_path: Path) -> Path:
    path = tmp_path / "faqs.yaml"
    path.write_text(SMALL_FAQ, encoding="utf-8")
    return path


@pytest.fixture
def knowledge(faq_path: Path) -> Knowledge:
    result = load_faq(faq_path)
    assert result.knowledge is not None, result.errors
    return result.knowledge


def declined(*questions: str) -> list[UnansweredQuestion]:
    return [UnansweredQuestion(q, "decline", None, 0.1, DAY_ONE) for q in questions]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def scripted_session(path: Path) -> None:
    """Two days of questions and votes, as a small server would produce them."""
    clock = Clock(DAY_ONE)
    log = QuestionLog(QuestionLogSettings(path=path, salt="s"), clock=clock)
    await log.start()

    def ask(question: str, decision: str, entry: str | None, user: int = 1) -> str:
        return log.record(QuestionEvent(1, 2, user, "message", question, decision, entry,
                                        0.9 if decision == "answer" else 0.2))

    paid = ask("is it paid?", "answer", "salary")
    log.vote(paid, True, 1)
    log.vote(paid, True, 2)
    ask("do you sponsor visas?", "decline", None)
    ask("can I apply if I am 50 years old", "suggest", None)
    clock.now = DAY_TWO
    free = ask("is it free", "answer", "fees", user=3)
    log.vote(free, False, 3)
    log.reply_lost(ask("salary?", "answer", "salary", user=4))  # Discord refused the reply
    ask("Do you sponsor visas?", "decline", None, user=5)
    ask("visa sponsorship?", "decline", None, user=6)
    clock.now = DAY_ONE - 30 * DAY_SECONDS  # outside a 7-day report
    ask("an old question", "decline", None)
    await log.close()


def test_similar_questions_form_one_group_most_frequent_first(knowledge: Knowledge) -> None:
    groups = group_unanswered(declined(
        "is there a deadline", "do you sponsor visas?", "when is the deadline??",
        "visa sponsorship?", "will you sponsor my visa", "application deadline?",
        "what gpu will i get"), knowledge)
    assert [g.count for g in groups] == [3, 3, 1]
    assert {frozenset(g.examples) for g in groups[:2]} == {
        frozenset({"do you sponsor visas?", "visa sponsorship?", "will you sponsor my visa"}),
        frozenset({"is there a deadline", "when is the deadline??", "application deadline?"}),
    }


def test_greetings_and_thanks_are_no_gap_in_the_faq(knowledge: Knowledge) -> None:
    groups = group_unanswered(declined(
        "thanks!", "thank you so much", "hi", "hello everyone", "thanks! is there a deadline"),
        knowledge)
    assert [g.examples for g in groups] == [("thanks! is there a deadline",)]


def test_a_group_names_its_closest_entry_or_not_covered_topic(knowledge: Knowledge) -> None:
    groups = group_unanswered(declined(
        "how much does the application cost", "application cost?", "sponsor my visa please",
        "what is the capital of france"), knowledge)
    assert [(g.count, g.closest_entry, g.not_covered_topic) for g in groups] == [
        (2, "fees", None), (1, None, "visa"), (1, None, None)]


def test_phrasings_differing_in_capitals_or_punctuation_are_one_example(
    knowledge: Knowledge,
) -> None:
    (group,) = group_unanswered(declined(
        "Do you sponsor visas?", "do you sponsor visas?", "do you sponsor visas??"), knowledge)
    assert group.count == 3
    assert group.examples == ("Do you sponsor visas?",)


def test_examples_are_one_bounded_line(knowledge: Knowledge) -> None:
    (group,) = group_unanswered(declined("visa\n\nsponsorship " + "please " * 100), knowledge)
    assert "\n" not in group.examples[0] and len(group.examples[0]) <= 120


def test_the_alias_lists_paste_into_the_faq_as_yaml(knowledge: Knowledge) -> None:
    groups = group_unanswered(declined(
        "how much does the application cost", "application cost?", "yes",
        "capital: france? #asking", "sponsor my visa please"), knowledge)
    assert yaml.safe_load(alias_yaml(groups)) == [
        {"id": "fees", "aliases": ["application cost?", "how much does the application cost"]},
        # Text YAML would read differently ('yes' is a boolean, '#' starts a comment) is quoted.
        {"id": "new-entry-1", "aliases": ["capital: france? #asking"]},
        {"id": "new-entry-2", "aliases": ["yes"]},
    ]
    assert yaml.safe_load(not_covered_yaml(groups)) == [
        {"topic": "visa", "questions": ["sponsor my visa please"]}]


async def test_stats_count_days_decisions_top_entries_and_votes(tmp_path: Path) -> None:
    await scripted_session(tmp_path / "q.sqlite3")
    stats = await read_stats(tmp_path / "q.sqlite3", days=7, now=DAY_TWO + 3600)
    assert [count for _, count in stats.per_day] == [3, 4]
    assert stats.total == 7
    assert dict(stats.decisions) == {"answer": 3, "decline": 3, "suggest": 1}
    assert stats.rate("answer") == pytest.approx(3 / 7)
    assert stats.top_entries == (("salary", 2), ("fees", 1))
    assert [(v.entry_id, v.helpful, v.not_helpful, v.ratio) for v in stats.votes] == [
        ("salary", 2, 0, 1.0), ("fees", 0, 1, 0.0)]
    assert stats.lost_replies == 1
    assert stats.summary() == ("7 question(s) in the last 7 day(s): 43% answered, "
                               "14% suggested, 43% declined. 1 reply(ies) could not be "
                               "posted (see the bot's log).")


async def test_stats_read_a_log_written_before_lost_replies_were_recorded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.sqlite3"
    await scripted_session(path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE lost_replies")
    stats = await read_stats(path, days=7, now=DAY_TWO + 3600)
    assert (stats.total, stats.lost_replies) == (7, 0)
    assert "could not be posted" not in stats.summary()


async def test_stats_cover_only_the_asked_period(tmp_path: Path) -> None:
    await scripted_session(tmp_path / "q.sqlite3")
    stats = await read_stats(tmp_path / "q.sqlite3", days=1, now=DAY_TWO + 3600)
    assert stats.total == 4


def write_config(tmp_path: Path, faq_path: Path) -> Path:
    config = tmp_path / "bot.yaml"
    config.write_text(f"faq_path: {faq_path}\n"
                      f"question_log:\n  path: {tmp_path / 'q.sqlite3'}\n  salt: s\n")
    return config


async def test_the_markdown_report_ends_with_pasteable_yaml(
    tmp_path: Path, faq_path: Path
) -> None:
    await scripted_session(tmp_path / "q.sqlite3")
    out = io.StringIO()
    # print_report runs its own event loop, as the command line does.
    code = await asyncio.to_thread(print_report, write_config(tmp_path, faq_path), 7, "md",
                                   None, out)
    text = out.getvalue()
    assert code == 0
    assert "7 question(s) in the last 7 day(s)" in text
    assert "| salary | 2 | 0 | 100% |" in text
    assert "1. **3×** (3 declined) — known not-covered topic `visa`" in text
    assert "an old question" not in text
    aliases = yaml.safe_load(text.split("```yaml\n")[1].split("```")[0])
    assert aliases == [{"id": "new-entry-1", "aliases": ["can I apply if I am 50 years old"]}]
    not_covered = yaml.safe_load(text.split("```yaml\n")[2].split("```")[0])
    # Shown as most recently asked; "do you sponsor visas?" and "Do you ..." are one phrasing.
    assert not_covered == [{"topic": "visa",
                            "questions": ["Do you sponsor visas?", "visa sponsorship?"]}]


async def test_the_csv_report_is_one_table(tmp_path: Path, faq_path: Path) -> None:
    await scripted_session(tmp_path / "q.sqlite3")
    out = io.StringIO()
    assert await asyncio.to_thread(print_report, write_config(tmp_path, faq_path), 7, "csv",
                                   None, out) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["section"] for r in rows} == {"per_day", "decision", "top_entry", "votes",
                                            "lost_replies", "unanswered"}
    assert [r["count"] for r in rows if r["section"] == "lost_replies"] == ["1"]
    unanswered = [r for r in rows if r["section"] == "unanswered"]
    assert (unanswered[0]["key"], unanswered[0]["count"]) == ("~visa", "3")
    assert unanswered[0]["detail"] == "Do you sponsor visas? | visa sponsorship?"


def test_a_report_before_any_question_says_so(
    tmp_path: Path, faq_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    assert print_report(write_config(tmp_path, faq_path), 7, "md", None, out) == 0
    assert "no question log at" in capsys.readouterr().err
    assert "No questions logged in the last 7 day(s)." in out.getvalue()


def test_a_report_needs_at_least_one_day(tmp_path: Path, faq_path: Path) -> None:
    assert print_report(write_config(tmp_path, faq_path), 0, "md", None, io.StringIO()) == 2


def embed_size(embed: discord.Embed) -> int:
    fields = sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    return (len(embed.title or "") + len(embed.description or "") + fields
            + len(embed.footer.text or ""))


def test_the_discord_unanswered_report_stays_within_embed_limits() -> None:
    groups = tuple(UnansweredGroup(count=50 - n, examples=tuple(
        f"question {n}.{k} @everyone <@&123> " + "very long words " * 20 for k in range(5)),
        closest="fees", closest_score=0.5, declined=1) for n in range(30))
    embed = unanswered_embed(7, groups)
    assert embed_size(embed) <= 6000
    assert all(len(f.value or "") <= 1024 and len(f.name or "") <= 256 for f in embed.fields)
    assert embed.footer.text == f"{30 - len(embed.fields)} smaller group(s) not shown"
    assert "@everyone" not in "".join(f.value or "" for f in embed.fields)  # escaped


def test_the_discord_reload_report_lists_errors_within_limits() -> None:
    problems = [f"faqs.yaml:{n}:1: error: something wrong ```" + "x" * 200 for n in range(100)]
    embed = reload_embed(False, "FAQ not reloaded: 100 error(s).\n" + "\n".join(problems))
    assert embed.title == "FAQ edit rejected"
    assert len(embed.description or "") <= 4096
    assert (embed.description or "").count("```") == 2  # file text cannot break the block
    assert "faqs.yaml:1:1:" in (embed.description or "") and "more" in (embed.description or "")
