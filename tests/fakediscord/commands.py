"""Application command endpoints: bulk overwrite (sync), list, create, edit, delete.

What the bot syncs is kept in `world.commands`, which the driver uses to build interactions:
a test can only invoke a command the bot actually registered, as a Discord user could.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .httputil import ApiError, invalid_form, json_response, no_content, not_found, read_body
from .validation import Problem

if TYPE_CHECKING:
    from .server import FakeDiscord

API = "/api/v10/applications/{application_id}"
CHAT_INPUT = 1
CHAT_INPUT_NAME = re.compile(r"^[-_'\w]{1,32}$")
MAX_OPTIONS = 25
MAX_DESCRIPTION = 100


class CommandApi:
    """Routes under /applications/{id}/commands and /applications/{id}/guilds/{id}/commands."""

    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.world = server.world

    def routes(self) -> list[web.RouteDef]:
        """Every command route, global and per guild; handlers are named for what they do."""
        routes: list[web.RouteDef] = []
        for prefix in (API, API + "/guilds/{guild_id}"):
            routes += [
                web.get(prefix + "/commands", self.list_commands),
                web.put(prefix + "/commands", self.bulk_overwrite),
                web.post(prefix + "/commands", self.upsert),
                web.get(prefix + "/commands/{command_id}", self.get_command),
                web.patch(prefix + "/commands/{command_id}", self.edit),
                web.delete(prefix + "/commands/{command_id}", self.delete),
            ]
        routes.append(web.get(API + "/guilds/{guild_id}/commands/permissions", self.permissions))
        return routes

    def _scope(self, request: web.Request) -> tuple[int | None, dict[tuple[str, int], Any]]:
        if int(request.match_info["application_id"]) != self.world.application_id:
            raise ApiError(403, 50001, "Missing Access")
        raw_guild = request.match_info.get("guild_id")
        guild_id = None if raw_guild is None else int(raw_guild)
        if guild_id is not None and guild_id not in self.world.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return guild_id, self.world.commands.scope(guild_id)

    def _find(self, request: web.Request) -> tuple[tuple[str, int], dict[str, Any]]:
        _, table = self._scope(request)
        wanted = request.match_info["command_id"]
        for key, command in table.items():
            if command["id"] == wanted:
                return key, command
        raise not_found(10063, "application command")

    async def list_commands(self, request: web.Request) -> web.Response:
        _, table = self._scope(request)
        return json_response(list(table.values()))

    async def bulk_overwrite(self, request: web.Request) -> web.Response:
        """PUT: replace the whole scope. Ids survive for commands that keep (name, type)."""
        guild_id, table = self._scope(request)
        body = (await read_body(request)).json or []
        problems = [p for i, c in enumerate(body) for p in definition_problems(c, f"{i}")]
        if problems:
            raise invalid_form(problems)
        previous = dict(table)
        table.clear()
        for definition in body:
            key = (definition["name"], definition.get("type", CHAT_INPUT))
            table[key] = self._stored(definition, guild_id, previous.get(key))
        commands = self.world.commands
        if guild_id is None:
            commands.global_puts += 1
        else:
            commands.guild_puts[guild_id] = commands.guild_puts.get(guild_id, 0) + 1
        self.server.notifier.notify()
        return json_response(list(table.values()))

    async def upsert(self, request: web.Request) -> web.Response:
        guild_id, table = self._scope(request)
        definition = (await read_body(request)).obj()
        problems = definition_problems(definition, "")
        if problems:
            raise invalid_form(problems)
        key = (definition["name"], definition.get("type", CHAT_INPUT))
        existed = key in table
        table[key] = self._stored(definition, guild_id, table.get(key))
        self.server.notifier.notify()
        return json_response(table[key], 200 if existed else 201)

    async def get_command(self, request: web.Request) -> web.Response:
        return json_response(self._find(request)[1])

    async def edit(self, request: web.Request) -> web.Response:
        guild_id, table = self._scope(request)
        key, command = self._find(request)
        changes = (await read_body(request)).obj()
        merged = {**command, **changes}
        del table[key]
        table[(merged["name"], merged.get("type", CHAT_INPUT))] = self._stored(
            merged, guild_id, command
        )
        return json_response(table[(merged["name"], merged.get("type", CHAT_INPUT))])

    async def delete(self, request: web.Request) -> web.Response:
        _, table = self._scope(request)
        key, _ = self._find(request)
        del table[key]
        return no_content()

    async def permissions(self, request: web.Request) -> web.Response:
        self._scope(request)
        return json_response([])

    def _stored(
        self, definition: dict[str, Any], guild_id: int | None, previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The command as Discord returns it: the definition plus ids, version and defaults."""
        command_type = definition.get("type", CHAT_INPUT)
        stored: dict[str, Any] = {
            "id": previous["id"] if previous else str(self.world.ids.next()),
            "application_id": str(self.world.application_id),
            "version": str(self.world.ids.next()),
            "type": command_type,
            "name": definition["name"],
            "description": definition.get("description", "") if command_type == CHAT_INPUT else "",
            "default_member_permissions": definition.get("default_member_permissions"),
            "dm_permission": definition.get("dm_permission", True),
            "nsfw": definition.get("nsfw", False),
            # Unset contexts default to everywhere a guild-installed command can run.
            "contexts": definition.get("contexts") or ([0] if guild_id else [0, 1, 2]),
            "integration_types": definition.get("integration_types") or [0],
            "name_localizations": definition.get("name_localizations"),
            "description_localizations": definition.get("description_localizations"),
        }
        if definition.get("options"):
            stored["options"] = definition["options"]
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored


def definition_problems(definition: dict[str, Any], path: str) -> list[Problem]:
    """The checks Discord applies to a command definition that bots most often trip over."""
    problems: list[Problem] = []
    prefix = f"{path}." if path else ""
    name = definition.get("name") or ""
    if definition.get("type", CHAT_INPUT) == CHAT_INPUT:
        if not CHAT_INPUT_NAME.match(name) or name != name.lower():
            problems.append(
                (prefix + "name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            )
        if not 1 <= len(definition.get("description") or "") <= MAX_DESCRIPTION:
            problems.append(
                (
                    prefix + "description",
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                )
            )
    elif not 1 <= len(name) <= 32:
        problems.append(
            (prefix + "name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        )
    options = definition.get("options") or []
    if len(options) > MAX_OPTIONS:
        problems.append(
            (prefix + "options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        )
    seen_optional = False
    for option in options:
        if option.get("type") in (1, 2):
            continue
        if option.get("required"):
            if seen_optional:
                problems.append(
                    (
                        prefix + "options",
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            seen_optional = True
    return problems
