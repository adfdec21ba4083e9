"""REST API v10: users, guilds, channels, messages, reactions, DMs, attachments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from aiohttp import web

from .httputil import ApiError, invalid_form, json_response, no_content, not_found, read_body
from .model import Channel, Guild, User
from .payloads import (
    application_payload,
    channel_payload,
    guild_rest_payload,
    member_payload,
    role_payload,
    user_payload,
)
from .records import EPHEMERAL
from .validation import is_empty_message, message_problems

if TYPE_CHECKING:
    from .server import FakeDiscord

API = "/api/v10"
P = discord.Permissions


class RestApi:
    """Route handlers acting as the bot (every request here is made with the bot token).

    Handlers are named for what they do; `routes()` maps each to its method and path.
    """

    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.world = server.world
        self.messages = server.messages

    def routes(self) -> list[web.RouteDef]:
        """Routes in match order: literal segments (@me) before placeholders."""
        m = "/channels/{channel_id}/messages"
        reaction = m + "/{message_id}/reactions/{emoji}/@me"
        return [
            web.get(API + "/users/@me", self.get_me),
            web.post(API + "/users/@me/channels", self.open_dm),
            web.get(API + "/users/{user_id}", self.get_user),
            web.get(API + "/oauth2/applications/@me", self.get_application),
            web.get(API + "/applications/@me", self.get_application),
            web.get(API + "/gateway", self.get_gateway),
            web.get(API + "/gateway/bot", self.get_gateway_bot),
            web.get(API + "/guilds/{guild_id}", self.get_guild),
            web.get(API + "/guilds/{guild_id}/channels", self.get_guild_channels),
            web.get(API + "/guilds/{guild_id}/roles", self.get_roles),
            web.get(API + "/guilds/{guild_id}/members", self.list_members),
            web.get(API + "/guilds/{guild_id}/members/{user_id}", self.get_member),
            web.get(API + "/channels/{channel_id}", self.get_channel),
            web.post(API + "/channels/{channel_id}/typing", self.typing),
            web.get(API + m, self.history),
            web.post(API + m, self.create_message),
            web.get(API + m + "/{message_id}", self.get_message),
            web.patch(API + m + "/{message_id}", self.edit_message),
            web.delete(API + m + "/{message_id}", self.delete_message),
            web.put(API + reaction, self.add_reaction),
            web.delete(API + reaction, self.remove_reaction),
            web.get("/attachments/{attachment_id}/{filename}", self.download),
        ]

    # Lookups ---------------------------------------------------------------------------

    def _channel(self, request: web.Request) -> Channel:
        channel = self.world.channel(int(request.match_info["channel_id"]))
        if channel is None:
            raise not_found(10003, "Channel")
        return channel

    def _guild(self, request: web.Request) -> Guild:
        guild = self.world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            raise not_found(10004, "Guild")
        return guild

    def _user(self, user_id: str) -> User:
        user = self.world.users.get(int(user_id)) if user_id.isdigit() else None
        if user is None:
            raise not_found(10013, "User")
        return user

    def _require(self, channel: Channel, needed: int) -> None:
        """403 like Discord when the bot lacks a permission in the channel."""
        have = self.world.permissions(self.world.bot, channel)
        if not have & P.view_channel.flag:
            raise ApiError(403, 50001, "Missing Access")
        if have & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions")

    # Users, application, gateway -------------------------------------------------------

    async def get_me(self, request: web.Request) -> web.Response:
        return json_response(
            {**user_payload(self.world.bot), "verified": True, "mfa_enabled": False}
        )

    async def get_user(self, request: web.Request) -> web.Response:
        return json_response(user_payload(self._user(request.match_info["user_id"])))

    async def get_application(self, request: web.Request) -> web.Response:
        return json_response(application_payload(self.world))

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.server.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response(
            {"url": self.server.gateway_url, "shards": 1, "session_start_limit": limit}
        )

    async def open_dm(self, request: web.Request) -> web.Response:
        body = (await read_body(request)).obj()
        user = self._user(str(body.get("recipient_id", "")))
        return json_response(channel_payload(self.world.dm_channel_for(user)))

    # Guilds ---------------------------------------------------------------------------

    async def get_guild(self, request: web.Request) -> web.Response:
        return json_response(guild_rest_payload(self._guild(request)))

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return json_response([channel_payload(c) for c in guild.channels.values()])

    async def get_roles(self, request: web.Request) -> web.Response:
        return json_response([role_payload(r) for r in self._guild(request).roles.values()])

    async def list_members(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        limit = int(request.query.get("limit", "1"))
        after = int(request.query.get("after", "0"))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return json_response([member_payload(m) for m in members[:limit]])

    async def get_member(self, request: web.Request) -> web.Response:
        member = self._guild(request).members.get(int(request.match_info["user_id"]))
        if member is None:
            raise not_found(10007, "Member")
        return json_response(member_payload(member))

    # Channels and messages --------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(channel_payload(self._channel(request)))

    async def typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return no_content()

    async def history(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require(channel, P.read_message_history.flag)
        limit = min(int(request.query.get("limit", "50")), 100)
        before = int(request.query.get("before", str(2**63)))
        after = int(request.query.get("after", "0"))
        found = [
            m
            for mid, m in self.world.messages.items()
            if int(m["channel_id"]) == channel.id
            and after < mid < before
            and not m["flags"] & EPHEMERAL
        ]
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        return json_response(found[:limit])

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        return json_response(self.messages.get(request.match_info["message_id"], channel.id))

    async def create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        body = await read_body(request)
        data = body.obj()
        if channel.is_dm:
            if not channel.recipients[0].accepts_dms:
                raise ApiError(403, 50007, "Cannot send messages to this user")
        else:
            self._require(channel, P.send_messages.flag)
        problems = message_problems(data)
        if problems:
            raise invalid_form(problems)
        if is_empty_message(data, has_files=bool(body.files)):
            raise ApiError(400, 50006, "Cannot send an empty message")
        message = self.messages.create(
            author=self.world.bot,
            channel=channel,
            body=data,
            files=body.files,
            nonce=data.get("nonce"),
        )
        self.messages.record("message", data, message, files=body.files)
        return json_response(message)

    async def edit_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        message = self.messages.get(request.match_info["message_id"], channel.id)
        body = await read_body(request)
        data = body.obj()
        if int(message["author"]["id"]) != self.world.bot.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        problems = message_problems(data)
        if problems:
            raise invalid_form(problems)
        edited = self.messages.edit(message, data, body.files)
        self.messages.record("edit", data, edited, files=body.files)
        return json_response(edited)

    async def delete_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        message = self.messages.get(request.match_info["message_id"], channel.id)
        if int(message["author"]["id"]) != self.world.bot.id and not channel.is_dm:
            self._require(channel, P.manage_messages.flag)
        self.messages.delete(message)
        self.messages.record("delete", {}, message)
        return no_content()

    async def add_reaction(self, request: web.Request) -> web.Response:
        return self._react(request, "MESSAGE_REACTION_ADD")

    async def remove_reaction(self, request: web.Request) -> web.Response:
        return self._react(request, "MESSAGE_REACTION_REMOVE")

    def _react(self, request: web.Request, event: str) -> web.Response:
        channel = self._channel(request)
        message = self.messages.get(request.match_info["message_id"], channel.id)
        emoji = request.match_info["emoji"]
        if not channel.is_dm:
            self._require(channel, P.add_reactions.flag | P.read_message_history.flag)
        data = {
            "user_id": str(self.world.bot.id),
            "channel_id": message["channel_id"],
            "message_id": message["id"],
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        if "guild_id" in message:
            data["guild_id"] = message["guild_id"]
        self.server.gateway.dispatch(event, data)
        if event == "MESSAGE_REACTION_ADD":
            self.messages.record("reaction", {"content": emoji}, message)
        return no_content()

    async def download(self, request: web.Request) -> web.Response:
        data = self.world.attachments.get(int(request.match_info["attachment_id"]))
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="application/octet-stream")
