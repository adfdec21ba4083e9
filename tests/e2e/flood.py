"""The questions the fault tests flood the bot with, and who asks them."""

from __future__ import annotations

from typing import Any

from tests.fakediscord import Harness

# Questions and the FAQ entry each must be answered with. A tag makes every question's text
# unique (so its question-log row can be found). It is a custom emoji's markup, which the
# bot reads as no words at all, so it cannot change the match: a plain "(#<n>)" tag did,
# since numbers such as 18, 35, 40 and 2025 tip "is the residency paid?" towards the
# not-covered topics (members ask about ages, weekly hours and start years there).
QUESTIONS = [
    ("is the residency paid?", "salary"),
    ("how long is the residency?", "duration"),
    ("is there a fee?", "fees"),
    ("do I have to relocate?", "relocation"),
    ("can I do it part-time?", "part-time"),
]
MEMBERS = ["ana", "bo", "chen", "dara"]


def question(number: int) -> tuple[str, str]:
    """The ``number``-th question of a flood and the entry that answers it."""
    text, entry = QUESTIONS[number % len(QUESTIONS)]
    return f"{text} <:n:{number}>", entry


async def ask(dc: Harness, number: int) -> dict[str, Any]:
    """The ``number``-th question, posted in #general by one of MEMBERS, mentioning the bot."""
    return await dc.say(MEMBERS[number % len(MEMBERS)], "general", question(number)[0],
                        mentions_bot=True)
