"""What a user types into Discord's UI: command options and modal fields.

The Discord client only lets people send what a command's definition allows; so does this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import Channel, Member, Role, User
from .payloads import channel_payload, member_payload, role_payload, user_payload

if TYPE_CHECKING:
    from .server import FakeDiscord

SUBCOMMAND_TYPES = (1, 2)


class InvocationError(AssertionError):
    """The test asked for something a Discord user could not do (unsynced command, bad option)."""


class CommandInput:
    """The options of one command invocation and the objects they refer to (`resolved`)."""

    def __init__(self, server: FakeDiscord, channel: Channel) -> None:
        self.server = server
        self.world = server.world
        self.channel = channel
        self.resolved: dict[str, dict[str, Any]] = {}

    def options(
        self,
        command: dict[str, Any],
        subcommand: str | None,
        values: dict[str, Any],
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        """The `options` of the interaction data, nested under the subcommand path
        ("group sub"), checked against the command's synced definition."""
        schema: list[dict[str, Any]] = command.get("options") or []
        chain: list[dict[str, Any]] = []
        for part in (subcommand or "").split():
            found = next(
                (o for o in schema if o["name"] == part and o["type"] in SUBCOMMAND_TYPES), None
            )
            if found is None:
                raise InvocationError(f"/{command['name']} has no subcommand {part!r}")
            chain.append(found)
            schema = found.get("options") or []
        if any(o["type"] in SUBCOMMAND_TYPES for o in schema):
            raise InvocationError(
                f"/{command['name']} needs a subcommand: {[o['name'] for o in schema]}"
            )
        known = {o["name"]: o for o in schema}
        unknown = set(values) - set(known)
        if unknown:
            raise InvocationError(
                f"/{command['name']} has no option(s) {sorted(unknown)}; it has {sorted(known)}"
            )
        missing = [n for n, o in known.items() if o.get("required") and n not in values]
        if missing and focused is None:
            raise InvocationError(f"/{command['name']} requires {missing}")
        options = [self.value(known[n], v, n == focused) for n, v in values.items()]
        for wrapper in reversed(chain):
            options = [{"type": wrapper["type"], "name": wrapper["name"], "options": options}]
        return options

    def value(self, spec: dict[str, Any], value: Any, focused: bool = False) -> dict[str, Any]:
        """One option: Python objects become ids, with their payloads under `resolved`."""
        kind, name = spec["type"], spec["name"]
        if focused:  # Discord sends the text typed so far, whatever the option's type.
            return {"type": kind, "name": name, "value": str(value), "focused": True}
        if kind in (6, 9) and isinstance(value, Member | User):
            self.resolve_user(value)
            return {"type": kind, "name": name, "value": str(value.id)}
        if kind in (8, 9) and isinstance(value, Role):
            self.resolved.setdefault("roles", {})[str(value.id)] = role_payload(value)
            return {"type": kind, "name": name, "value": str(value.id)}
        if kind == 7 and isinstance(value, Channel):
            self.resolved.setdefault("channels", {})[str(value.id)] = {
                **channel_payload(value),
                "permissions": str(self.world.permissions(self.world.bot, value)),
            }
            return {"type": kind, "name": name, "value": str(value.id)}
        if kind == 11 and isinstance(value, tuple):
            attachment = self.server.messages.store_attachment(*value)
            self.resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            return {"type": kind, "name": name, "value": attachment["id"]}
        expected = {3: str, 4: int, 5: bool, 10: int | float}.get(kind)
        if (
            expected is None
            or not isinstance(value, expected)
            or (kind in (4, 10) and isinstance(value, bool))
        ):
            raise InvocationError(f"option {name!r} (type {kind}) cannot take {value!r}")
        check_bounds(spec, value)
        return {"type": kind, "name": name, "value": value}

    def resolve_user(self, who: Member | User) -> None:
        """Add a user (and their member object, in guilds) to `resolved`."""
        user = who.user if isinstance(who, Member) else who
        self.resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
        member = self.world.member_of(self.channel, user)
        if member is not None:
            perms = self.world.permissions(user, self.channel)
            self.resolved.setdefault("members", {})[str(user.id)] = member_payload(
                member, with_user=False, permissions=perms
            )


def check_bounds(spec: dict[str, Any], value: Any) -> None:
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
            key = next(
                (k for k in (component.get("label"), component["custom_id"]) if k in values), None
            )
            answer = values.pop(key) if key is not None else component.get("value", "")
            entry: dict[str, Any] = {"type": component["type"], "custom_id": component["custom_id"]}
            if component["type"] == 4:
                entry["value"] = answer
            else:
                entry["values"] = list(answer) if isinstance(answer, list | tuple) else [answer]
            filled.append(entry)
    return filled
