"""Choose the decision thresholds without grading the FAQ on questions it already holds.

``data/faqs.yaml`` holds, word for word, the questions of the tuning sets in ``bench/``
(answerable ones under their entry's ``asked:``, out-of-scope ones under the ``asked:``
of the not-covered topic ``other``). Asked again, such a question matches itself, so
those sets no longer measure anything in place. This benchmark measures them the honest
way, set by set:

* for each tuning set, the FAQ without that set's questions (removed from every
  ``asked:``) ranks that set's questions; ``tests/questions.yaml``, never copied into the
  FAQ, is ranked by the whole FAQ; together, every tuning question is ranked by a FAQ
  that does not hold it;
* over those rankings, every threshold pair (``suggest`` = ``answer`` from 0.34 to 0.59,
  ``margin`` 0.04 to 0.12) is scored, and the pair with the most right answers less
  five times the wrong ones is chosen (a wrong answer is the worst outcome);
* the held-out sets (``bench/heldout*_questions.yaml``: written by others, never copied
  into the FAQ) are then scored by the whole FAQ at the chosen pair and at the shipped
  thresholds of ``config/bot.yaml``.

Run from the repository root: ``.venv/bin/python bench/crossfit.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from provenance import engine_version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation import Case, judge, load_cases  # noqa: E402
from bot.knowledge import Faq, build_matcher, load_faq  # noqa: E402
from bot.matching import Candidate, Match, Matcher, Thresholds  # noqa: E402
from bot.normalise import normalise  # noqa: E402
from bot.settings import load_settings  # noqa: E402

FAQ_PATH = ROOT / "data" / "faqs.yaml"
TUNING_IN_FAQ = [f"bench/{name}_questions.yaml" for name in
                 ("blind", "stranger", "stranger2", "stranger3", "stranger4", "stranger5")]
# Tuning sets never copied into the FAQ: ranked by the whole FAQ.
TUNING_APART = ["tests/questions.yaml", "bench/stranger6_questions.yaml",
                "bench/stranger7_questions.yaml"]
GRID = [(s / 100, margin) for s in range(34, 60) for margin in (0.04, 0.06, 0.08, 0.10, 0.12)]
WRONG_COST = 5

Ranked = list[tuple[Case, list[Candidate]]]


def without(faq: Faq, questions: Sequence[str]) -> Faq:
    """The FAQ with these questions removed from every entry's and topic's ``asked`` (the
    moderators' own phrasings stay)."""
    drop = {normalise(q) for q in questions}

    def kept(asked: list[str]) -> dict[str, list[str]]:
        return {"asked": [q for q in asked if normalise(q) not in drop]}

    entries = [e.model_copy(update=kept(e.asked)) for e in faq.entries]
    topics = [t.model_copy(update=kept(t.asked)) for t in faq.not_covered]
    return faq.model_copy(update={"entries": entries,
                                  "not_covered": [t for t in topics if t.questions or t.asked]})


def ranked(matcher: Matcher, cases: Sequence[Case]) -> Ranked:
    return [(case, matcher.rank(case.question)) for case in cases]


def score(matcher: Matcher, rows: Ranked, suggest: float, margin: float,
          related: float) -> tuple[int, int]:
    """Right and wrong answers at these thresholds (as ``Matcher.match`` decides)."""
    matcher.thresholds = Thresholds(answer=suggest, suggest=suggest, margin=margin,
                                    related=min(related, suggest))
    right = wrong = 0
    for case, candidates in rows:
        verdict = judge(case, matcher.decide_ranked(candidates))
        right += verdict == "right"
        wrong += verdict == "wrong"
    return right, wrong


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faq", type=Path, default=FAQ_PATH)
    args = parser.parse_args(argv)
    shipped = load_settings(ROOT / "config" / "bot.yaml").matching.thresholds()
    knowledge = load_faq(args.faq, shipped, check_confusion=False).knowledge
    if knowledge is None:
        raise SystemExit(f"{args.faq} does not load: run 'residency-bot validate'")
    by_set: dict[str, Ranked] = {}
    for path in TUNING_IN_FAQ:
        cases = load_cases(ROOT / path)
        fold = build_matcher(without(knowledge.faq, [c.question for c in cases]), shipped)
        by_set[path] = ranked(fold, cases)
    matcher = knowledge.matcher
    for path in TUNING_APART:
        by_set[path] = ranked(matcher, load_cases(ROOT / path))
    out_of_fold = [row for rows in by_set.values() for row in rows]
    results = {pair: score(matcher, out_of_fold, *pair, shipped.related) for pair in GRID}
    best = max(GRID, key=lambda p: (results[p][0] - WRONG_COST * results[p][1], results[p][0]))
    held_paths = sorted(str(p.relative_to(ROOT))
                        for p in (ROOT / "bench").glob("heldout*_questions.yaml"))
    print(f"{engine_version()}; {args.faq}")
    print(f"tuning, each question ranked by a FAQ without it: {len(out_of_fold)} questions")
    right, wrong = results[best]
    print(f"  chosen suggest = answer = {best[0]:.2f}, margin = {best[1]:.2f}: "
          f"{right} right, {wrong} wrong")
    for path, rows in by_set.items():
        right, wrong = score(matcher, rows, *best, shipped.related)
        print(f"    {path}: {right} right / {wrong} wrong of {len(rows)}")
    here = (shipped.suggest, shipped.margin)
    if shipped.answer == shipped.suggest and here in results:
        print(f"  shipped ({here[0]:.2f}, {here[1]:.2f}): "
              f"{results[here][0]} right, {results[here][1]} wrong")
    print("held-out sets, whole FAQ: chosen pair | shipped thresholds")
    totals = [0, 0, 0, 0, 0]
    answerable = shown = 0
    for path in held_paths:
        rows = ranked(matcher, load_cases(ROOT / path))
        chosen = score(matcher, rows, *best, shipped.related)
        matcher.thresholds = shipped
        matches = [(case, matcher.decide_ranked(c)) for case, c in rows]
        now = [judge(case, match) for case, match in matches]
        as_shipped = (now.count("right"), now.count("wrong"))
        answerable += sum(1 for case, _ in matches if case.expect)
        shown += sum(1 for (case, match), verdict in zip(matches, now, strict=True)
                     if case.expect and (verdict == "right" or (verdict == "missed"
                                                                and offers(match, case.expect))))
        print(f"  {path}: {chosen[0]} right / {chosen[1]} wrong | "
              f"{as_shipped[0]} / {as_shipped[1]} of {len(rows)}")
        for i, v in enumerate((*chosen, *as_shipped, len(rows))):
            totals[i] += v
    print(f"  all: {totals[0]} / {totals[1]} | {totals[2]} / {totals[3]} of {totals[4]}")
    print(f"answerable held-out questions whose entry is answered, offered as a choice or "
          f"shown as the closest, shipped thresholds: {shown} of {answerable}")
    return 0


def offers(match: Match, expect: Sequence[str]) -> bool:
    """Whether a reply that does not answer still shows one of these entries."""
    shown = [c.id for c in match.choices] + ([match.related.id] if match.related else [])
    return any(entry in expect for entry in shown)


if __name__ == "__main__":
    raise SystemExit(main())
