"""Problems in an FAQ file, each with ``file:line:column``, the entry id and a one-line fix.

``bot.knowledge`` validates the file against its schema and calls these to turn pydantic's
errors into located problems, and to find what the schema cannot see: duplicate ids, a
phrasing in two entries, and phrasings the matcher itself would not answer with their entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticValidationError

from bot.matching import Decision, Matcher
from bot.normalise import normalise
from bot.yamlnodes import Location

if TYPE_CHECKING:
    from bot.knowledge import Entry, Faq


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or suspicious) in the FAQ file, with where and how to fix it."""

    path: str
    line: int
    column: int
    message: str
    fix: str
    entry_id: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        entry = f" [{self.entry_id}]" if self.entry_id else ""
        return f"{where}: {self.severity}{entry}: {self.message} — fix: {self.fix}"


_FIXES = {
    "missing": "add the field",
    "extra_forbidden": "remove it or check its spelling",
    "string_too_short": "write some text here",
    "string_too_long": "shorten it",
    "string_pattern_mismatch": "use lowercase letters, digits, '-' and '_' only",
    "too_short": "add at least one entry",
    "no_questions": "add a question under `questions:`",
    "value_error": "use a full link such as https://example.org/page",
    "string_type": "write plain text (quote it if it looks like a number or yes/no)",
    "list_type": "make it a YAML list (lines starting with '- ')",
    "dict_type": "make it a YAML mapping (key: value lines)",
    "model_type": "make it a YAML mapping (key: value lines)",
}


def _entry_id_at(data: Any, loc: Sequence[int | str]) -> str | None:
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        entries = data.get("entries") if isinstance(data, dict) else None
        if isinstance(entries, list) and loc[1] < len(entries):
            entry = entries[loc[1]]
            entry_id = entry.get("id") if isinstance(entry, dict) else None
            if isinstance(entry_id, str):
                return entry_id
    return None


def entry_id_on_line(data: Any, locate: Callable[..., Location], line: int) -> str | None:
    """The id of the entry whose block contains ``line``, if any."""
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or line < locate(("entries",))[0]:
        return None
    owner = None
    for index in range(len(entries)):
        if locate(("entries", index))[0] <= line:
            owner = _entry_id_at(data, ("entries", index))
    return owner


def schema_problems(
    path: str, data: Any, error: PydanticValidationError, locate: Callable[..., Location]
) -> list[Problem]:
    """pydantic's errors as problems at the line and column of the offending YAML."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        dotted = ".".join(str(part) for part in loc) or "file"
        if kind == "missing":
            line, column = locate(loc[:-1])
            message = f"{dotted}: missing required field '{loc[-1]}'"
        elif kind == "extra_forbidden":
            line, column = locate(loc, key=True)
            message = f"{dotted}: unknown field '{loc[-1]}'"
        else:
            line, column = locate(loc)
            message = f"{dotted}: {item['msg']}"
        problems.append(
            Problem(
                path,
                line,
                column,
                message,
                _FIXES.get(kind, "correct the value"),
                _entry_id_at(data, loc),
            )
        )
    return problems


def _located_phrasings(index: int, entry: Entry
                       ) -> list[tuple[tuple[str | int, ...], str, str]]:
    """The entry's question, aliases and members' questions: (where, kind, text) each."""
    return [
        (("entries", index, "question"), "question", entry.question),
        *((("entries", index, "aliases", i), "alias", t) for i, t in enumerate(entry.aliases)),
        *((("entries", index, "asked", i), "asked", t) for i, t in enumerate(entry.asked)),
    ]


def consistency_problems(path: str, faq: Faq, locate: Callable[..., Location],
                         normalise_text: Callable[[str], str] = normalise) -> list[Problem]:
    """Duplicate ids (errors), a phrasing in two entries (error) or twice in one (warning)."""
    problems: list[Problem] = []
    first_index: dict[str, int] = {}
    owner_of_phrasing: dict[str, str] = {}
    for index, entry in enumerate(faq.entries):
        if entry.id in first_index:
            line, column = locate(("entries", index, "id"))
            first_line, _ = locate(("entries", first_index[entry.id], "id"))
            problems.append(
                Problem(path, line, column, f"duplicate id '{entry.id}' (first at line "
                        f"{first_line})", "give this entry a unique id", entry.id)
            )
        else:
            first_index[entry.id] = index
        seen_here: set[str] = set()
        for loc, _, phrase in _located_phrasings(index, entry):
            key = normalise_text(phrase)
            owner = owner_of_phrasing.get(key)
            if owner is not None and owner != entry.id:
                line, column = locate(loc)
                problems.append(
                    Problem(path, line, column, f"'{phrase}' is also a phrasing of '{owner}'",
                            "keep it in only one of the two entries", entry.id)
                )
            elif key in seen_here:
                line, column = locate(loc)
                problems.append(
                    Problem(path, line, column, f"'{phrase}' is repeated in this entry",
                            "remove the repetition", entry.id, "warning")
                )
            seen_here.add(key)
            owner_of_phrasing.setdefault(key, entry.id)
    return problems


def confusion_warnings(
    path: str, faq: Faq, matcher: Matcher, locate: Callable[..., Location]
) -> list[Problem]:
    """An entry's question or aliases that, asked in slightly other words, the matcher would
    not answer with that entry (asked word for word, a phrasing always gets its entry)."""
    problems = []
    for index, entry in enumerate(faq.entries):
        for where, kind, text in _located_phrasings(index, entry):
            if kind == "asked":  # members' own words: never asked to be reworded
                continue
            # As a close variant of it scores; None: surely answered with its entry.
            ranking = matcher.rank_unless_settled(text, entry.id)
            if ranking is None:
                continue
            own = next((c for c in ranking if c.id == entry.id), None)
            rival = next((c for c in ranking if c.id != entry.id), None)
            if own is None:
                continue
            decision = matcher.decide([own, rival] if rival else [own])
            if decision.decision is Decision.ANSWER and decision.entry_id == entry.id:
                continue
            if decision.decision is Decision.DECLINE and (rival is None
                                                          or own.score > rival.score):
                # Nothing pulls it away: it scores under its entry's own bar (its offset).
                bar, _ = matcher.thresholds.for_entry(entry.id)
                message = (f"{kind} '{text}' scores {own.score:.3f} for '{entry.id}', under "
                           f"its bar of {bar:.2f}: members asking something close to it may "
                           "get no answer")
                fix = f"reword it with more of the words '{entry.id}' uses"
            elif rival is not None:
                message = (f"{kind} '{text}' scores {own.score:.2f} for '{entry.id}' but "
                           f"{rival.score:.2f} for '{rival.id}': members asking something "
                           "close to it may get choices instead of an answer")
                fix = (f"reword it with words specific to '{entry.id}', or move it to "
                       f"'{rival.id}'" if kind == "alias" else
                       f"find which alias of '{rival.id}' pulls it there and reword that")
            else:
                continue
            line, column = locate(where)
            problems.append(Problem(path, line, column, message, fix, entry.id, "warning"))
    return problems
