"""The FAQ: its schema, loading with line-numbered problems, and the live store.

A moderator edits one YAML file. Loading it returns either a ready ``Knowledge`` (the
validated FAQ with its matcher) or every problem found, each with ``file:line:column``,
the entry id and a one-line fix — never a half-loaded FAQ.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from bot.matching import Decision, EntryText, Matcher, Thresholds
from bot.normalise import normalise
from bot.yamlnodes import Location, compose_with_locations

# Discord limits the replies are rendered into (see bot/replies.py).
EMBED_TITLE_LIMIT = 256
EMBED_FIELD_LIMIT = 1024
# An answer is shown in an embed description (4,096) and, in the terminal chat and in
# plain-text fallbacks, inside a 2,000-character message with its title and links.
ANSWER_LIMIT = 1500


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in value:
        raise ValueError("not a valid http(s) URL")
    return value


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Url = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_url)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Programme(_Strict):
    """The programme as a whole: its name, links and quick facts."""

    name: Text
    apply_url: Url
    source_url: Url | None = None
    facts: dict[Slug, Annotated[Text, StringConstraints(max_length=EMBED_FIELD_LIMIT)]] = Field(
        default_factory=dict
    )


class Entry(_Strict):
    """One question with its answer and the other ways members phrase it."""

    id: Slug
    question: Annotated[Text, StringConstraints(max_length=EMBED_TITLE_LIMIT)]
    aliases: list[Text]
    answer: Annotated[Text, StringConstraints(max_length=ANSWER_LIMIT)]
    source_url: Url | None = None
    keywords: list[Text] = Field(default_factory=list)
    tags: list[Text] = Field(default_factory=list)

    def phrasings(self) -> list[str]:
        """The question and every alias."""
        return [self.question, *self.aliases]


class NotCovered(_Strict):
    """A topic members ask about that the announcement does not answer (deadline, visa…).

    Matching one of its questions makes the bot decline politely instead of offering the
    nearest entry that happens to share a word ("deadline to apply" is not how-to-apply).
    """

    topic: Slug
    questions: Annotated[list[Text], Field(min_length=1)]


class Faq(_Strict):
    """The whole FAQ file."""

    programme: Programme
    entries: Annotated[list[Entry], Field(min_length=1)]
    not_covered: list[NotCovered] = Field(default_factory=list)

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, if any."""
        return next((e for e in self.entries if e.id == entry_id), None)


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


@dataclass(frozen=True)
class Knowledge:
    """A validated FAQ with its matcher: what the bot answers from. Immutable."""

    faq: Faq
    matcher: Matcher
    path: str
    loaded_at: float = field(default_factory=time.time)

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, if any."""
        return self.faq.entry(entry_id)


@dataclass(frozen=True)
class LoadResult:
    """Either knowledge (no errors) or the problems; warnings may come with either."""

    knowledge: Knowledge | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems that stop the file from being served."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Problems worth a look that do not stop the file."""
        return tuple(p for p in self.problems if p.severity == "warning")


