"""Creating, editing and deleting messages: storage, gateway echo, and the `sent` record.

REST routes, interaction callbacks and the test driver all go through here, so a message looks
the same however it was made, and every bot message is echoed back as Discord does.

A stored message is only ever changed by replacing its top-level keys (never inside a nested
object), so a shallow copy is a snapshot: echoes, references and the `sent` record take one
instead of a deep copy, which under a flood was most of the emulator's CPU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .httputil import ApiError, invalid_form
from .mentions import pings
from .model import Channel, User, iso_now
from .payloads import Payload, attachment_payload, member_payload, message_payload
from .records import EPHEMERAL, LOADING, Sent, SentKind

if TYPE_CHECKING:
    from .server import FakeDiscord

REPLY = 19
SUPPRESS_EMBEDS = 1 << 2
COMPONENTS_V2 = 1 << 15
EDITABLE_FLAGS = SUPPRESS_EMBEDS | COMPONENTS_V2  # the only flags an edit may change
EDITABLE_FIELDS = ("content", "embeds", "components", "poll")


class MessageService:
    """The one place messages are made and changed."""

    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.world = server.world

    def create(
        self,
        *,
        author: User,
        channel: Channel,
        body: dict[str, Any],
        files: list[tuple[str, bytes]] | None = None,
        message_type: int = 0,
        extra_flags: int = 0,
        **extra: Any,
    ) -> Payload:
        """Store a new message and echo it as MESSAGE_CREATE unless it is ephemeral."""
        flags = (body.get("flags") or 0) | extra_flags
        payload = message_payload(
            self.world,
            author=author,
            channel=channel,
            content=body.get("content") or "",
            message_type=message_type,
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            flags=flags,
            attachments=[self.store_attachment(name, data) for name, data in files or []],
            **extra,
        )
        reference = body.get("message_reference")
        if reference:
            self._attach_reference(payload, channel, reference)
        if "allowed_mentions" in body or author.bot:
            # Discord lists only users who are actually mentioned under allowed_mentions.
            allowed = pings(payload["content"], body.get("allowed_mentions"))
            payload["mentions"] = [m for m in payload["mentions"] if int(m["id"]) in allowed.users]
        self.world.messages[int(payload["id"])] = payload
        channel.last_message_id = int(payload["id"])
        if not flags & EPHEMERAL:
            self._dispatch("MESSAGE_CREATE", payload, channel)
        return payload

    def edit(
        self, message: Payload, body: dict[str, Any], files: list[tuple[str, bytes]] | None = None
    ) -> Payload:
        """Apply an edit body (absent keys stay as they are) and echo MESSAGE_UPDATE."""
        for key in EDITABLE_FIELDS:
            if key in body:
                message[key] = (
                    body[key] if body[key] is not None else ("" if key == "content" else [])
                )
        if "flags" in body and body["flags"] is not None:
            kept = message["flags"] & ~EDITABLE_FLAGS
            message["flags"] = kept | (body["flags"] & EDITABLE_FLAGS)
        if "attachments" in body or files:
            keep = {str(a.get("id")) for a in body.get("attachments") or []}
            message["attachments"] = [a for a in message["attachments"] if a["id"] in keep]
            message["attachments"] += [self.store_attachment(n, d) for n, d in files or []]
        message["flags"] &= ~LOADING
        message["edited_timestamp"] = iso_now()
        channel = self.channel_of(message)
        if not message["flags"] & EPHEMERAL:
            self._dispatch("MESSAGE_UPDATE", message, channel)
        return message

    def delete(self, message: Payload) -> None:
        """Remove a message and echo MESSAGE_DELETE."""
        self.world.messages.pop(int(message["id"]), None)
        if message["flags"] & EPHEMERAL:
            return
        event = {"id": message["id"], "channel_id": message["channel_id"]}
        if "guild_id" in message:
            event["guild_id"] = message["guild_id"]
        self.server.gateway.dispatch("MESSAGE_DELETE", event)

    def get(self, message_id: int | str, channel_id: int | None = None) -> Payload:
        """A stored message, or Discord's 10008 Unknown Message."""
        message = self.world.messages.get(int(message_id))
        if message is None or (channel_id is not None and int(message["channel_id"]) != channel_id):
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def channel_of(self, message: Payload) -> Channel:
        """The channel a stored message is in."""
        channel = self.world.channel(int(message["channel_id"]))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    def store_attachment(self, filename: str, data: bytes) -> Payload:
        """Keep an uploaded file and describe it as an attachment the emulator serves."""
        attachment_id = self.world.ids.next()
        self.world.attachments[attachment_id] = data
        return attachment_payload(self.server.base_url, attachment_id, filename, len(data))

    def record(
        self,
        kind: SentKind,
        body: dict[str, Any],
        message: Payload | None,
        *,
        channel_id: int | None = None,
        files: list[tuple[str, bytes]] | None = None,
        interaction_id: int | None = None,
        response_type: int | None = None,
    ) -> Sent:
        """Add one entry to `server.sent` (what the bot posted) and wake waiters."""
        flags = message["flags"] if message is not None else body.get("flags") or 0
        if message is not None:
            channel_id = int(message["channel_id"])
        sent = Sent(
            kind=kind,
            channel_id=channel_id,
            message_id=None if message is None else int(message["id"]),
            content=body.get("content"),
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            allowed_mentions=body.get("allowed_mentions"),
            flags=flags,
            message_reference=body.get("message_reference"),
            interaction_id=interaction_id,
            response_type=response_type,
            payload=dict(body),
            message=None if message is None else dict(message),
            files=list(files or []),
        )
        self.server.sent.append(sent)
        self.server.notifier.notify()
        return sent

    def _attach_reference(
        self, payload: Payload, channel: Channel, reference: dict[str, Any]
    ) -> None:
        referenced = self.world.messages.get(int(reference.get("message_id") or 0))
        if referenced is None:
            if reference.get("fail_if_not_exists", True):
                raise invalid_form(
                    [("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")]
                )
            return
        payload["message_reference"] = {
            "type": reference.get("type", 0),
            "message_id": referenced["id"],
            "channel_id": referenced["channel_id"],
            **({"guild_id": referenced["guild_id"]} if "guild_id" in referenced else {}),
        }
        payload["referenced_message"] = dict(referenced)
        if payload["type"] == 0:
            payload["type"] = REPLY

    def _dispatch(self, event: str, message: Payload, channel: Channel) -> None:
        """Echo a message; in guilds the gateway adds the author's member object."""
        data = dict(message)
        author = self.world.users.get(int(message["author"]["id"]))
        member = None if author is None else self.world.member_of(channel, author)
        if member is not None:
            data["member"] = member_payload(member, with_user=False)
        self.server.gateway.dispatch(event, data)
