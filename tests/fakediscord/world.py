"""Everything the emulated Discord knows: users, the guild, channels, messages, commands."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import discord

from .model import (
    DM,
    GUILD_TEXT,
    Channel,
    Guild,
    Member,
    Overwrite,
    Role,
    SnowflakeFactory,
    User,
)

# What a freshly invited bot can usually do: read, talk, embed, react, use threads.
DEFAULT_BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
).value

# @everyone on a new guild: read and talk, nothing that moderates.
DEFAULT_EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    add_reactions=True,
    use_application_commands=True,
).value

CommandKey = tuple[str, int]
"""Application commands are unique by (name, type) within a scope."""


@dataclass
class CommandStore:
    """Synced application commands: the global ones and each guild's, as Discord returned them."""

    global_commands: dict[CommandKey, dict[str, Any]] = field(default_factory=dict)
    guild_commands: dict[int, dict[CommandKey, dict[str, Any]]] = field(default_factory=dict)
    global_puts: int = 0
    guild_puts: dict[int, int] = field(default_factory=dict)

    def scope(self, guild_id: int | None) -> dict[CommandKey, dict[str, Any]]:
        """The command table for a guild, or the global one for None."""
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, {})

    def find(self, name: str, command_type: int, guild_id: int | None) -> dict[str, Any] | None:
        """The command a user in `guild_id` would see: the guild's own first, then the global."""
        key = (name, command_type)
        if guild_id is not None and key in self.guild_commands.get(guild_id, {}):
            return self.guild_commands[guild_id][key]
        return self.global_commands.get(key)

    @property
    def puts(self) -> int:
        """Every bulk overwrite so far, global and guild."""
        return self.global_puts + sum(self.guild_puts.values())


class World:
    """The state behind the REST API and the gateway. Tests change it through the driver."""

    def __init__(self) -> None:
        self.ids = SnowflakeFactory()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.dm_channels: dict[int, Channel] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.attachments: dict[int, bytes] = {}
        self.commands = CommandStore()
        self.application_id = self.ids.next()
        self.bot = self.add_user("FakeBot", bot=True, user_id=self.application_id)
        self.app_owner = self.add_user("app-owner")
        self.guild = self._make_default_guild()

    def _make_default_guild(self) -> Guild:
        owner = self.add_user("guild-owner")
        guild = Guild(id=self.ids.next(), name="Test Guild", owner_id=owner.id)
        self.guilds[guild.id] = guild
        guild.roles[guild.id] = Role(
            id=guild.id,
            guild_id=guild.id,
            name="@everyone",
            permissions=DEFAULT_EVERYONE_PERMISSIONS,
        )
        bot_role = self.add_role(guild, self.bot.name, DEFAULT_BOT_PERMISSIONS)
        bot_role.managed = True
        self.add_member(guild, owner)
        self.add_member(guild, self.bot, [bot_role.id])
        self.add_channel(guild, "general")
        return guild

    def add_user(self, name: str, *, bot: bool = False, user_id: int | None = None) -> User:
        """Create a user; guild membership is separate (`add_member`)."""
        user = User(id=user_id or self.ids.next(), name=name, bot=bot)
        self.users[user.id] = user
        return user

    def add_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        """Create a role ranked above the existing ones."""
        role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            permissions=permissions,
            position=len(guild.roles),
        )
        guild.roles[role.id] = role
        return role

    def add_member(self, guild: Guild, user: User, role_ids: list[int] | None = None) -> Member:
        """Make `user` a member of `guild`."""
        member = Member(user=user, guild_id=guild.id, role_ids=list(role_ids or []))
        guild.members[user.id] = member
        return member

    def add_channel(
        self,
        guild: Guild,
        name: str,
        *,
        channel_type: int = GUILD_TEXT,
        topic: str | None = None,
        overwrites: dict[int, Overwrite] | None = None,
    ) -> Channel:
        """Create a guild channel at the end of the channel list."""
        channel = Channel(
            id=self.ids.next(),
            name=name,
            type=channel_type,
            guild_id=guild.id,
            position=len(guild.channels),
            topic=topic,
            overwrites=dict(overwrites or {}),
        )
        guild.channels[channel.id] = channel
        return channel

    def dm_channel_for(self, user: User) -> Channel:
        """The DM channel between the bot and `user`, created on first use like Discord's."""
        for channel in self.dm_channels.values():
            if channel.recipients and channel.recipients[0].id == user.id:
                return channel
        channel = Channel(id=self.ids.next(), name="", type=DM, recipients=[user])
        self.dm_channels[channel.id] = channel
        return channel

    def channel(self, channel_id: int) -> Channel | None:
        """Find a guild or DM channel by id."""
        if channel_id in self.dm_channels:
            return self.dm_channels[channel_id]
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        return None

    def guild_of(self, channel: Channel) -> Guild | None:
        """The channel's guild, or None for DMs."""
        return None if channel.guild_id is None else self.guilds.get(channel.guild_id)

    def member_of(self, channel: Channel, user: User) -> Member | None:
        """`user`'s membership in the channel's guild, or None in DMs."""
        guild = self.guild_of(channel)
        return None if guild is None else guild.members.get(user.id)

    def permissions(self, user: User, channel: Channel) -> int:
        """What `user` may do in `channel`; in DMs, everything a DM allows."""
        guild = self.guild_of(channel)
        member = self.member_of(channel, user)
        if guild is None or member is None:
            return discord.Permissions._dm_permissions().value
        return guild.permissions_in(member, channel)

    def new_token(self) -> str:
        """An opaque interaction token."""
        return "fake-" + secrets.token_urlsafe(24)
