"""The guild a test runs in: its roles, members and channels, made on first mention."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .controls import Controls
from .model import (
    Channel,
    Guild,
    Member,
    Overwrite,
    PermissionsLike,
    Role,
    User,
    permission_bits,
)
from .payloads import channel_payload, member_payload, role_payload
from .server import FakeDiscord

UserLike = Member | User | str
"""A member or user object, or a member's name (created on first use)."""
ChannelLike = Channel | str
"""A channel object or a channel name (created on first use)."""


class GuildSetup(Controls):
    """Creates and changes the guild's people and places, telling the bot as Discord would."""

    def __init__(self, server: FakeDiscord) -> None:
        super().__init__(server)
        self.default_member = self.member("member")
        """Who acts when a method's `user` is left out: a member with no roles."""

    @property
    def guild(self) -> Guild:
        return self.world.guild

    @property
    def bot_user(self) -> User:
        return self.world.bot

    def role(
        self, name: str, *, permissions: PermissionsLike | None = None, mentionable: bool = False
    ) -> Role:
        """The role called `name`, created (or its permissions updated) as needed."""
        role = next((r for r in self.guild.roles.values() if r.name == name), None)
        if role is None:
            role = self.world.add_role(self.guild, name, permission_bits(permissions))
            role.mentionable = mentionable
            event = "GUILD_ROLE_CREATE"
        elif permissions is not None:
            role.permissions = permission_bits(permissions)
            event = "GUILD_ROLE_UPDATE"
        else:
            return role
        self.server.gateway.dispatch(
            event, {"guild_id": str(self.guild.id), "role": role_payload(role)}
        )
        return role

    def member(
        self,
        name: str,
        *,
        roles: Sequence[Role | str] | None = None,
        permissions: PermissionsLike | None = None,
        bot: bool = False,
        accepts_dms: bool = True,
    ) -> Member:
        """The member called `name`, created on first use.

        `roles` (objects or names; unknown names become plain roles) and `permissions` (given
        through a personal role) replace the member's roles when passed.
        """
        member = next((m for m in self.guild.members.values() if m.name == name), None)
        role_ids = None if roles is None else [self._role(r).id for r in roles]
        if permissions is not None:
            role_ids = (role_ids or []) + [
                self.role(f"{name} permissions", permissions=permissions).id
            ]
        if member is None:
            user = self.world.add_user(name, bot=bot)
            user.accepts_dms = accepts_dms
            member = self.world.add_member(self.guild, user, role_ids)
            event = "GUILD_MEMBER_ADD"
        elif role_ids is not None:
            member.role_ids = role_ids
            event = "GUILD_MEMBER_UPDATE"
        else:
            return member
        data = {**member_payload(member), "guild_id": str(self.guild.id)}
        if event == "GUILD_MEMBER_UPDATE":
            data["avatar"] = None  # required (nullable) here, unlike in other member objects
        self.server.gateway.dispatch(event, data)
        return member

    def channel(
        self,
        name: str = "general",
        *,
        topic: str | None = None,
        overwrites: Mapping[Role | Member, tuple[PermissionsLike, PermissionsLike]] | None = None,
    ) -> Channel:
        """The text channel called `name`, created on first use.

        `overwrites` maps a role or member to (allowed, denied) permissions in this channel.
        """
        channel = next((c for c in self.guild.channels.values() if c.name == name), None)
        if channel is not None:
            return channel
        table = {
            target.id: Overwrite(
                permission_bits(allow), permission_bits(deny), isinstance(target, Role)
            )
            for target, (allow, deny) in (overwrites or {}).items()
        }
        channel = self.world.add_channel(self.guild, name, topic=topic, overwrites=table)
        self.server.gateway.dispatch("CHANNEL_CREATE", channel_payload(channel))
        return channel

    def dm_channel(self, user: UserLike) -> Channel:
        """The DM channel between the bot and `user`."""
        return self.world.dm_channel_for(self._user(user))

    # Resolving arguments -------------------------------------------------------------------

    def _user(self, who: UserLike | None) -> User:
        if who is None:
            return self.default_member.user
        if isinstance(who, str):
            return self.member(who).user
        return who.user if isinstance(who, Member) else who

    def _channel(self, where: ChannelLike | None) -> Channel:
        if where is None:
            return self.channel()
        return self.channel(where) if isinstance(where, str) else where

    def _role(self, role: Role | str) -> Role:
        return self.role(role) if isinstance(role, str) else role
