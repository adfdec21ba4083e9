"""What the FAQ missed: declined and unsure questions grouped into alias candidates.

Members ask the same missing thing in many words. Grouping similar questions, most frequent
first, shows moderators which gaps matter; the entry the matcher ranks closest says where
the phrasings could go as aliases (or that a new entry is needed).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import yaml
from rapidfuzz import fuzz, process

from bot.knowledge import Knowledge
from bot.normalise import normalise
from bot.replies import small_talk
from bot.words import STOPWORDS, stem

# Two questions share a group at or above this token_set_ratio of their stemmed content
# words: "do you sponsor visas" and "visa sponsorship?" (86) do, "is there a deadline" and
# "is there a visa" (0 once "is there a" is dropped) do not.
GROUP_SIMILARITY = 80
# Below this matcher score the best entry only shares a common word with the group
# ("what is the capital of france" scores 0.24 for 'relocation'; "do they hire people in
# their fifties" 0.27 for 'ideal-candidate'). It sits well under the suggest threshold
# (``Thresholds.suggest``, config/bot.yaml): near misses are exactly the questions worth an
# alias.
CLOSEST_MIN_SCORE = 0.26
# Distinct phrasings ranked against the FAQ per group: enough for a stable verdict.
CLOSEST_SAMPLE = 10
MAX_EXAMPLES = 5
EXAMPLE_CHARS = 120

# bot.knowledge.build_matcher indexes each not-covered topic as the candidate "~<topic>".
NOT_COVERED_PREFIX = "~"

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class UnansweredQuestion:
    """A declined or unsure question, as read back from the question log."""

    question: str
    decision: str  # "decline" or "suggest"
    entry_id: str | None
    confidence: float
    asked_at: float


@dataclass(frozen=True)
class UnansweredGroup:
    """Similar questions the bot could not answer confidently."""

    count: int  # questions in the group
    examples: tuple[str, ...]  # distinct phrasings as members typed them, most asked first
    closest: str | None  # the entry (or ~topic) the matcher ranks highest, if close enough
    closest_score: float
    declined: int  # how many got no answer at all (the rest got "Did you mean" choices)

    @property
    def not_covered_topic(self) -> str | None:
        """The known not-covered topic they ask about (``not_covered`` in the FAQ), if so."""
        if self.closest is not None and self.closest.startswith(NOT_COVERED_PREFIX):
            return self.closest[len(NOT_COVERED_PREFIX):]
        return None

    @property
    def closest_entry(self) -> str | None:
        """The FAQ entry the phrasings could join as aliases, if any."""
        return None if self.not_covered_topic else self.closest


def describe_closest(group: UnansweredGroup) -> str:
    """Where the group's phrasings belong, in words for moderators."""
    if group.not_covered_topic:
        return f"known not-covered topic `{group.not_covered_topic}`"
    if group.closest:
        return f"closest entry `{group.closest}` ({group.closest_score:.2f})"
    return "no close entry"


def tidy(text: str, limit: int = EXAMPLE_CHARS) -> str:
    """One line, bounded: how an example is shown to moderators."""
    line = _SPACES.sub(" ", text).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def grouping_key(question: str) -> str:
    """Stemmed content words, so stop words and word forms do not decide similarity."""
    words = normalise(question).split()
    content = [stem(w) for w in words if w not in STOPWORDS]
    return " ".join(content or words)


def _closest(knowledge: Knowledge, phrasings: Iterable[str]) -> tuple[str | None, float]:
    totals: dict[str, float] = {}
    sample = list(phrasings)[:CLOSEST_SAMPLE]
    for text in sample:
        for candidate in knowledge.matcher.rank(text)[:3]:
            totals[candidate.id] = totals.get(candidate.id, 0.0) + candidate.score
    if not totals:
        return None, 0.0
    entry_id, total = max(totals.items(), key=lambda item: (item[1], item[0]))
    score = total / len(sample)
    return (entry_id, score) if score >= CLOSEST_MIN_SCORE else (None, score)


