"""The emulated Discord's objects: users, roles, members, channels, guilds, and ids.

Plain dataclasses, so tests can read and change them directly; `payloads.py` turns them into
the JSON shapes Discord sends. Entities compare by identity (eq=False) so they can be dict keys.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import discord

DISCORD_EPOCH_MS = 1_420_070_400_000

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4

ADMINISTRATOR = discord.Permissions.administrator.flag
ALL_PERMISSIONS = discord.Permissions.all().value

_T = TypeVar("_T")

PermissionsLike = int | Iterable[str] | discord.Permissions
"""Permissions as a bit field, a discord.Permissions, or flag names like "manage_messages"."""


def clone(value: _T) -> _T:
    """A deep copy of a JSON tree (dicts, lists, scalars); many times faster than deepcopy.

    Payloads are copied whenever they are stored, echoed or recorded, so that a later edit
    does not change what a test saw; under a flood this was most of the emulator's CPU.
    """
    return cast(_T, _copy_tree(value))


def _copy_tree(value: Any) -> Any:
    if type(value) is dict:
        return {key: _copy_tree(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy_tree(item) for item in value]
    return value


def permission_bits(value: PermissionsLike | None) -> int:
    """Turn any accepted permission spelling into Discord's integer bit field."""
    if value is None:
        return 0
    if isinstance(value, discord.Permissions):
        return value.value
    if isinstance(value, int):
        return value
    return discord.Permissions(**{name: True for name in value}).value


def iso_now() -> str:
    """Discord's timestamp format: ISO 8601 with an explicit UTC offset."""
    return datetime.now(UTC).isoformat()


class SnowflakeFactory:
    """Makes ids that look like Discord's: increasing, and carrying their creation time.

    discord.py derives `created_at` from the id, so ids must embed a sensible timestamp.
    """

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a new id, larger than every id returned before."""
        candidate = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (1 << 17)
        self._last = max(candidate, self._last + 1)
        return self._last


@dataclass(eq=False)
class User:
    """A Discord account: a member of the test guild, the bot itself, or anyone else."""

    id: int
    name: str
    bot: bool = False
    global_name: str | None = None
    accepts_dms: bool = True
    """False makes DMs to this user fail with 50007, as when someone has closed their DMs."""

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    """A guild role; the role whose id equals the guild id is @everyone."""

    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    mentionable: bool = False
    managed: bool = False
    hoist: bool = False
    color: int = 0

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass(eq=False)
class Member:
    """A user's membership in a guild."""

    user: User
    guild_id: int
    role_ids: list[int]
    joined_at: str = field(default_factory=iso_now)
    nick: str | None = None

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def mention(self) -> str:
        return self.user.mention


@dataclass
class Overwrite:
    """A channel permission overwrite for one role (or, with for_role=False, one member)."""

    allow: int = 0
    deny: int = 0
    for_role: bool = True


@dataclass(eq=False)
class Channel:
    """A guild text channel, category, or a DM channel (type 1, no guild)."""

    id: int
    name: str
    type: int = GUILD_TEXT
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    recipients: list[User] = field(default_factory=list)
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    last_message_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_dm(self) -> bool:
        return self.type == DM


@dataclass(eq=False)
class Guild:
    """A guild with its roles, members and channels, keyed by id."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def base_permissions(self, member: Member) -> int:
        """Guild-wide permissions: @everyone plus the member's roles; owner and admins get all."""
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        bits = self.everyone.permissions
        for role_id in member.role_ids:
            role = self.roles.get(role_id)
            if role is not None:
                bits |= role.permissions
        return ALL_PERMISSIONS if bits & ADMINISTRATOR else bits

    def permissions_in(self, member: Member, channel: Channel) -> int:
        """Discord's documented algorithm: base, then @everyone, role and member overwrites."""
        bits = self.base_permissions(member)
        if bits & ADMINISTRATOR:
            return bits
        everyone = channel.overwrites.get(self.id)
        if everyone is not None:
            bits = (bits & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.role_ids:
            overwrite = channel.overwrites.get(role_id)
            if overwrite is not None:
                allow, deny = allow | overwrite.allow, deny | overwrite.deny
        bits = (bits & ~deny) | allow
        own = channel.overwrites.get(member.id)
        if own is not None:
            bits = (bits & ~own.deny) | own.allow
        return bits
