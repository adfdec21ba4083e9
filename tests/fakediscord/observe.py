"""Reading what the bot did: replies, interaction responses, anything it sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .interactions import InteractionRecord
from .records import RequestRecord, Sent
from .server import FakeDiscord

MessageLike = dict[str, Any] | Sent | int
"""A message payload (as `say` returns), a Sent record, or a message id."""

DEFAULT_TIMEOUT = 5.0


class Observer:
    """Waits for and looks up the bot's output. Every wait has a timeout and fails the test
    with a summary of what the bot did send."""

    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.world = server.world
        self.notifier = server.notifier
        self._marks: dict[int, int] = {}

    @property
    def sent(self) -> list[Sent]:
        """Everything the bot posted, in order (see `records.Sent`)."""
        return self.server.sent

    @property
    def requests(self) -> list[RequestRecord]:
        """Every HTTP request the bot made, with the status it got."""
        return self.server.requests

    def mark(self) -> int:
        """A position in `sent`, for `wait_for_sent(..., since=mark)`."""
        return len(self.server.sent)

    def remember(self, message: dict[str, Any]) -> None:
        """Note where `sent` stood when a member's message appeared, so only later bot
        messages count as replies to it."""
        self._marks[int(message["id"])] = len(self.server.sent)

    def replies(self, message: MessageLike) -> list[Sent]:
        """The bot's messages in the same channel since `message` that reply to it or to
        nothing in particular (a reply to another message does not count)."""
        payload = message if isinstance(message, dict) else self._message(message)
        message_id, channel_id = int(payload["id"]), int(payload["channel_id"])
        since = self._marks.get(message_id, 0)
        return [
            s
            for s in self.server.sent[since:]
            if s.kind == "message"
            and s.channel_id == channel_id
            and s.reference_id in (None, message_id)
        ]

    async def reply_to(self, message: MessageLike, *, timeout: float = DEFAULT_TIMEOUT) -> Sent:
        """The bot's first reply to `message` (see `replies`), waiting up to `timeout`."""
        text = (message if isinstance(message, dict) else self._message(message)).get("content")
        return await self.notifier.wait_until(
            lambda: next(iter(self.replies(message)), None),
            timeout=timeout,
            what=lambda: f"a reply to {text!r}; {self._summary()}",
        )

    async def assert_no_reply(self, message: MessageLike, *, wait: float = 0.3) -> None:
        """Give the bot `wait` seconds, then fail if it replied to `message`."""
        await asyncio.sleep(wait)
        await self.server.settle()
        replies = self.replies(message)
        assert not replies, f"expected no reply, got {[s.text for s in replies]}"

    def responses(self, interaction: InteractionRecord) -> list[Sent]:
        """Everything the bot sent for `interaction`: callback, followups, edits."""
        return [s for s in self.server.sent if s.interaction_id == interaction.id]

    async def response_to(
        self, interaction: InteractionRecord, *, timeout: float = DEFAULT_TIMEOUT
    ) -> Sent:
        """The first thing the user gets to see for `interaction`: a message, an updated
        message, a modal, a followup or an edit of a deferred response (not bare acks)."""
        return await self.notifier.wait_until(
            lambda: next((s for s in self.responses(interaction) if s.is_visible_response), None),
            timeout=timeout,
            what=lambda: (
                f"a response to interaction {interaction.name or interaction.id}; {self._summary()}"
            ),
        )

    async def wait_for_sent(
        self, predicate: Callable[[Sent], bool], *, since: int = 0, timeout: float = DEFAULT_TIMEOUT
    ) -> Sent:
        """The first record in `sent[since:]` matching `predicate`, waiting up to `timeout`."""
        return await self.notifier.wait_until(
            lambda: next((s for s in self.server.sent[since:] if predicate(s)), None),
            timeout=timeout,
            what=lambda: f"a matching sent record; {self._summary()}",
        )

    async def wait_for(
        self,
        condition: Callable[[], bool],
        *,
        what: str = "a condition",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Wait until `condition()` holds (re-checked whenever the emulator sees activity)."""
        await self.notifier.wait_until(
            lambda: True if condition() else None, timeout=timeout, what=lambda: what
        )

    async def settle(self, *, quiet: float = 0.05, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until the bot has stopped talking to the emulator for `quiet` seconds."""
        await self.server.settle(quiet=quiet, timeout=timeout)

    def _message(self, message: MessageLike) -> dict[str, Any]:
        """The stored, current version of a message."""
        if isinstance(message, Sent):
            if message.message_id is None:
                raise ValueError(f"{message.kind} record has no message")
            message = message.message_id
        message_id = int(message["id"]) if isinstance(message, dict) else message
        stored = self.world.messages.get(message_id)
        if stored is None:
            raise ValueError(f"no message {message_id} (deleted, or never sent)")
        return stored

    def _summary(self) -> str:
        recent = [f"{s.kind}:{(s.text or '')[:60]!r}" for s in self.server.sent[-5:]]
        return f"the bot has sent {len(self.server.sent)} thing(s), last: {recent}"
