"""The moderators' report: the question log read back as stats and what the FAQ missed.

The same figures serve ``/faqmod stats``, ``/faqmod unanswered`` and
``residency-bot report [--days N] [--format md|csv]``; the command line adds the unanswered
groups as YAML alias lists ready to paste into ``data/faqs.yaml``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import aiosqlite

from bot.knowledge import Knowledge, load_faq
from bot.questionlog import BUSY_TIMEOUT_MS, DAY_SECONDS
from bot.settings import load_settings
from bot.unanswered import (
    UnansweredGroup,
    UnansweredQuestion,
    alias_yaml,
    describe_closest,
    group_unanswered,
    not_covered_yaml,
)

# Unanswered questions read for one report: the most recent ones, bounding the grouping cost.
UNANSWERED_LIMIT = 5_000
TOP_ENTRIES = 10
DECISION_LABELS = {"answer": "answered", "suggest": "suggested", "decline": "declined"}


@dataclass(frozen=True)
class EntryVotes:
    """Feedback-button votes on one entry's answers."""

    entry_id: str
    helpful: int
    not_helpful: int

    @property
    def ratio(self) -> float:
        """Share of helpful votes (0 when nobody voted)."""
        total = self.helpful + self.not_helpful
        return self.helpful / total if total else 0.0


@dataclass(frozen=True)
class LogStats:
    """What the log holds for the last ``days`` days."""

    days: int
    per_day: tuple[tuple[str, int], ...] = ()  # (YYYY-MM-DD in UTC, questions), oldest first
    decisions: tuple[tuple[str, int], ...] = ()  # (decision, questions), most first
    top_entries: tuple[tuple[str, int], ...] = ()  # (entry id, answers), most first
    votes: tuple[EntryVotes, ...] = ()  # most voted first
    lost_replies: int = 0  # questions whose reply Discord refused to post

    @property
    def total(self) -> int:
        """Questions in the period."""
        return sum(count for _, count in self.per_day)

    def rate(self, decision: str) -> float:
        """Share of the period's questions that got this decision."""
        count = dict(self.decisions).get(decision, 0)
        return count / self.total if self.total else 0.0

    def summary(self) -> str:
        """One line: the total and the answered / suggested / declined rates."""
        if not self.total:
            return f"No questions logged in the last {self.days} day(s)."
        rates = ", ".join(f"{self.rate(d):.0%} {label}" for d, label in DECISION_LABELS.items())
        lost = (f" {self.lost_replies} reply(ies) could not be posted (see the bot's log)."
                if self.lost_replies else "")
        return f"{self.total} question(s) in the last {self.days} day(s): {rates}.{lost}"


async def _rows(path: Path, sql: str, params: tuple[object, ...]) -> list[sqlite3.Row]:
    """Rows of one read-only query; none if the log was never created."""
    if not Path(path).exists():
        return []
    async with aiosqlite.connect(path) as db:
        # The bot may be writing: wait for its short transactions rather than fail.
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS * 10}")
        await db.execute("PRAGMA query_only = 1")
        db.row_factory = sqlite3.Row
        async with db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())


async def read_stats(path: Path, days: int, now: float | None = None) -> LogStats:
    """Questions per day, decision counts, top entries and votes since ``days`` ago."""
    since = (time.time() if now is None else now) - days * DAY_SECONDS
    per_day = await _rows(path, "SELECT date(asked_at, 'unixepoch') AS day, count(*) AS n "
                                "FROM questions WHERE asked_at >= ? GROUP BY day ORDER BY day",
                          (since,))
    decisions = await _rows(path, "SELECT decision, count(*) AS n FROM questions "
                                  "WHERE asked_at >= ? GROUP BY decision ORDER BY n DESC, "
                                  "decision", (since,))
    top = await _rows(path, "SELECT entry_id, count(*) AS n FROM questions WHERE asked_at >= ? "
                            "AND decision = 'answer' AND entry_id IS NOT NULL GROUP BY entry_id "
                            "ORDER BY n DESC, entry_id LIMIT ?", (since, TOP_ENTRIES))
    # A vote counts for the entry it names, else for the entry its question was answered with.
    votes = await _rows(path, "SELECT coalesce(v.entry_id, q.entry_id) AS entry, "
                              "sum(v.helpful) AS yes, sum(1 - v.helpful) AS no FROM votes v "
                              "LEFT JOIN questions q ON q.key = v.question_key "
                              "WHERE v.voted_at >= ? AND entry IS NOT NULL GROUP BY entry "
                              "ORDER BY yes + no DESC, entry", (since,))
    try:
        lost = await _rows(path, "SELECT count(*) AS n FROM lost_replies WHERE lost_at >= ?",
                           (since,))
    except sqlite3.OperationalError as error:
        if "no such table" not in str(error):
            raise
        lost = []  # a log written before lost replies were recorded
    return LogStats(
        days=days,
        per_day=tuple((r["day"], r["n"]) for r in per_day),
        decisions=tuple((r["decision"], r["n"]) for r in decisions),
        top_entries=tuple((r["entry_id"], r["n"]) for r in top),
        votes=tuple(EntryVotes(r["entry"], r["yes"], r["no"]) for r in votes),
        lost_replies=lost[0]["n"] if lost else 0,
    )