def group_unanswered(
    questions: Sequence[UnansweredQuestion], knowledge: Knowledge | None = None
) -> list[UnansweredGroup]:
    """Greedy clustering, most frequent group first; each group with its closest entry."""
    # Collapse repeats first: the most asked phrasing founds its group.
    by_key: dict[str, Counter[str]] = {}
    declined: Counter[str] = Counter()
    # One display form per phrasing, whatever its capitals and punctuation.
    shown: dict[str, str] = {}
    for q in questions:
        key = grouping_key(q.question)
        if not key or small_talk(q.question):  # "thanks!" is no gap in the FAQ
            continue
        text = shown.setdefault(normalise(q.question), tidy(q.question))
        by_key.setdefault(key, Counter())[text] += 1
        declined[key] += q.decision == "decline"
    keys = sorted(by_key, key=lambda k: (-by_key[k].total(), k))

    founders: list[str] = []
    members: dict[str, list[str]] = {}
    for key in keys:
        found = process.extractOne(key, founders, scorer=fuzz.token_set_ratio,
                                   score_cutoff=GROUP_SIMILARITY)
        founder = found[0] if found else key
        if not found:
            founders.append(key)
        members.setdefault(founder, []).append(key)

    groups = []
    for founder in founders:
        spellings: Counter[str] = Counter()
        for key in members[founder]:
            spellings.update(by_key[key])
        ranked = sorted(spellings, key=lambda text: (-spellings[text], text))  # deterministic
        closest, score = _closest(knowledge, ranked) if knowledge else (None, 0.0)
        groups.append(UnansweredGroup(
            count=spellings.total(),
            examples=tuple(ranked[:MAX_EXAMPLES]),
            closest=closest,
            closest_score=score,
            declined=sum(declined[key] for key in members[founder]),
        ))
    groups.sort(key=lambda g: (-g.count, g.examples[0]))
    return groups


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML list item value: plain when that reads back the same, else quoted."""
    try:
        if yaml.safe_load(f"- {text}") == [text]:
            return text
    except yaml.YAMLError:
        pass
    # A YAML double-quoted scalar; tidy() already removed newlines and tabs.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _yaml_item(comment: str, key: str, value: str, list_key: str,
               examples: Sequence[str]) -> list[str]:
    """One commented YAML list item: ``- key: value`` with its examples under ``list_key``."""
    return [f"# {comment}", f"- {key}: {value}", f"  {list_key}:",
            *(f"    - {yaml_scalar(example)}" for example in examples)]


def alias_yaml(groups: Sequence[UnansweredGroup]) -> str:
    """Ready-to-paste YAML for ``entries:``: each group's phrasings under the entry they
    could join, or under a placeholder new entry. Not-covered topics are left out (see
    ``not_covered_yaml``)."""
    lines: list[str] = []
    new_entries = 0
    for group in groups:
        if group.not_covered_topic:
            continue
        if group.closest is None:
            new_entries += 1
            comment = (f"{group.count}× — no close entry: a new entry may be needed "
                       "(give it a real id, a question and an answer)")
            entry_id = f"new-entry-{new_entries}"
        else:
            comment = (f"{group.count}× — closest entry '{group.closest}' "
                       f"(score {group.closest_score:.2f})")
            entry_id = group.closest
        lines += _yaml_item(comment, "id", entry_id, "aliases", group.examples)
    return "\n".join(lines)


def not_covered_yaml(groups: Sequence[UnansweredGroup]) -> str:
    """Ready-to-paste YAML for ``not_covered:``: phrasings of topics the FAQ knows it does
    not answer, so the bot declines them confidently instead of guessing."""
    lines: list[str] = []
    for group in groups:
        if group.not_covered_topic:
            comment = (f"{group.count}× — known not-covered topic "
                       f"(score {group.closest_score:.2f})")
            lines += _yaml_item(comment, "topic", group.not_covered_topic, "questions",
                                group.examples)
    return "\n".join(lines)
