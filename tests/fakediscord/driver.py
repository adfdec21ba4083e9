"""The test vocabulary: members of the guild talking, clicking and using commands.

The layers below: `GuildSetup` (guildsetup.py) makes the people and places, `Controls`
(controls.py) is Discord's side (outages, errors), `Observer` (observe.py) reads what the bot did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import discord

from .guildsetup import ChannelLike, GuildSetup, UserLike
from .interactions import InteractionRecord
from .model import Channel, Member, User, clone
from .observe import MessageLike
from .records import walk_components
from .user_input import InvocationError, modal_answers

SELECT_TYPES = (3, 5, 6, 7, 8)
CAN_POST = discord.Permissions(view_channel=True, send_messages=True).value


class Driver(GuildSetup):
    """Acts on a running FakeDiscord the way people on Discord would."""

    async def say(
        self,
        user: UserLike,
        channel: ChannelLike,
        text: str,
        *,
        mentions_bot: bool = False,
        attachments: Sequence[tuple[str, bytes]] = (),
        reply_to: MessageLike | None = None,
    ) -> dict[str, Any]:
        """`user` posts `text` in `channel`; returns the message as Discord stored it."""
        author, where = self._user(user), self._channel(channel)
        if self.world.permissions(author, where) & CAN_POST != CAN_POST:
            raise InvocationError(f"{author.name} cannot send messages in #{where.name}")
        return self._post(author, where, text, mentions_bot, attachments, reply_to)

    async def dm(
        self, user: UserLike, text: str, *, attachments: Sequence[tuple[str, bytes]] = ()
    ) -> dict[str, Any]:
        """`user` sends the bot a direct message."""
        author = self._user(user)
        return self._post(author, self.world.dm_channel_for(author), text, False, attachments, None)

    async def edit(self, message: MessageLike, text: str) -> dict[str, Any]:
        """The author edits their message (MESSAGE_UPDATE)."""
        return clone(self.server.messages.edit(self._message(message), {"content": text}))

    async def delete(self, message: MessageLike) -> None:
        """The message is deleted (MESSAGE_DELETE)."""
        self.server.messages.delete(self._message(message))

    async def slash(
        self,
        name: str,
        *,
        user: UserLike | None = None,
        channel: ChannelLike | None = None,
        subcommand: str | None = None,
        options: Mapping[str, Any] | None = None,
        **more: Any,
    ) -> InteractionRecord:
        """Invoke a synced slash command. `subcommand` may be "group sub"; option values go in
        `**more` (or `options` when an option is called `user` or `channel`)."""
        return self.server.interactions.command(
            name, self._user(user), self._channel(channel), subcommand, {**(options or {}), **more}
        )

    async def autocomplete(
        self,
        command: str,
        option: str,
        value: str,
        *,
        subcommand: str | None = None,
        user: UserLike | None = None,
        channel: ChannelLike | None = None,
        timeout: float = 5.0,
        **others: Any,
    ) -> list[dict[str, Any]]:
        """Type `value` into `option`; returns the choices the bot offered."""
        ix = self.server.interactions.command(
            command,
            self._user(user),
            self._channel(channel),
            subcommand,
            {**others, option: value},
            focused=option,
        )
        return await self.notifier.wait_until(
            lambda: ix.choices,
            timeout=timeout,
            what=lambda: f"autocomplete choices for /{command} {option}={value!r}",
        )

    async def click(
        self, message: MessageLike, label: str, *, user: UserLike | None = None
    ) -> InteractionRecord:
        """Click the button labelled `label` on the message (as it is now)."""
        payload = self._message(message)
        buttons = [c for c in walk_components(payload["components"]) if c["type"] == 2]
        button = next((b for b in buttons if b.get("label") == label), None)
        if button is None:
            raise InvocationError(
                f"no button {label!r}; buttons: {[b.get('label') for b in buttons]}"
            )
        if button.get("disabled") or "custom_id" not in button:
            raise InvocationError(f"button {label!r} is disabled or a link")
        return self.server.interactions.component(payload, button, self._user(user), None)

    async def select(
        self,
        message: MessageLike,
        values: Sequence[str],
        *,
        custom_id: str | None = None,
        user: UserLike | None = None,
    ) -> InteractionRecord:
        """Choose `values` in the message's select menu (the one with `custom_id`, if several)."""
        payload = self._message(message)
        menus = [
            c
            for c in walk_components(payload["components"])
            if c["type"] in SELECT_TYPES and custom_id in (None, c.get("custom_id"))
        ]
        if len(menus) != 1:
            raise InvocationError(f"expected one select menu, found {len(menus)}")
        menu = menus[0]
        offered = [option["value"] for option in menu.get("options") or []]
        if menu["type"] == 3 and not set(values) <= set(offered):
            raise InvocationError(f"{list(values)} not among the options {offered}")
        if not menu.get("min_values", 1) <= len(values) <= menu.get("max_values", 1):
            raise InvocationError(
                f"{len(values)} values chosen, menu allows "
                f"{menu.get('min_values', 1)}-{menu.get('max_values', 1)}"
            )
        return self.server.interactions.component(payload, menu, self._user(user), list(values))

    async def context_menu(
        self,
        name: str,
        target: MessageLike | Member | User,
        *,
        user: UserLike | None = None,
        channel: ChannelLike | None = None,
    ) -> InteractionRecord:
        """Run a message command on a message, or a user command on a member."""
        if isinstance(target, Member | User):
            return self.server.interactions.context_menu(
                name, target, self._user(user), self._channel(channel)
            )
        payload = self._message(target)
        where = self.server.messages.channel_of(payload)
        return self.server.interactions.context_menu(
            name, clone(payload), self._user(user), where
        )

    async def submit_modal(
        self, modal: InteractionRecord, values: Mapping[str, Any], *, user: UserLike | None = None
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot opened in answer to `modal` (the interaction).
        `values` are keyed by each field's label or custom_id."""
        shown = next(
            (s for s in self.server.sent if s.interaction_id == modal.id and s.response_type == 9),
            None,
        )
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
            shown.payload["custom_id"], components, self._user(user or modal.user), channel, message
        )

    def _post(
        self,
        author: User,
        channel: Channel,
        text: str,
        mentions_bot: bool,
        attachments: Sequence[tuple[str, bytes]],
        reply_to: MessageLike | None,
    ) -> dict[str, Any]:
        if mentions_bot and self.bot_user.mention not in text:
            text = f"{self.bot_user.mention} {text}"
        body: dict[str, Any] = {"content": text}
        if reply_to is not None:
            body["message_reference"] = {"message_id": self._message(reply_to)["id"]}
        message = self.server.messages.create(
            author=author, channel=channel, body=body, files=list(attachments)
        )
        self.remember(message)
        return clone(message)
