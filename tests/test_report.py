"""The moderators' report: stats, what the FAQ missed, and the ready-to-paste aliases."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from pathlib import Path

import pytest
import yaml

from bot.knowledge import Knowledge, load_faq
from bot.questionlog import DAY_SECONDS, QuestionEvent, QuestionLog
from bot.report import print_report, read_stats
from bot.settings import QuestionLogSettings
from bot.unanswered import UnansweredQuestion, alias_yaml, group_unanswered

ROOT = Path(__file__).resolve().parents[1]
# Noon UTC two days ago, so the scripted session spans two calendar days in any time zone.
DAY_ONE = (time.time() // DAY_SECONDS - 2) * DAY_SECONDS + DAY_SECONDS / 2
DAY_TWO = DAY_ONE + DAY_SECONDS


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    result = load_faq(ROOT / "data" / "faqs.yaml", check_confusion=False)
    assert result.knowledge is not None
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
    ask("salary?", "answer", "salary", user=4)
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


def test_a_group_names_the_closest_entry_only_when_it_is_close(knowledge: Knowledge) -> None:
    age, visa = group_unanswered(declined(
        "can I apply if I am 50 years old", "am i too old to apply at 50",
        "do you sponsor visas?"), knowledge)
    assert age.closest == "equal-opportunity"
    assert visa.closest is None


def test_phrasings_that_differ_only_in_capitals_are_one_example(knowledge: Knowledge) -> None:
    (group,) = group_unanswered(declined("Do you sponsor visas?", "do you sponsor visas?"),
                                knowledge)
    assert group.count == 2
    assert group.examples == ("Do you sponsor visas?",)


def test_examples_are_one_bounded_line(knowledge: Knowledge) -> None:
    (group,) = group_unanswered(declined("visa\n\nsponsorship " + "please " * 100), knowledge)
    assert "\n" not in group.examples[0] and len(group.examples[0]) <= 120


def test_the_alias_lists_paste_into_the_faq_as_yaml(knowledge: Knowledge) -> None:
    groups = group_unanswered(declined(
        "am i too old to apply at 50", "can I apply if I am 50 years old",
        "yes", "visa: sponsorship? #asking"), knowledge)
    pasted = yaml.safe_load(alias_yaml(groups))
    age = next(item for item in pasted if item["id"] == "equal-opportunity")
    assert sorted(age["aliases"]) == ["am i too old to apply at 50",
                                      "can I apply if I am 50 years old"]
    # Text YAML would read differently ('yes' is a boolean, '#' starts a comment) is quoted.
    assert {"id": "new-entry-1", "aliases": ["visa: sponsorship? #asking"]} in pasted
    assert {"id": "new-entry-2", "aliases": ["yes"]} in pasted


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
    assert stats.summary() == ("7 question(s) in the last 7 day(s): 43% answered, "
                               "14% suggested, 43% declined.")


async def test_stats_cover_only_the_asked_period(tmp_path: Path) -> None:
    await scripted_session(tmp_path / "q.sqlite3")
    stats = await read_stats(tmp_path / "q.sqlite3", days=1, now=DAY_TWO + 3600)
    assert stats.total == 4


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "bot.yaml"
    config.write_text(f"faq_path: {ROOT / 'data' / 'faqs.yaml'}\n"
                      f"question_log:\n  path: {tmp_path / 'q.sqlite3'}\n  salt: s\n")
    return config


async def test_the_markdown_report_ends_with_pasteable_aliases(tmp_path: Path) -> None:
    await scripted_session(tmp_path / "q.sqlite3")
    out = io.StringIO()
    # print_report runs its own event loop, as the command line does.
    code = await asyncio.to_thread(print_report, write_config(tmp_path), 7, "md", None, out)
    text = out.getvalue()
    assert code == 0
    assert "7 question(s) in the last 7 day(s)" in text
    assert "| salary | 2 | 0 | 100% |" in text
    assert "1. **3×** (3 declined) — no close entry" in text
    assert "an old question" not in text
    pasted = yaml.safe_load(text.split("```yaml\n")[1].split("```")[0])
    # Shown as most recently asked; "do you sponsor visas?" and "Do you ..." are one phrasing.
    assert pasted[0]["aliases"] == ["Do you sponsor visas?", "visa sponsorship?"]
    assert {"id": "equal-opportunity", "aliases": ["can I apply if I am 50 years old"]} in pasted


async def test_the_csv_report_is_one_table(tmp_path: Path) -> None:
    await scripted_session(tmp_path / "q.sqlite3")
    out = io.StringIO()
    assert await asyncio.to_thread(print_report, write_config(tmp_path), 7, "csv", None,
                                   out) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["section"] for r in rows} == {"per_day", "decision", "top_entry", "votes",
                                            "unanswered"}
    unanswered = [r for r in rows if r["section"] == "unanswered"]
    assert unanswered[0]["count"] == "3"
    assert unanswered[0]["detail"] == "Do you sponsor visas? | visa sponsorship?"


def test_a_report_before_any_question_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    assert print_report(write_config(tmp_path), 7, "md", None, out) == 0
    assert "no question log at" in capsys.readouterr().err
    assert "No questions logged in the last 7 day(s)." in out.getvalue()


def test_a_report_needs_at_least_one_day(tmp_path: Path) -> None:
    assert print_report(write_config(tmp_path), 0, "md", None, io.StringIO()) == 2
