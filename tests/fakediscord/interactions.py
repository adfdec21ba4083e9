"""Building INTERACTION_CREATE payloads the way a Discord client would trigger them.

Slash commands and context menus are looked up in what the bot synced, and options are typed
by the synced schema, so a test cannot invoke something a real user could not.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import ADMINISTRATOR, Channel, Member, Role, User
from .payloads import (
    ATTACHMENT_SIZE_LIMIT,
    Payload,
    channel_payload,
    member_payload,
    role_payload,
    user_payload,
)

if TYPE_CHECKING:
    from .server import FakeDiscord

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
SUBCOMMAND_TYPES = (1, 2)


class InvocationError(AssertionError):
    """The test asked for something a Discord user could not do (unsynced command, bad option)."""


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
        self, name: str, user: User, channel: Channel, subcommand: str | None,
        values: dict[str, Any], *, focused: str | None = None,
    ) -> InteractionRecord:
        """A slash command, or with `focused` an autocomplete request for that option."""
        command = self._synced(name, CHAT_INPUT, user, channel)
        resolved: dict[str, dict[str, Any]] = {}
        options = self._options(command, subcommand, values, channel, resolved, focused)
        data = self._command_data(command, options, resolved)
        kind = AUTOCOMPLETE if focused else APPLICATION_COMMAND
        return self._send(kind, data, user, channel, name=name, command_type=CHAT_INPUT)

    def context_menu(
        self, name: str, target: Payload | Member | User, user: User, channel: Channel
    ) -> InteractionRecord:
        """A message command (target is a message payload) or a user command (a member/user)."""
        resolved: dict[str, dict[str, Any]] = {}
        if isinstance(target, dict):
            command_type, target_id = MESSAGE_COMMAND, target["id"]
            resolved["messages"] = {target["id"]: copy.deepcopy(target)}
        else:
            command_type, target_id = USER_COMMAND, str(target.id)
            self._resolve_user(target, channel, resolved)
        command = self._synced(name, command_type, user, channel)
        data = {**self._command_data(command, [], resolved), "target_id": target_id}
        return self._send(APPLICATION_COMMAND, data, user, channel, name=name, command_type=command_type)

    def component(
        self, message: Payload, component: dict[str, Any], user: User, values: list[str] | None
    ) -> InteractionRecord:
        """A button click (values None) or a select menu choice."""
        channel = self.server.messages.channel_of(message)
        data: dict[str, Any] = {"custom_id": component["custom_id"], "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        return self._send(MESSAGE_COMPONENT, data, user, channel, message=message)

    def modal_submit(
        self, custom_id: str, components: list[dict[str, Any]], user: User, channel: Channel,
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
            raise InvocationError(f"command {name!r} (type {command_type}) was never synced; "
                                  f"global commands: {synced}")
        if channel.is_dm and ("guild_id" in command or command.get("dm_permission") is False
                              or 1 not in (command.get("contexts") or [0, 1, 2])):
            raise InvocationError(f"command {name!r} is not available in DMs")
        required = command.get("default_member_permissions")
        have = self.world.permissions(user, channel)
        if not channel.is_dm and required is not None and not have & ADMINISTRATOR:
            if have & int(required) != int(required) or int(required) == 0:
                raise InvocationError(f"{user.name} cannot see {name!r}: it needs permissions "
                                      f"{required} (default_member_permissions)")
        return command

    def _command_data(self, command: dict[str, Any], options: list[Any],
                      resolved: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": command["type"]}
        if options:
            data["options"] = options
        if resolved:
            data["resolved"] = resolved
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return data

    def _options(
        self, command: dict[str, Any], subcommand: str | None, values: dict[str, Any],
        channel: Channel, resolved: dict[str, dict[str, Any]], focused: str | None,
    ) -> list[dict[str, Any]]:
        schema: list[dict[str, Any]] = command.get("options") or []
        chain: list[dict[str, Any]] = []
        for part in (subcommand or "").split():
            found = next((o for o in schema if o["name"] == part and o["type"] in SUBCOMMAND_TYPES), None)
            if found is None:
                raise InvocationError(f"/{command['name']} has no subcommand {part!r}")
            chain.append(found)
            schema = found.get("options") or []
        if any(o["type"] in SUBCOMMAND_TYPES for o in schema):
            raise InvocationError(f"/{command['name']} needs a subcommand: "
                                  f"{[o['name'] for o in schema]}")
        known = {o["name"]: o for o in schema}
        unknown = set(values) - set(known)
        if unknown:
            raise InvocationError(f"/{command['name']} has no option(s) {sorted(unknown)}; "
                                  f"it has {sorted(known)}")
        missing = [n for n, o in known.items() if o.get("required") and n not in values]
        if missing and focused is None:
            raise InvocationError(f"/{command['name']} requires {missing}")
        options = [self._value(known[n], v, channel, resolved, n == focused) for n, v in values.items()]
        for wrapper in reversed(chain):
            options = [{"type": wrapper["type"], "name": wrapper["name"], "options": options}]
        return options

    def _value(self, spec: dict[str, Any], value: Any, channel: Channel,
               resolved: dict[str, dict[str, Any]], focused: bool) -> dict[str, Any]:
        kind, name = spec["type"], spec["name"]
        if focused:  # Discord sends the text typed so far, whatever the option's type.
            return {"type": kind, "name": name, "value": str(value), "focused": True}
        if kind in (6, 9) and isinstance(value, Member | User):
            self._resolve_user(value, channel, resolved)
            return {"type": kind, "name": name, "value": str(value.id)}
        if kind in (8, 9) and isinstance(value, Role):
            resolved.setdefault("roles", {})[str(value.id)] = role_payload(value)
            return {"type": kind, "name": name, "value": str(value.id)}
        if kind == 7 and isinstance(value, Channel):
            resolved.setdefault("channels", {})[str(value.id)] = {
                **channel_payload(value), "permissions": str(self.world.permissions(self.world.bot, value))}
            return {"type": kind, "name": name, "value": str(value.id)}
        if kind == 11 and isinstance(value, tuple):
            attachment = self.server.messages.store_attachment(*value)
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            return {"type": kind, "name": name, "value": attachment["id"]}
        expected = {3: str, 4: int, 5: bool, 10: int | float}.get(kind)
        if expected is None or not isinstance(value, expected) or (kind in (4, 10) and isinstance(value, bool)):
            raise InvocationError(f"option {name!r} (type {kind}) cannot take {value!r}")
        _check_bounds(spec, value)
        return {"type": kind, "name": name, "value": value}

    def _resolve_user(self, who: Member | User, channel: Channel, resolved: dict[str, Any]) -> None:
        user = who.user if isinstance(who, Member) else who
        resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
        member = self.world.member_of(channel, user)
        if member is not None:
            perms = self.world.permissions(user, channel)
            resolved.setdefault("members", {})[str(user.id)] = member_payload(
                member, with_user=False, permissions=perms)

    def _send(
        self, kind: int, data: dict[str, Any], user: User, channel: Channel, *,
        message: Payload | None = None, name: str | None = None, command_type: int | None = None,
    ) -> InteractionRecord:
        world = self.world
        guild = world.guild_of(channel)
        perms = world.permissions(user, channel)
        payload: Payload = {
            "id": str(world.ids.next()), "application_id": str(world.application_id),
            "type": kind, "data": data, "token": world.new_token(), "version": 1,
            "channel_id": str(channel.id),
            "channel": {**channel_payload(channel), "permissions": str(perms)},
            "app_permissions": str(world.permissions(world.bot, channel)),
            "locale": "en-US", "entitlements": [], "entitlement_sku_ids": [],
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
            payload["message"] = copy.deepcopy(message)
        record = InteractionRecord(
            id=int(payload["id"]), token=payload["token"], type=kind, payload=payload,
            channel_id=channel.id, user=user, created_at=asyncio.get_running_loop().time(),
            name=name, command_type=command_type,
            message_id=None if message is None else int(message["id"]),
        )
        self.by_id[record.id] = record
        self.by_token[record.token] = record
        self.server.gateway.dispatch("INTERACTION_CREATE", payload)
        return record


def _check_bounds(spec: dict[str, Any], value: Any) -> None:
    """The Discord client refuses values outside an option's choices and limits."""
    name = spec["name"]
    choices = [choice["value"] for choice in spec.get("choices") or []]
    if choices and value not in choices:
        raise InvocationError(f"option {name!r} must be one of {choices}, not {value!r}")
    if isinstance(value, str):
        low, high = spec.get("min_length", 0), spec.get("max_length", 6000)
        if not low <= len(value) <= high:
            raise InvocationError(f"option {name!r} must be {low}-{high} characters long")
    elif isinstance(value, int | float):
        low, high = spec.get("min_value"), spec.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise InvocationError(f"option {name!r} must be within [{low}, {high}]")


def modal_answers(components: list[dict[str, Any]], values: dict[str, Any]) -> list[dict[str, Any]]:
    """A modal submission mirroring the modal's layout; consumes the keys of `values` it uses
    (each field's label or custom_id)."""
    filled: list[dict[str, Any]] = []
    for component in components:
        if component["type"] == 1:
            filled.append({"type": 1, "components": modal_answers(component["components"], values)})
        elif component["type"] == 18:
            inner = {**component["component"], "label": component.get("label")}
            filled.append({"type": 18, "component": modal_answers([inner], values)[0]})
        elif "custom_id" in component:
            key = next((k for k in (component.get("label"), component["custom_id"]) if k in values), None)
            answer = values.pop(key) if key is not None else component.get("value", "")
            entry: dict[str, Any] = {"type": component["type"], "custom_id": component["custom_id"]}
            if component["type"] == 4:
                entry["value"] = answer
            else:
                entry["values"] = list(answer) if isinstance(answer, list | tuple) else [answer]
            filled.append(entry)
    return filled
