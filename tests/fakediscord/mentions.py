"""Mentions in message content, and who a message would actually notify."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(everyone|here)\b")


def mentioned_user_ids(content: str) -> list[int]:
    """User ids written as <@id> or <@!id>, in order, without repeats."""
    return list(dict.fromkeys(int(match) for match in USER_MENTION.findall(content)))


def mentioned_role_ids(content: str) -> list[int]:
    """Role ids written as <@&id>, in order, without repeats."""
    return list(dict.fromkeys(int(match) for match in ROLE_MENTION.findall(content)))


@dataclass(frozen=True)
class Pings:
    """Who a message notifies. Empty (falsy) means nobody gets pinged."""

    users: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[int] = field(default_factory=frozenset)
    everyone: bool = False
    replied_user: bool = False

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.everyone or self.replied_user)


def pings(
    content: str | None,
    allowed_mentions: Mapping[str, Any] | None,
    *,
    is_reply: bool = False,
) -> Pings:
    """Apply Discord's allowed_mentions rules to `content`.

    With no allowed_mentions Discord parses everything, and a reply pings its author. This is
    deliberately conservative: it ignores whether a role is mentionable or the author may use
    @everyone, so a test asserting "nothing pings" cannot pass by luck of permissions.
    """
    text = content or ""
    users = mentioned_user_ids(text)
    roles = mentioned_role_ids(text)
    everyone = bool(EVERYONE_MENTION.search(text))
    if allowed_mentions is None:
        return Pings(frozenset(users), frozenset(roles), everyone, is_reply)
    parse = set(allowed_mentions.get("parse") or [])
    allowed_users = {int(user_id) for user_id in allowed_mentions.get("users") or []}
    allowed_roles = {int(role_id) for role_id in allowed_mentions.get("roles") or []}
    return Pings(
        users=frozenset(u for u in users if "users" in parse or u in allowed_users),
        roles=frozenset(r for r in roles if "roles" in parse or r in allowed_roles),
        everyone=everyone and "everyone" in parse,
        replied_user=is_reply and bool(allowed_mentions.get("replied_user", False)),
    )