_FIXES = {
    "missing": "add the field",
    "extra_forbidden": "remove it or check its spelling",
    "string_too_short": "write some text here",
    "string_too_long": "shorten it",
    "string_pattern_mismatch": "use lowercase letters, digits, '-' and '_' only",
    "too_short": "add at least one entry",
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


def _entry_id_on_line(data: Any, locate: Callable[..., Location], line: int) -> str | None:
    """The id of the entry whose block contains ``line``, if any."""
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or line < locate(("entries",))[0]:
        return None
    owner = None
    for index in range(len(entries)):
        if locate(("entries", index))[0] <= line:
            owner = _entry_id_at(data, ("entries", index))
    return owner


def _schema_problems(
    path: str, data: Any, error: PydanticValidationError, locate: Callable[..., Location]
) -> list[Problem]:
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


def _consistency_problems(path: str, faq: Faq, locate: Callable[..., Location]) -> list[Problem]:
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
        for position, phrase in enumerate(entry.phrasings()):
            key = normalise(phrase)
            loc: tuple[str | int, ...] = (
                ("entries", index, "question") if position == 0
                else ("entries", index, "aliases", position - 1)
            )
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


def _confusion_warnings(
    path: str, faq: Faq, matcher: Matcher, locate: Callable[..., Location]
) -> list[Problem]:
    """An entry's question or aliases the matcher itself would not answer with that entry."""
    problems = []
    for index, entry in enumerate(faq.entries):
        phrasings: list[tuple[tuple[str | int, ...], str, str]] = [
            (("entries", index, "question"), "question", entry.question)]
        phrasings += [(("entries", index, "aliases", position), "alias", alias)
                      for position, alias in enumerate(entry.aliases)]
        for where, kind, text in phrasings:
            ranking = matcher.rank(text)
            ranked = [c for c in ranking if c.id != entry.id]
            own = next((c for c in ranking if c.id == entry.id), None)
            if not ranked or own is None:
                continue
            rival = ranked[0]
            decision = matcher.decide([own, rival])
            if decision.decision is not Decision.ANSWER or decision.entry_id != entry.id:
                line, column = locate(where)
                problems.append(
                    Problem(path, line, column,
                            f"{kind} '{text}' scores {own.score:.2f} for '{entry.id}' but "
                            f"{rival.score:.2f} for '{rival.id}': members asking this may get "
                            "choices instead of an answer",
                            f"reword it with words specific to '{entry.id}', or move it to "
                            f"'{rival.id}'" if kind == "alias" else
                            f"find which alias of '{rival.id}' pulls it there and reword that",
                            entry.id, "warning")
                )
    return problems


def build_matcher(faq: Faq, thresholds: Thresholds | None = None) -> Matcher:
    """Index every entry's phrasings and keywords."""
    texts = [EntryText(e.id, e.phrasings(), e.keywords) for e in faq.entries]
    texts += [EntryText(f"~{t.topic}", t.questions, declines=True) for t in faq.not_covered]
    return Matcher(texts, thresholds)


def load_faq_text(
    text: str,
    path: str = "<faq>",
    thresholds: Thresholds | None = None,
    check_confusion: bool = True,
) -> LoadResult:
    """Validate FAQ text fully; return knowledge only if there is no error."""
    parsed = compose_with_locations(text)
    if parsed.syntax_error is not None:
        line, column, message = parsed.syntax_error
        return LoadResult(None, (Problem(path, line, column, f"YAML syntax: {message}",
                                         "fix the YAML syntax at this position"),))
    problems = [
        Problem(path, line, column, message, "keep only one of them",
                _entry_id_on_line(parsed.data, parsed.locate, line))
        for line, column, message in parsed.duplicate_keys
    ]
    try:
        faq = Faq.model_validate(parsed.data)
    except PydanticValidationError as error:
        problems += _schema_problems(path, parsed.data, error, parsed.locate)
        problems.sort(key=lambda p: (p.line, p.column))
        return LoadResult(None, tuple(problems))
    problems += _consistency_problems(path, faq, parsed.locate)
    matcher = build_matcher(faq, thresholds)
    if check_confusion:
        problems += _confusion_warnings(path, faq, matcher, parsed.locate)
    problems.sort(key=lambda p: (p.line, p.column))
    if any(p.severity == "error" for p in problems):
        return LoadResult(None, tuple(problems))
    return LoadResult(Knowledge(faq, matcher, path), tuple(problems))


def load_faq(
    path: str | Path, thresholds: Thresholds | None = None, check_confusion: bool = True
) -> LoadResult:
    """Read and validate an FAQ file (see ``load_faq_text``)."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        return LoadResult(None, (Problem(name, 1, 1, f"cannot read the file: {reason}",
                                         "check the path and that the file is UTF-8 text"),))
    return load_faq_text(text, name, thresholds, check_confusion)


@dataclass(frozen=True)
class Change:
    """What a reload changed, by entry id."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line for moderators."""
        if not (self.added or self.changed or self.removed):
            return "FAQ reloaded: no entry changed."
        parts = [
            f"{label} {len(ids)} ({', '.join(ids)})"
            for label, ids in (("added", self.added), ("changed", self.changed),
                               ("removed", self.removed)) if ids
        ]
        return "FAQ reloaded: " + "; ".join(parts) + "."


def diff(old: Faq | None, new: Faq) -> Change:
    """Entries added, changed and removed between two FAQs."""
    before = {e.id: e for e in old.entries} if old else {}
    after = {e.id: e for e in new.entries}
    return Change(
        added=tuple(i for i in after if i not in before),
        changed=tuple(i for i in after if i in before and before[i] != after[i]),
        removed=tuple(i for i in before if i not in after),
    )


class FaqStore:
    """Holds the knowledge being served; ``swap`` replaces it in one assignment.

    Readers take ``store.current`` once per question, so a reload never mixes two FAQs in
    one answer, and a failed load never touches what is served.
    """

    def __init__(self, knowledge: Knowledge) -> None:
        self._current = knowledge
        self._lock = threading.Lock()

    @property
    def current(self) -> Knowledge:
        """The knowledge being served."""
        return self._current

    def swap(self, knowledge: Knowledge) -> Change:
        """Serve ``knowledge`` from now on; return what changed."""
        with self._lock:
            change = diff(self._current.faq, knowledge.faq)
            self._current = knowledge
        return change

    def reload(self, path: str | Path | None = None,
               thresholds: Thresholds | None = None) -> tuple[Change | None, LoadResult]:
        """Validate the file and swap it in only if it has no error."""
        result = load_faq(path or self._current.path,
                          thresholds or self._current.matcher.thresholds)
        if result.knowledge is None:
            return None, result
        return self.swap(result.knowledge), result
