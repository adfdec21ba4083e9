"""Building INTERACTION_CREATE payloads the way a Discord client would trigger them.

Slash commands and context menus are looked up in what the bot synced, and options are typed
by the synced schema, so a test cannot invoke something a real user could not.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import ADMINISTRATOR, Channel, Member, User, clone
from .payloads import ATTACHMENT_SIZE_LIMIT, Payload, channel_payload, member_payload, user_payload
from .user_input import CommandInput, InvocationError

__all__ = ["InteractionFactory", "InteractionRecord", "InvocationError"]

if TYPE_CHECKING:
    from .server import FakeDiscord

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3


@dataclass
class InteractionRecord:
    """An interaction the emulator sent, and how the bot has answered it so far."""

    id: int
    token: str
    type: int
    payload: Payload
    channel_id: int
    user: User
    created_at: float
    name: str | None = None
    command_type: int | None = None
    message_id: int | None = None
    """For component clicks: the message holding the component."""
    response_type: int | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    """For autocomplete: the choices the bot returned."""

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None


class InteractionFactory:
    """Makes interaction payloads, registers them, and dispatches INTERACTION_CREATE."""

    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.world = server.world
        self.by_id: dict[int, InteractionRecord] = {}
        self.by_token: dict[str, InteractionRecord] = {}

    def command(
        self,
        name: str,
        user: User,
        channel: Channel,
        subcommand: str | None,
        values: dict[str, Any],
        *,
        focused: str | None = None,
    ) -> InteractionRecord:
        """A slash command, or with `focused` an autocomplete request for that option."""
        command = self._synced(name, CHAT_INPUT, user, channel)
        typed = CommandInput(self.server, channel)
        options = typed.options(command, subcommand, values, focused)
        data = self._command_data(command, options, typed.resolved)
        kind = AUTOCOMPLETE if focused else APPLICATION_COMMAND
        return self._send(kind, data, user, channel, name=name, command_type=CHAT_INPUT)

    def context_menu(
        self, name: str, target: Payload | Member | User, user: User, channel: Channel
    ) -> InteractionRecord:
        """A message command (target is a message payload) or a user command (a member/user)."""
        typed = CommandInput(self.server, channel)
        if isinstance(target, dict):
            command_type, target_id = MESSAGE_COMMAND, target["id"]
            typed.resolved["messages"] = {target["id"]: clone(target)}
        else:
            command_type, target_id = USER_COMMAND, str(target.id)
            typed.resolve_user(target)
        command = self._synced(name, command_type, user, channel)
        data = {**self._command_data(command, [], typed.resolved), "target_id": target_id}
        return self._send(
            APPLICATION_COMMAND, data, user, channel, name=name, command_type=command_type
        )

    def component(
        self, message: Payload, component: dict[str, Any], user: User, values: list[str] | None
    ) -> InteractionRecord:
        """A button click (values None) or a select menu choice."""
        channel = self.server.messages.channel_of(message)
        data: dict[str, Any] = {
            "custom_id": component["custom_id"],
            "component_type": component["type"],
        }
        if values is not None:
            data["values"] = values
        return self._send(MESSAGE_COMPONENT, data, user, channel, message=message)

    def modal_submit(
        self,
        custom_id: str,
        components: list[dict[str, Any]],
        user: User,
        channel: Channel,
        message: Payload | None,
    ) -> InteractionRecord:
        """Submitting a modal the bot opened; `components` mirror the modal's layout."""
        data = {"custom_id": custom_id, "components": components}
        return self._send(MODAL_SUBMIT, data, user, channel, message=message)

    # Building blocks -------------------------------------------------------------------------

    def _synced(self, name: str, command_type: int, user: User, channel: Channel) -> dict[str, Any]:
        command = self.world.commands.find(name, command_type, channel.guild_id)
        if command is None:
            synced = sorted(n for n, _ in self.world.commands.global_commands)
            raise InvocationError(
                f"command {name!r} (type {command_type}) was never synced; "
                f"global commands: {synced}"
            )
        if channel.is_dm and (
            "guild_id" in command
            or command.get("dm_permission") is False
            or 1 not in (command.get("contexts") or [0, 1, 2])
        ):
            raise InvocationError(f"command {name!r} is not available in DMs")
        required = command.get("default_member_permissions")
        if (
            not channel.is_dm
            and required is not None
            and not _may_use(self.world.permissions(user, channel), int(required))
        ):
            raise InvocationError(
                f"{user.name} cannot see {name!r}: it needs permissions "
                f"{required} (default_member_permissions)"
            )
        return command

    def _command_data(
        self, command: dict[str, Any], options: list[Any], resolved: dict[str, Any]
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": command["id"],
            "name": command["name"],
            "type": command["type"],
        }
        if options:
            data["options"] = options
        if resolved:
            data["resolved"] = resolved
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return data

    def _send(
        self,
        kind: int,
        data: dict[str, Any],
        user: User,
        channel: Channel,
        *,
        message: Payload | None = None,
        name: str | None = None,
        command_type: int | None = None,
    ) -> InteractionRecord:
        world = self.world
        guild = world.guild_of(channel)
        perms = world.permissions(user, channel)
        payload: Payload = {
            "id": str(world.ids.next()),
            "application_id": str(world.application_id),
            "type": kind,
            "data": data,
            "token": world.new_token(),
            "version": 1,
            "channel_id": str(channel.id),
            "channel": {**channel_payload(channel), "permissions": str(perms)},
            "app_permissions": str(world.permissions(world.bot, channel)),
            "locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            # Guild installs: the guild id, or "0" in the bot's DMs (as documented).
            "authorizing_integration_owners": {"0": str(guild.id) if guild else "0"},
            "context": 0 if guild else 1,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        member = world.member_of(channel, user)
        if guild is not None and member is not None:
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = member_payload(member, permissions=perms)
        else:
            payload["user"] = user_payload(user)
        if message is not None:
            payload["message"] = clone(message)
        record = InteractionRecord(
            id=int(payload["id"]),
            token=payload["token"],
            type=kind,
            payload=payload,
            channel_id=channel.id,
            user=user,
            created_at=asyncio.get_running_loop().time(),
            name=name,
            command_type=command_type,
            message_id=None if message is None else int(message["id"]),
        )
        self.by_id[record.id] = record
        self.by_token[record.token] = record
        self.server.gateway.dispatch("INTERACTION_CREATE", payload)
        return record


def _may_use(have: int, required: int) -> bool:
    """default_member_permissions: "0" means administrators only."""
    if have & ADMINISTRATOR:
        return True
    return required != 0 and have & required == required
