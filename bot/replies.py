"""What the bot says, computed once and rendered by Discord views and the terminal alike.

A ``Reply`` holds the parts of a message (title, body, footer, link buttons, choice
buttons); ``Reply.as_text()`` is the plain-text rendering used by the terminal chat and
by ``ask``. Nothing here imports discord.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.knowledge import Entry, Knowledge
from bot.matching import Decision, Match
from bot.normalise import normalise
from bot.words import POLITE_ADDRESS

# Discord limits (https://discord.com/developers/docs/resources/message):
MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TITLE_LIMIT = 256
BUTTON_LABEL_LIMIT = 80
EMBED_FIELDS_LIMIT = 25

FOOTER = "Browse every answer with /faq list."
DECLINE_TEXT = (
    "Sorry, I can't answer that from the FAQ, and I'd rather not guess. "
    "Please ask a moderator here, or check the programme announcement."
)
NOT_SURE_TEXT = "I'm not sure which of these you mean:"
RELATED_TEXT = "The closest FAQ entry, in case it helps:"
HELLO_TEXT = (
    "Hi! Ask me anything about the Hugging Face AI Research Residency, for example "
    "\"is it remote?\" or \"is it paid?\". `/faq list` shows every answer."
)
THANKS_TEXT = "You're welcome! Ask me anything else about the residency."
BYE_TEXT = "Bye! Ask me again any time."

# A message made only of these words is a greeting, a thank-you or a goodbye, not a
# question: it gets a friendly word instead of "I can't answer that", and is left out of
# the unanswered report.
_GREETINGS = frozenset(
    "hi hii hello helo hey heya hiya howdy yo hallo hola bonjour gm morning afternoon evening "
    "good day sup".split()
)
_THANKS = frozenset(
    "thanks thank thankyou thx ty tysm tyvm cheers appreciate appreciated grateful merci "
    "thanx".split()
)
_FAREWELLS = frozenset(
    "bye byebye goodbye cya ciao ttyl night goodnight gn later".split()
)
_SMALL_TALK_FILLER = POLITE_ADDRESS | frozenset(
    "you u so much very a lot all everyone guys folks there bot team ok okay cool great nice "
    "awesome perfect again for the your help helpful that was it this is really mate friend "
    "people got and i ma am bro sis buddy see".split()
)
_SMALL_TALK = _GREETINGS | _THANKS | _FAREWELLS | _SMALL_TALK_FILLER
SMALL_TALK_MAX_WORDS = 8
_DOUBLED = re.compile(r"(.)\1+")


class ReplyKind(StrEnum):
    """Which kind of reply this is; cogs and tests branch on it."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    DECLINE = "decline"
    INFO = "info"


@dataclass(frozen=True)
class Link:
    """A link button (Discord) or a labelled URL line (terminal)."""

    label: str
    url: str


@dataclass(frozen=True)
class Choice:
    """One "did you mean" option: pressing it shows that entry's answer."""

    entry_id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """Everything needed to show one reply, independent of where it is shown."""

    kind: ReplyKind
    body: str
    title: str | None = None
    footer: str | None = None
    links: tuple[Link, ...] = ()
    choices: tuple[Choice, ...] = ()
    entry_id: str | None = None
    fields: tuple[tuple[str, str], ...] = ()

    def as_text(self) -> str:
        """Plain-text rendering, at most one Discord message long."""
        lines: list[str] = []
        if self.title:
            lines.append(f"**{self.title}**")
        lines.append(self.body)
        lines.extend(f"**{name}:** {value}" for name, value in self.fields)
        lines.extend(f"{n}. {choice.label}" for n, choice in enumerate(self.choices, 1))
        if self.links:
            lines.append("")
            lines.extend(f"{link.label}: {link.url}" for link in self.links)
        if self.footer:
            lines.append(f"_{self.footer}_")
        return truncate("\n".join(lines), MESSAGE_LIMIT)


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _links(knowledge: Knowledge) -> tuple[Link, ...]:
    programme = knowledge.faq.programme
    links = [Link("Apply", programme.apply_url)]
    if programme.source_url:
        links.append(Link("Announcement", programme.source_url))
    return tuple(links)


def answer(knowledge: Knowledge, entry: Entry) -> Reply:
    """An entry's answer with the application and announcement links.

    Built once per entry of ``knowledge`` (a reply is an immutable value).
    """
    def build() -> Reply:
        return Reply(
            kind=ReplyKind.ANSWER,
            title=truncate(entry.question, EMBED_TITLE_LIMIT),
            body=entry.answer,
            footer=FOOTER,
            links=_links(knowledge),
            entry_id=entry.id,
        )

    if knowledge.entry(entry.id) is not entry:  # not one of this FAQ's entries
        return build()
    return knowledge.derived(("answer", entry.id), build)


