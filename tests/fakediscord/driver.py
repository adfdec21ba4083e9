"""The test vocabulary: set up the guild, act as its members, break the connection.

What the bot did in return is read through `Observer` (observe.py), which `Driver` includes.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import discord

from . import intents as gi
from .faults import RateLimiter, ScriptedError, path_pattern
from .interactions import InteractionRecord, InvocationError, modal_answers
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
from .observe import MessageLike, Observer
from .payloads import channel_payload, member_payload, role_payload
from .records import walk_components
from .server import FakeDiscord

UserLike = Member | User | str
"""A member or user object, or a member's name (created on first use)."""
ChannelLike = Channel | str
"""A channel object or a channel name (created on first use)."""

SELECT_TYPES = (3, 5, 6, 7, 8)
CAN_POST = discord.Permissions(view_channel=True, send_messages=True).value


class Driver(Observer):
    """Acts on a running FakeDiscord the way people on Discord would."""

    def __init__(self, server: FakeDiscord) -> None:
        super().__init__(server)
        self.default_member = self.member("member")
        """Who acts when a method's `user` is left out: a member with no roles."""

    # The guild ---------------------------------------------------------------------------

    @property
    def guild(self) -> Guild:
        return self.world.guild

    @property
    def bot_user(self) -> User:
        return self.world.bot

    def role(self, name: str, *, permissions: PermissionsLike | None = None,
             mentionable: bool = False) -> Role:
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
        self.server.gateway.dispatch(event, {"guild_id": str(self.guild.id), "role": role_payload(role)})
        return role

    def member(self, name: str, *, roles: Sequence[Role | str] | None = None,
               permissions: PermissionsLike | None = None, bot: bool = False,
               accepts_dms: bool = True) -> Member:
        """The member called `name`, created on first use.

        `roles` (objects or names; unknown names become plain roles) and `permissions` (given
        through a personal role) replace the member's roles when passed.
        """
        member = next((m for m in self.guild.members.values() if m.name == name), None)
        role_ids = None if roles is None else [self._role(r).id for r in roles]
        if permissions is not None:
            role_ids = (role_ids or []) + [self.role(f"{name} permissions", permissions=permissions).id]
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
        self.server.gateway.dispatch(event, {**member_payload(member), "guild_id": str(self.guild.id)})
        return member

    def channel(self, name: str = "general", *, topic: str | None = None,
                overwrites: Mapping[Role | Member, tuple[PermissionsLike, PermissionsLike]] | None = None,
                ) -> Channel:
        """The text channel called `name`, created on first use.

        `overwrites` maps a role or member to (allowed, denied) permissions in this channel.
        """
        channel = next((c for c in self.guild.channels.values() if c.name == name), None)
        if channel is not None:
            return channel
        table = {
            target.id: Overwrite(permission_bits(allow), permission_bits(deny), isinstance(target, Role))
            for target, (allow, deny) in (overwrites or {}).items()
        }
        channel = self.world.add_channel(self.guild, name, topic=topic, overwrites=table)
        self.server.gateway.dispatch("CHANNEL_CREATE", channel_payload(channel))
        return channel

    def dm_channel(self, user: UserLike) -> Channel:
        """The DM channel between the bot and `user`."""
        return self.world.dm_channel_for(self._user(user))

    def approve_intents(self, *, members: bool = True, presences: bool = True,
                        message_content: bool = True) -> None:
        """Which privileged intents the "developer portal" allows; others get close 4014."""
        self.server.gateway.approved_intents = (
            (gi.GUILD_MEMBERS if members else 0) | (gi.GUILD_PRESENCES if presences else 0)
            | (gi.MESSAGE_CONTENT if message_content else 0))

    # Members acting ----------------------------------------------------------------------

    async def say(self, user: UserLike, channel: ChannelLike, text: str, *,
                  mentions_bot: bool = False, attachments: Sequence[tuple[str, bytes]] = (),
                  reply_to: MessageLike | None = None) -> dict[str, Any]:
        """`user` posts `text` in `channel`; returns the message as Discord stored it."""
        author, where = self._user(user), self._channel(channel)
        if self.world.permissions(author, where) & CAN_POST != CAN_POST:
            raise InvocationError(f"{author.name} cannot send messages in #{where.name}")
        return self._post(author, where, text, mentions_bot, attachments, reply_to)

    async def dm(self, user: UserLike, text: str, *,
                 attachments: Sequence[tuple[str, bytes]] = ()) -> dict[str, Any]:
        """`user` sends the bot a direct message."""
        author = self._user(user)
        return self._post(author, self.world.dm_channel_for(author), text, False, attachments, None)

    async def edit(self, message: MessageLike, text: str) -> dict[str, Any]:
        """The author edits their message (MESSAGE_UPDATE)."""
        return copy.deepcopy(self.server.messages.edit(self._message(message), {"content": text}))

    async def delete(self, message: MessageLike) -> None:
        """The message is deleted (MESSAGE_DELETE)."""
        self.server.messages.delete(self._message(message))

    async def slash(self, name: str, *, user: UserLike | None = None,
                    channel: ChannelLike | None = None, subcommand: str | None = None,
                    options: Mapping[str, Any] | None = None, **more: Any) -> InteractionRecord:
        """Invoke a synced slash command. `subcommand` may be "group sub"; option values go in
        `**more` (or `options` when an option is called `user` or `channel`)."""
        return self.server.interactions.command(
            name, self._user(user), self._channel(channel), subcommand, {**(options or {}), **more})

    async def autocomplete(self, command: str, option: str, value: str, *,
                           subcommand: str | None = None, user: UserLike | None = None,
                           channel: ChannelLike | None = None, timeout: float = 5.0,
                           **others: Any) -> list[dict[str, Any]]:
        """Type `value` into `option`; returns the choices the bot offered."""
        ix = self.server.interactions.command(
            command, self._user(user), self._channel(channel), subcommand,
            {**others, option: value}, focused=option)
        return await self.notifier.wait_until(
            lambda: ix.choices, timeout=timeout,
            what=lambda: f"autocomplete choices for /{command} {option}={value!r}")

    async def click(self, message: MessageLike, label: str, *,
                    user: UserLike | None = None) -> InteractionRecord:
        """Click the button labelled `label` on the message (as it is now)."""
        payload = self._message(message)
        buttons = [c for c in walk_components(payload["components"]) if c["type"] == 2]
        button = next((b for b in buttons if b.get("label") == label), None)
        if button is None:
            raise InvocationError(f"no button {label!r}; buttons: {[b.get('label') for b in buttons]}")
        if button.get("disabled") or "custom_id" not in button:
            raise InvocationError(f"button {label!r} is disabled or a link")
        return self.server.interactions.component(payload, button, self._user(user), None)

    async def select(self, message: MessageLike, values: Sequence[str], *,
                     custom_id: str | None = None, user: UserLike | None = None) -> InteractionRecord:
        """Choose `values` in the message's select menu (the one with `custom_id`, if several)."""
        payload = self._message(message)
        menus = [c for c in walk_components(payload["components"]) if c["type"] in SELECT_TYPES
                 and custom_id in (None, c.get("custom_id"))]
        if len(menus) != 1:
            raise InvocationError(f"expected one select menu, found {len(menus)}")
        menu = menus[0]
        offered = [option["value"] for option in menu.get("options") or []]
        if menu["type"] == 3 and not set(values) <= set(offered):
            raise InvocationError(f"{list(values)} not among the options {offered}")
        if not menu.get("min_values", 1) <= len(values) <= menu.get("max_values", 1):
            raise InvocationError(f"{len(values)} values chosen, menu allows "
                                  f"{menu.get('min_values', 1)}-{menu.get('max_values', 1)}")
        return self.server.interactions.component(payload, menu, self._user(user), list(values))

    async def context_menu(self, name: str, target: MessageLike | Member | User, *,
                           user: UserLike | None = None,
                           channel: ChannelLike | None = None) -> InteractionRecord:
        """Run a message command on a message, or a user command on a member."""
        if isinstance(target, Member | User):
            return self.server.interactions.context_menu(
                name, target, self._user(user), self._channel(channel))
        payload = self._message(target)
        where = self.server.messages.channel_of(payload)
        return self.server.interactions.context_menu(name, copy.deepcopy(payload), self._user(user), where)

    async def submit_modal(self, modal: InteractionRecord, values: Mapping[str, Any], *,
                           user: UserLike | None = None) -> InteractionRecord:
        """Fill in and submit the modal the bot opened in answer to `modal` (the interaction).
        `values` are keyed by each field's label or custom_id."""
        shown = next((s for s in self.server.sent if s.interaction_id == modal.id
                      and s.response_type == 9), None)
        if shown is None:
            raise InvocationError("the bot did not open a modal for that interaction")
        remaining = dict(values)
        components = modal_answers(shown.payload.get("components") or [], remaining)
        if remaining:
            raise InvocationError(f"the modal has no fields {sorted(remaining)}")
        channel = self.world.channel(modal.channel_id)
        assert channel is not None
        message = None if modal.message_id is None else self.world.messages.get(modal.message_id)
        return self.server.interactions.modal_submit(
            shown.payload["custom_id"], components, self._user(user or modal.user), channel, message)

    # The connection and Discord's failures --------------------------------------------------

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's gateway connection with `code`; it should reconnect and RESUME."""
        await self.server.gateway.drop(code)

    async def abort_gateway(self) -> None:
        """Cut the bot's gateway TCP connection without a close frame."""
        self.server.gateway.abort()

    @contextlib.asynccontextmanager
    async def outage(self, *, abort: bool = False, code: int = 4000) -> AsyncIterator[None]:
        """Disconnect the bot and keep it out until the block ends; events dispatched inside
        are buffered and must reach the bot through RESUME."""
        self.server.gateway.hold()
        try:
            if abort:
                await self.abort_gateway()
            else:
                await self.drop_gateway(code)
            await self.notifier.wait_until(
                lambda: True if not self.server.gateway.connections else None,
                timeout=5.0, what=lambda: "the old gateway connection to close")
            yield
        finally:
            self.server.gateway.release()

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9); with resumable=False the bot must IDENTIFY again."""
        self.server.gateway.send_op(9, resumable)

    async def request_reconnect(self) -> None:
        """Send RECONNECT (op 7), as Discord does before moving a session."""
        self.server.gateway.send_op(7, None)

    def script_error(self, method: str, path: str, *, status: int = 429, retry_after: float = 0.2,
                     times: int = 1, code: int = 0, message: str = "",
                     is_global: bool = False) -> ScriptedError:
        """Answer the next `times` `method` requests to `path` (e.g. "/channels/{id}/messages")
        with `status`; a 429 carries Via and a JSON retry_after so discord.py retries it."""
        error = ScriptedError(method.upper(), path_pattern(path), status, times, retry_after,
                              code, message, is_global)
        self.server.faults.scripted.append(error)
        return error

    def rate_limit(self, *, limit: int = 5, window: float = 1.0) -> None:
        """Send X-RateLimit-* headers and answer 429 beyond `limit` requests per route per window."""
        self.server.faults.rate_limiter = RateLimiter(limit, window)

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

    def _post(self, author: User, channel: Channel, text: str, mentions_bot: bool,
              attachments: Sequence[tuple[str, bytes]], reply_to: MessageLike | None) -> dict[str, Any]:
        if mentions_bot and self.bot_user.mention not in text:
            text = f"{self.bot_user.mention} {text}"
        body: dict[str, Any] = {"content": text}
        if reply_to is not None:
            body["message_reference"] = {"message_id": self._message(reply_to)["id"]}
        message = self.server.messages.create(author=author, channel=channel, body=body,
                                              files=list(attachments))
        self.remember(message)
        return copy.deepcopy(message)

