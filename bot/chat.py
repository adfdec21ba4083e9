"""The terminal chat: the same replies the Discord bot sends, in a terminal."""

from __future__ import annotations

from typing import TextIO

from bot.knowledge import Knowledge
from bot.replies import Reply, answer, respond

PROMPT = "you> "
HINT = "(type a number to pick one)"


def run(knowledge: Knowledge, stdin: TextIO, stdout: TextIO, interactive: bool) -> None:
    """Answer each line of ``stdin``; after choices, a number picks one."""
    pending: Reply | None = None
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        question = line.strip()
        if not question:
            continue
        if pending is not None and question.isdigit() and 1 <= int(question) <= len(
                pending.choices):
            entry = knowledge.entry(pending.choices[int(question) - 1].entry_id)
            pending = None
            if entry is not None:
                stdout.write(answer(knowledge, entry).as_text() + "\n\n")
                continue
        _, reply = respond(knowledge, question)
        pending = reply if reply.choices else None
        text = reply.as_text()
        if pending is not None and interactive:
            text += f"\n{HINT}"
        stdout.write(text + "\n\n")
        stdout.flush()