async def read_unanswered(
    path: Path, days: int, now: float | None = None
) -> tuple[UnansweredQuestion, ...]:
    """Questions declined or answered only with choices since ``days`` ago, newest first."""
    since = (time.time() if now is None else now) - days * DAY_SECONDS
    rows = await _rows(path, "SELECT question, decision, entry_id, confidence, asked_at "
                             "FROM questions WHERE asked_at >= ? AND decision IN "
                             "('decline', 'suggest') ORDER BY asked_at DESC LIMIT ?",
                       (since, UNANSWERED_LIMIT))
    return tuple(UnansweredQuestion(r["question"], r["decision"], r["entry_id"],
                                    r["confidence"], r["asked_at"]) for r in rows)


@dataclass(frozen=True)
class Report:
    """Stats and unanswered groups for one period."""

    stats: LogStats
    groups: tuple[UnansweredGroup, ...]


async def build_report(
    log_path: Path, days: int, knowledge: Knowledge | None, now: float | None = None
) -> Report:
    """Read the log and group what the FAQ missed (closest entries from ``knowledge``)."""
    stats = await read_stats(log_path, days, now)
    unanswered = await read_unanswered(log_path, days, now)
    return Report(stats, tuple(group_unanswered(unanswered, knowledge)))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: Report) -> str:
    """The report as Markdown, ending with the YAML alias lists."""
    stats = report.stats
    out = [f"# Question log: last {stats.days} day(s)", "", stats.summary(), ""]
    if stats.per_day:
        out += ["## Questions per day (UTC)", "", "| Day | Questions |", "| --- | ---: |"]
        out += [f"| {day} | {count} |" for day, count in stats.per_day]
        out.append("")
    if stats.top_entries:
        out += ["## Top entries", "", "| Entry | Answers |", "| --- | ---: |"]
        out += [f"| {entry} | {count} |" for entry, count in stats.top_entries]
        out.append("")
    if stats.votes:
        out += ["## Helpful votes", "", "| Entry | Helpful | Not helpful | Helpful ratio |",
                "| --- | ---: | ---: | ---: |"]
        out += [f"| {v.entry_id} | {v.helpful} | {v.not_helpful} | {v.ratio:.0%} |"
                for v in stats.votes]
        out.append("")
    out += ["## Unanswered questions, most frequent first", ""]
    if not report.groups:
        out += ["None: every question got a confident answer.", ""]
        return "\n".join(out)
    for number, group in enumerate(report.groups, 1):
        out.append(f"{number}. **{group.count}×** ({group.declined} declined) — "
                   f"{describe_closest(group)}")
        out += [f"   - {_cell(example)}" for example in group.examples]
    aliases, not_covered = alias_yaml(report.groups), not_covered_yaml(report.groups)
    if aliases:
        out += ["", "## Ready-to-paste aliases", "",
                "Review each list, paste it under the entry's `aliases:` in the FAQ file (or "
                "write a new entry), then run `residency-bot validate`.", "", "```yaml",
                aliases, "```"]
    if not_covered:
        out += ["", "## Ready-to-paste not-covered questions", "",
                "Topics the announcement does not answer: paste under the topic's "
                "`questions:` in `not_covered:` so the bot declines them confidently.", "",
                "```yaml", not_covered, "```"]
    out.append("")
    return "\n".join(out)


def render_csv(report: Report) -> str:
    """The report as one CSV table: ``section,key,count,share,detail``.

    For ``unanswered`` rows, ``key`` is the closest entry (``~topic`` for a known
    not-covered topic), ``share`` its score and ``detail`` the examples.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "key", "count", "share", "detail"])
    stats = report.stats
    for day, count in stats.per_day:
        writer.writerow(["per_day", day, count, "", ""])
    for decision, count in stats.decisions:
        writer.writerow(["decision", decision, count, f"{stats.rate(decision):.4f}", ""])
    for entry, count in stats.top_entries:
        writer.writerow(["top_entry", entry, count, "", ""])
    for v in stats.votes:
        writer.writerow(["votes", v.entry_id, v.helpful + v.not_helpful, f"{v.ratio:.4f}",
                         f"helpful {v.helpful}; not helpful {v.not_helpful}"])
    if stats.lost_replies:
        writer.writerow(["lost_replies", "", stats.lost_replies, "", ""])
    for group in report.groups:
        writer.writerow(["unanswered", group.closest or "", group.count,
                         f"{group.closest_score:.4f}", " | ".join(group.examples)])
    return buffer.getvalue()


def print_report(
    config: Path | None, days: int = 7, fmt: str = "md", faq: str | Path | None = None,
    out: TextIO | None = None,
) -> int:
    """``residency-bot report``: print the report; exit status 0, or 1 if the log is unreadable."""
    out = out or sys.stdout
    if days < 1:
        print("report: --days must be at least 1", file=sys.stderr)
        return 2
    settings = load_settings(config)
    log_path = settings.question_log.path
    if not log_path.exists():
        print(f"report: no question log at {log_path} yet (the bot creates it when it runs)",
              file=sys.stderr)
    loaded = load_faq(faq or settings.faq_path, settings.matching.thresholds(),
                      check_confusion=False)
    if loaded.knowledge is None:
        print(f"report: {faq or settings.faq_path} has errors; closest entries are not shown "
              "(run 'residency-bot validate')", file=sys.stderr)
    try:
        report = asyncio.run(build_report(log_path, days, loaded.knowledge))
    except sqlite3.Error as error:
        print(f"report: cannot read {log_path}: {error}", file=sys.stderr)
        return 1
    out.write(render_markdown(report) if fmt == "md" else render_csv(report))
    return 0
