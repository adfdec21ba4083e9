"""Score the matcher on a question set: moderators' regression check (``eval``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.matching import Decision, Match, Matcher


@dataclass(frozen=True)
class Case:
    """A question and the entry ids that would be a right answer (empty: should decline)."""

    question: str
    expect: tuple[str, ...]


@dataclass
class Report:
    """Totals and the cases that were not right."""

    right: int = 0
    wrong: int = 0
    missed: int = 0
    misses: list[tuple[Case, Match, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Number of cases."""
        return self.right + self.wrong + self.missed

    @property
    def accuracy(self) -> float:
        """Share of cases answered right (declines of out-of-scope questions count)."""
        return self.right / self.total if self.total else 0.0

    @property
    def wrong_rate(self) -> float:
        """Share of cases given a confident wrong answer: the worst outcome."""
        return self.wrong / self.total if self.total else 0.0

    def render(self, show_misses: bool = True) -> str:
        """Human-readable misses and totals."""
        lines = []
        if show_misses:
            for case, match, verdict in self.misses:
                got = match.entry_id or ",".join(c.id for c in match.candidates) or "-"
                expected = ",".join(case.expect) or "decline"
                lines.append(f"{verdict.upper():6} {match.decision.value:7} got={got} "
                             f"expected={expected} score={match.confidence:.2f} "
                             f"q={case.question!r}")
        lines.append(f"total {self.total}: right {self.right} ({self.accuracy:.1%}), "
                     f"wrong {self.wrong} ({self.wrong_rate:.1%}), missed {self.missed}")
        return "\n".join(lines)


def load_cases(path: str | Path) -> list[Case]:
    """Read ``[{q: ..., expect: [ids] | null}, ...]``."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    cases = []
    for item in raw:
        expect = item.get("expect") or []
        if isinstance(expect, str):
            expect = [expect]
        cases.append(Case(str(item["q"]), tuple(expect)))
    return cases


def judge(case: Case, match: Match) -> str:
    """'right', 'wrong' (a confident answer that should not be) or 'missed'."""
    if match.decision is Decision.ANSWER:
        return "right" if match.entry_id in case.expect else "wrong"
    if not case.expect and match.decision is Decision.DECLINE:
        return "right"
    return "missed"


def evaluate(matcher: Matcher, cases: list[Case]) -> Report:
    """Run every case through the matcher."""
    report = Report()
    for case in cases:
        match = matcher.match(case.question)
        verdict = judge(case, match)
        if verdict == "right":
            report.right += 1
        else:
            report.wrong += verdict == "wrong"
            report.missed += verdict == "missed"
            report.misses.append((case, match, verdict))
    return report