def decline(knowledge: Knowledge, related: str | None = None) -> Reply:
    """The polite "I don't know" that says where to ask instead.

    ``related`` names an entry that came close: it is offered as a choice, not answered.
    Built once per related entry of ``knowledge``.
    """
    entry = knowledge.entry(related) if related else None

    def build() -> Reply:
        source = knowledge.faq.programme.source_url
        links = (Link("Announcement", source),) if source else ()
        if entry is None:
            return Reply(kind=ReplyKind.DECLINE, body=DECLINE_TEXT, links=links)
        return Reply(kind=ReplyKind.DECLINE, body=f"{DECLINE_TEXT}\n{RELATED_TEXT}",
                     links=links,
                     choices=(Choice(entry.id, truncate(entry.question, BUTTON_LABEL_LIMIT)),))

    return knowledge.derived(("decline", entry.id if entry else None), build)


def suggest(knowledge: Knowledge, entry_ids: tuple[str, ...]) -> Reply:
    """"Did you mean…" with one choice per close entry."""
    choices = tuple(
        Choice(e.id, truncate(e.question, BUTTON_LABEL_LIMIT))
        for e in (knowledge.entry(i) for i in entry_ids)
        if e is not None
    )
    return Reply(kind=ReplyKind.SUGGEST, body=NOT_SURE_TEXT, choices=choices)


def small_talk(text: str) -> str | None:
    """The friendly reply to a bare greeting, thank-you or goodbye; None for anything else."""
    words = normalise(text).split()
    if not words or len(words) > SMALL_TALK_MAX_WORDS:
        return None
    forms = [{word, _DOUBLED.sub(r"\1", word)} for word in words]  # "hiii" -> "hii", "hi"
    if any(not form & _SMALL_TALK for form in forms):
        return None
    if any(form & _THANKS for form in forms):
        return THANKS_TEXT
    if any(form & _FAREWELLS for form in forms):  # "good night", "ok bye"
        return BYE_TEXT
    return HELLO_TEXT if any(form & _GREETINGS for form in forms) else None


def for_match(knowledge: Knowledge, match: Match) -> Reply:
    """The reply for a matcher verdict."""
    if match.decision is Decision.ANSWER and match.entry_id:
        entry = knowledge.entry(match.entry_id)
        if entry is not None:
            return answer(knowledge, entry)
    if match.decision is Decision.SUGGEST and match.choices:
        return suggest(knowledge, tuple(c.id for c in match.choices))
    return decline(knowledge, match.related.id if match.related else None)


def respond(knowledge: Knowledge, question: str) -> tuple[Match, Reply]:
    """Match a question and build the reply: the one call every front end makes."""
    match = knowledge.matcher.match(question)
    if match.decision is Decision.DECLINE and (text := small_talk(question)):
        return match, Reply(kind=ReplyKind.DECLINE, body=text)
    return match, for_match(knowledge, match)


def apply_info(knowledge: Knowledge) -> Reply:
    """How to apply: the link and what the application should show."""
    entry = knowledge.entry("how-to-apply")
    body = entry.answer if entry else "Apply through the link below."
    return Reply(
        kind=ReplyKind.INFO,
        title="How to apply",
        body=body,
        links=_links(knowledge),
        entry_id=entry.id if entry else None,
    )


def facts(knowledge: Knowledge, fact: str | None = None) -> Reply:
    """The programme's quick facts, or one of them."""
    programme = knowledge.faq.programme
    items = list(programme.facts.items())
    if fact is not None:
        items = [(k, v) for k, v in items if k == fact]
        if not items:
            known = ", ".join(programme.facts) or "none"
            return Reply(kind=ReplyKind.INFO, title=programme.name,
                         body=f"There is no quick fact called '{fact}'. Known facts: {known}.")
    return Reply(
        kind=ReplyKind.INFO,
        title=programme.name,
        body="Quick facts from the announcement:" if len(items) > 1 else "",
        fields=tuple((k.replace("-", " ").replace("_", " ").capitalize(), v) for k, v in items),
        footer=FOOTER,
        links=_links(knowledge),
    )


def entry_list(knowledge: Knowledge, page: int, per_page: int = 10) -> tuple[Reply, int]:
    """One page of every entry's question, and the number of pages."""
    entries = knowledge.faq.entries
    pages = max(1, -(-len(entries) // per_page))
    page = min(max(page, 0), pages - 1)
    shown = entries[page * per_page : (page + 1) * per_page]
    body = "\n".join(f"`{e.id}` — {e.question}" for e in shown)
    return (
        Reply(kind=ReplyKind.INFO, title=f"FAQ ({len(entries)} entries)", body=body,
              footer=f"Page {page + 1}/{pages} · /faq show entry:<name> shows one answer"),
        pages,
    )
