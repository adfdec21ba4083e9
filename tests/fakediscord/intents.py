"""Gateway intents: which events a session receives, and message-content blanking."""

from __future__ import annotations

from typing import Any

from .model import clone

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
GUILD_MESSAGE_TYPING = 1 << 11
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
DIRECT_MESSAGE_TYPING = 1 << 14
MESSAGE_CONTENT = 1 << 15

PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
"""Intents a bot must be approved for in the developer portal (else close code 4014)."""

# Which intent gates an event: (in a guild, in a DM). Events not listed are always sent.
_GATES: dict[str, tuple[int, int]] = {
    "GUILD_CREATE": (GUILDS, GUILDS),
    "GUILD_UPDATE": (GUILDS, GUILDS),
    "GUILD_ROLE_CREATE": (GUILDS, GUILDS),
    "GUILD_ROLE_UPDATE": (GUILDS, GUILDS),
    "GUILD_ROLE_DELETE": (GUILDS, GUILDS),
    "CHANNEL_CREATE": (GUILDS, GUILDS),
    "CHANNEL_UPDATE": (GUILDS, GUILDS),
    "CHANNEL_DELETE": (GUILDS, GUILDS),
    "GUILD_MEMBER_ADD": (GUILD_MEMBERS, GUILD_MEMBERS),
    "GUILD_MEMBER_UPDATE": (GUILD_MEMBERS, GUILD_MEMBERS),
    "GUILD_MEMBER_REMOVE": (GUILD_MEMBERS, GUILD_MEMBERS),
    "MESSAGE_CREATE": (GUILD_MESSAGES, DIRECT_MESSAGES),
    "MESSAGE_UPDATE": (GUILD_MESSAGES, DIRECT_MESSAGES),
    "MESSAGE_DELETE": (GUILD_MESSAGES, DIRECT_MESSAGES),
    "MESSAGE_REACTION_ADD": (GUILD_MESSAGE_REACTIONS, DIRECT_MESSAGE_REACTIONS),
    "MESSAGE_REACTION_REMOVE": (GUILD_MESSAGE_REACTIONS, DIRECT_MESSAGE_REACTIONS),
    "TYPING_START": (GUILD_MESSAGE_TYPING, DIRECT_MESSAGE_TYPING),
}

# What Discord empties when the message-content intent is missing.
_CONTENT_FIELDS: dict[str, Any] = {"content": "", "embeds": [], "attachments": [], "components": []}


def event_for_session(
    intents: int, event: str, data: dict[str, Any], bot_id: int
) -> dict[str, Any] | None:
    """The event as a session with `intents` receives it, or None if it is not delivered."""
    gate = _GATES.get(event)
    if gate is not None:
        in_dm = "guild_id" not in data and event != "GUILD_CREATE"
        if not intents & gate[1 if in_dm else 0]:
            return None
    if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and _content_hidden(intents, data, bot_id):
        data = clone(data)
        data.update(clone(_CONTENT_FIELDS))
        data.pop("poll", None)
    return data


def _content_hidden(intents: int, message: dict[str, Any], bot_id: int) -> bool:
    """Discord hides content unless the intent is granted, it is a DM, the bot wrote it,
    or the bot is mentioned."""
    if intents & MESSAGE_CONTENT or "guild_id" not in message:
        return False
    if int(message.get("author", {}).get("id", 0)) == bot_id:
        return False
    return not any(int(user["id"]) == bot_id for user in message.get("mentions", []))
