"""The FAQ: its schema, loading with line-numbered problems, and the live store.

A moderator edits one YAML file. Loading it returns either a ready ``Knowledge`` (the
validated FAQ with its matcher) or every problem found, each with ``file:line:column``,
the entry id and a one-line fix — never a half-loaded FAQ.
"""

from __future__ import annotations

import functools
import gc
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from bot.faqcheck import (
    Problem,
    confusion_warnings,
    consistency_problems,
    entry_id_on_line,
    schema_problems,
)
from bot.matching import EntryText, Matcher, Thresholds
from bot.normalise import normalise
from bot.yamlnodes import compose_with_locations

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
    # Questions members asked, word for word, that this entry answers. They lend the matcher
    # their words at half an alias's weight (bot/matching.py) and are not held to the
    # alias rules (``validate`` does not ask to reword them).
    asked: list[Text] = Field(default_factory=list)

    def phrasings(self) -> list[str]:
        """The question and every alias: the moderators' own words."""
        return [self.question, *self.aliases]


class NotCovered(_Strict):
    """A topic members ask about that the announcement does not answer (deadline, visa…).

    Matching one of its questions makes the bot decline politely instead of offering the
    nearest entry that happens to share a word ("deadline to apply" is not how-to-apply).
    """

    topic: Slug
    questions: list[Text] = Field(default_factory=list)
    # Members' own questions on the topic, word for word (as ``Entry.asked``).
    asked: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_a_question(self) -> NotCovered:
        if not self.questions and not self.asked:
            raise PydanticCustomError("no_questions", "a topic needs at least one question")
        return self


class Faq(_Strict):
    """The whole FAQ file."""

    programme: Programme
    entries: Annotated[list[Entry], Field(min_length=1)]
    not_covered: list[NotCovered] = Field(default_factory=list)

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, if any."""
        return next((e for e in self.entries if e.id == entry_id), None)


_T = TypeVar("_T")


@dataclass(frozen=True)
class Knowledge:
    """A validated FAQ with its matcher: what the bot answers from. Immutable."""

    faq: Faq
    matcher: Matcher
    path: str
    loaded_at: float = field(default_factory=time.time)
    # Every reply looks its entry up: by id at once, not by a walk through the list.
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _derived: dict[Hashable, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Entry] = {}
        for entry in self.faq.entries:
            by_id.setdefault(entry.id, entry)  # as Faq.entry: the first of a repeated id
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_derived", {})

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, if any."""
        return self._by_id.get(entry_id)

    def derived(self, key: Hashable, build: Callable[[], _T]) -> _T:
        """A value worked out from this knowledge once (it never changes), such as an
        entry's reply. Only for a bounded set of keys: the values live as long as it does."""
        try:
            return cast(_T, self._derived[key])
        except KeyError:
            value = self._derived[key] = build()
            return value

    def stale_entry_offsets(self) -> list[str]:
        """Ids in the thresholds' ``entry_offsets`` that this FAQ has no entry for (an
        entry renamed or removed: its offset applies to nothing), sorted."""
        return sorted(self.matcher.thresholds.entry_offsets.keys() - self._by_id.keys())


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


def build_matcher(faq: Faq, thresholds: Thresholds | None = None,
                  normalise_text: Callable[[str], str] = normalise) -> Matcher:
    """Index every entry's phrasings and keywords."""
    texts = [EntryText(e.id, e.phrasings(), e.keywords, asked=e.asked) for e in faq.entries]
    texts += [EntryText(f"~{t.topic}", t.questions, declines=True, asked=t.asked)
              for t in faq.not_covered]
    return Matcher(texts, thresholds, normalise_text=normalise_text,
                   subject=faq.programme.name)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused, unless the caller has paused it already. A load
    builds large dictionaries that all stay (the index), and the collector would walk them
    over and over while they grow: 1-5% of a load, up to 10% in the bot's process, where it
    walks discord.py's objects too (BENCHMARKS.md). It runs again once the load ends."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def load_faq_text(
    text: str,
    path: str = "<faq>",
    thresholds: Thresholds | None = None,
    check_confusion: bool = True,
) -> LoadResult:
    """Validate FAQ text fully; return knowledge only if there is no error."""
    with _collector_paused():
        return _load(text, path, thresholds, check_confusion)


def _load(text: str, path: str, thresholds: Thresholds | None, check_confusion: bool
          ) -> LoadResult:
    parsed = compose_with_locations(text)
    if parsed.syntax_error is not None:
        line, column, message = parsed.syntax_error
        return LoadResult(None, (Problem(path, line, column, f"YAML syntax: {message}",
                                         "fix the YAML syntax at this position"),))
    problems = [
        Problem(path, line, column, message, "keep only one of them",
                entry_id_on_line(parsed.data, parsed.locate, line))
        for line, column, message in parsed.duplicate_keys
    ]
    try:
        faq = Faq.model_validate(parsed.data)
    except PydanticValidationError as error:
        problems += schema_problems(path, parsed.data, error, parsed.locate)
        problems.sort(key=lambda p: (p.line, p.column))
        return LoadResult(None, tuple(problems))
    normalised = functools.cache(normalise)  # both need every phrasing normalised: once
    problems += consistency_problems(path, faq, parsed.locate, normalised)
    # The node tree (line numbers) is needed again only to place confusion warnings; without
    # them it goes before the matcher is built, the peak of a load's memory (about 1.7 MB).
    locate = parsed.locate if check_confusion else None
    del parsed
    matcher = build_matcher(faq, thresholds, normalised)
    if locate is not None:
        problems += confusion_warnings(path, faq, matcher, locate)
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
