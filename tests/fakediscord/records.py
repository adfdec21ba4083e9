"""What the emulator observed (bot output, requests) and a way to wait for more of it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from .mentions import Pings, pings

T = TypeVar("T")

POLL_SECONDS = 0.02
EPHEMERAL = 1 << 6
LOADING = 1 << 7

SentKind = Literal[
    "message",  # POST /channels/{id}/messages (channel or DM)
    "edit",  # PATCH /channels/{id}/messages/{id}
    "delete",  # DELETE /channels/{id}/messages/{id}
    "reaction",  # PUT .../reactions/{emoji}/@me; `content` holds the emoji
    "callback",  # POST /interactions/{id}/{token}/callback; see `response_type`
    "followup",  # POST /webhooks/{app}/{token}
    "interaction_edit",  # PATCH /webhooks/{app}/{token}/messages/{@original|id}
    "interaction_delete",  # DELETE /webhooks/{app}/{token}/messages/{@original|id}
]

# Callback types that put something in front of the user (4 message, 7 update, 9 modal).
VISIBLE_CALLBACKS = frozenset({4, 7, 9})


@dataclass
class Sent:
    """One thing the bot posted, as the bot sent it (fields absent from the request are None)."""

    kind: SentKind
    channel_id: int | None
    message_id: int | None
    content: str | None = None
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    allowed_mentions: dict[str, Any] | None = None
    flags: int = 0
    message_reference: dict[str, Any] | None = None
    interaction_id: int | None = None
    response_type: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    """The request body exactly as received (payload_json for multipart)."""
    message: dict[str, Any] | None = None
    """A snapshot of the resulting message, when there is one."""
    files: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def reference_id(self) -> int | None:
        """The id of the message this replies to, if it is a reply."""
        if not self.message_reference or not self.message_reference.get("message_id"):
            return None
        return int(self.message_reference["message_id"])

    @property
    def is_visible_response(self) -> bool:
        """True for what answers an interaction; False for bare acknowledgements and choices."""
        if self.kind == "callback":
            return self.response_type in VISIBLE_CALLBACKS
        return self.kind in ("followup", "interaction_edit")

    @property
    def text(self) -> str:
        """Content plus every embed's title, description, fields and footer, for assertions."""
        parts = [self.content or ""]
        for embed in self.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
            for embed_field in embed.get("fields", []):
                parts += [embed_field.get("name", ""), embed_field.get("value", "")]
            parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(part for part in parts if part)

    @property
    def buttons(self) -> list[str]:
        """Labels of every button, in display order."""
        return [c.get("label", "") for c in walk_components(self.components) if c["type"] == 2]

    @property
    def pings(self) -> Pings:
        """Who this would notify under Discord's allowed_mentions rules (falsy: nobody)."""
        return pings(
            self.content, self.allowed_mentions, is_reply=self.message_reference is not None
        )


@dataclass
class RequestRecord:
    """One HTTP request the emulator received, with the status it answered."""

    method: str
    path: str
    route: str | None
    """The route template, e.g. /api/v10/channels/{channel_id}/messages (None if unmatched)."""
    query: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    status: int | None = None
    body: Any = None


def walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component in a tree of action rows, sections, containers and labels."""
    for component in components:
        yield component
        yield from walk_components(component.get("components", []))
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                yield from walk_components([component[key]])


class Notifier:
    """Wakes waiters whenever the emulator's observable state changes."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()
        self.last_change = time.monotonic()

    def notify(self) -> None:
        """Something changed: wake everyone waiting."""
        self.last_change = time.monotonic()
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(
        self, probe: Callable[[], T | None], *, timeout: float, what: Callable[[], str]
    ) -> T:
        """Return `probe()`'s first non-None result; fail the test after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = probe()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what()}")
            # Re-probe at least every POLL_SECONDS: some conditions (the client becoming
            # ready, a process exiting) change without the emulator noticing.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, POLL_SECONDS))
