"""Choose the decision thresholds without grading the FAQ on questions it already holds.

``data/faqs.yaml`` holds, word for word, the questions of the tuning sets in ``bench/``
(answerable ones under their entry's ``asked:``, out-of-scope ones under the ``asked:``
of the not-covered topic ``other``). Asked again, such a question matches itself, so
those sets no longer measure anything in place. This benchmark measures them the honest
way, set by set:

* for each tuning set, the FAQ without that set's questions (removed from every
  ``asked:``) ranks that set's questions; ``tests/questions.yaml``, ``stranger23``,
  ``stranger26`` and ``stranger27``, never copied into the FAQ, are ranked by the whole
  FAQ; together, every tuning question is ranked by a FAQ that does not hold it;
* over those rankings, every threshold pair (``suggest`` = ``answer`` from 0.34 to 0.59,
  ``margin`` 0.04 to 0.12) is scored, and the pair with the most right answers less
  six times the wrong ones is chosen (a wrong answer is the worst outcome);
* then, at that pair, each entry gets the offset (-0.08 to +0.08, by 0.04) that does best
  by the same rule on the questions whose best entry it is (``matching.entry_offsets``:
  an entry off-topic questions often land on needs a higher bar). An offset only changes
  the verdict of questions whose best entry is its entry, so each is chosen on its own;
  a tie goes to the smaller offset;
* the same choice made without each tuning set in turn, and scored on that set, estimates
  what the pair, and the pair with offsets, do on questions they were not chosen on;
* the held-out sets (``bench/heldout*_questions.yaml``: written by others, never copied
  into the FAQ) are then scored by the whole FAQ at the chosen thresholds and at the
  shipped thresholds of ``config/bot.yaml``.

Run from the repository root: ``.venv/bin/python bench/crossfit.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from provenance import engine_version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation import Case, judge, load_cases  # noqa: E402
from bot.knowledge import Faq, build_matcher, load_faq  # noqa: E402
from bot.matching import Candidate, Match, Matcher  # noqa: E402
from bot.normalise import normalise  # noqa: E402
from bot.settings import load_settings  # noqa: E402

FAQ_PATH = ROOT / "data" / "faqs.yaml"
TUNING_IN_FAQ = [f"bench/{name}_questions.yaml" for name in
                 ("blind", "stranger", "stranger2", "stranger3", "stranger4", "stranger5",
                  "stranger6", "stranger7", "stranger8", "stranger9",
                  "stranger10", "stranger11", "stranger12", "stranger13",
                  "stranger14", "stranger15", "stranger19", "stranger20", "stranger21",
                  "stranger22", "stranger24", "stranger25")]
# Tuning sets never copied into the FAQ: ranked by the whole FAQ.
TUNING_APART = ["tests/questions.yaml", "bench/stranger23_questions.yaml",
                "bench/stranger26_questions.yaml", "bench/stranger27_questions.yaml"]
GRID = [(s / 100, margin) for s in range(34, 60) for margin in (0.04, 0.06, 0.08, 0.10, 0.12)]
OFFSETS = (-0.08, -0.04, 0.0, 0.04, 0.08)
WRONG_COST = 6

# Each question with the matcher's candidates and the classifier's opinion.
Ranked = list[tuple[Case, list[Candidate], Candidate | None]]


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
    return [(case, matcher.rank(case.question), matcher.opinion(case.question))
            for case in cases]


def score(matcher: Matcher, rows: Ranked, suggest: float, margin: float, related: float,
          offsets: Mapping[str, float] | None = None) -> tuple[int, int]:
    """Right and wrong answers at these thresholds (as ``Matcher.match`` decides)."""
    matcher.thresholds = replace(matcher.thresholds, answer=suggest, suggest=suggest,
                                 margin=margin, related=min(related, suggest),
                                 entry_offsets=dict(offsets or {}))
    right = wrong = 0
    for case, candidates, opinion in rows:
        verdict = judge(case, matcher.decide_ranked(candidates, opinion))
        right += verdict == "right"
        wrong += verdict == "wrong"
    return right, wrong


def merit(right_wrong: tuple[int, int]) -> int:
    return right_wrong[0] - WRONG_COST * right_wrong[1]


def choose(matcher: Matcher, rows: Ranked, related: float
           ) -> tuple[tuple[float, float], dict[str, float]]:
    """The threshold pair, then each entry's offset at it, with the most right answers less
    ``WRONG_COST`` times the wrong ones."""
    results = {pair: score(matcher, rows, *pair, related) for pair in GRID}
    pair = max(GRID, key=lambda p: (merit(results[p]), results[p][0]))
    by_best: dict[str, Ranked] = defaultdict(list)  # rows by their best entry
    for case, candidates, opinion in rows:
        best = next((c.id for c in candidates if c.id not in matcher.declines), None)
        if best is not None:
            by_best[best].append((case, candidates, opinion))
    offsets: dict[str, float] = {}
    for entry, own in sorted(by_best.items()):
        scored = {o: merit(score(matcher, own, *pair, related, {entry: o})) for o in OFFSETS}
        offsets[entry] = max(OFFSETS, key=lambda o: (scored[o], -abs(o)))
    return pair, {entry: o for entry, o in offsets.items() if o}


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
    related = shipped.related
    best, offsets = choose(matcher, out_of_fold, related)
    held_paths = sorted(str(p.relative_to(ROOT))
                        for p in (ROOT / "bench").glob("heldout*_questions.yaml"))
    print(f"{engine_version()}; {args.faq}")
    print(f"tuning, each question ranked by a FAQ without it: {len(out_of_fold)} questions")
    right, wrong = score(matcher, out_of_fold, *best, related)
    print(f"  chosen suggest = answer = {best[0]:.2f}, margin = {best[1]:.2f}: "
          f"{right} right, {wrong} wrong")
    right, wrong = score(matcher, out_of_fold, *best, related, offsets)
    print(f"  with the chosen entry offsets: {right} right, {wrong} wrong")
    for path, rows in by_set.items():
        right, wrong = score(matcher, rows, *best, related, offsets)
        print(f"    {path}: {right} right / {wrong} wrong of {len(rows)}")
    here = (shipped.suggest, shipped.margin)
    if shipped.answer == shipped.suggest:
        right, wrong = score(matcher, out_of_fold, *here, related, shipped.entry_offsets)
        print(f"  shipped ({here[0]:.2f}, {here[1]:.2f}, config's entry offsets): "
              f"{right} right, {wrong} wrong")
    print("  chosen entry offsets (config/bot.yaml, matching.entry_offsets):")
    for entry, offset in sorted(offsets.items()):
        print(f"    {entry}: {offset:+.2f}")
    apart = [0, 0, 0, 0]  # pair only, then with offsets: right, wrong
    for path, rows in by_set.items():
        rest = [row for other, others in by_set.items() if other != path for row in others]
        pair, fold_offsets = choose(matcher, rest, related)
        for i, fold_chosen in enumerate(({}, fold_offsets)):
            right, wrong = score(matcher, rows, *pair, related, fold_chosen)
            apart[2 * i] += right
            apart[2 * i + 1] += wrong
    print(f"  each set scored at the choice made without it: pair only {apart[0]} right / "
          f"{apart[1]} wrong; with entry offsets {apart[2]} / {apart[3]}")
    print("held-out sets, whole FAQ: chosen pair and offsets | shipped thresholds")
    totals = [0, 0, 0, 0, 0]
    answerable = shown = 0
    for path in held_paths:
        rows = ranked(matcher, load_cases(ROOT / path))
        chosen = score(matcher, rows, *best, related, offsets)
        matcher.thresholds = shipped
        matches = [(case, matcher.decide_ranked(c, o)) for case, c, o in rows]
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
