"""Answering interactions: the callback, followups, and editing the original response.

Discord's rules the bot would notice are kept: one callback per interaction, within
`server.interaction_ack_timeout` seconds; followups only after it; the first followup after a
"thinking" defer replaces the loading message.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .httputil import ApiError, invalid_form, json_response, no_content, not_found, read_body
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    CHAT_INPUT,
    MESSAGE_COMMAND,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
)
from .payloads import Payload, user_payload
from .records import EPHEMERAL, LOADING
from .validation import choice_problems, is_empty_message, message_problems

if TYPE_CHECKING:
    from .server import FakeDiscord

API = "/api/v10"

# Which callback types each interaction type accepts (1 PONG is for HTTP interactions only).
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9, 10},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9, 10},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}
# Message types of interaction responses: 20 chat input command, 23 context menu command.
RESPONSE_MESSAGE_TYPE = {CHAT_INPUT: 20, 2: 23, MESSAGE_COMMAND: 23}


class InteractionApi:
    """Routes under /interactions/{id}/{token} and /webhooks/{application}/{token}."""

    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.world = server.world
        self.messages = server.messages

    def routes(self) -> list[web.RouteDef]:
        """The callback, followup and webhook-message routes."""
        hook = API + "/webhooks/{application_id}/{token}"
        return [
            web.post(API + "/interactions/{interaction_id}/{token}/callback", self.callback),
            web.post(hook, self.followup),
            web.get(hook + "/messages/{message_id}", self.get_message),
            web.patch(hook + "/messages/{message_id}", self.edit_message),
            web.delete(hook + "/messages/{message_id}", self.delete_message),
        ]

    async def callback(self, request: web.Request) -> web.Response:
        """The initial response: a message, a defer, an update, choices or a modal."""
        ix = self.server.interactions.by_id.get(int(request.match_info["interaction_id"]))
        if ix is None or ix.token != request.match_info["token"]:
            raise not_found(10062, "interaction")
        if ix.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        age = asyncio.get_running_loop().time() - ix.created_at
        if age > self.server.interaction_ack_timeout:
            raise not_found(10062, "interaction")  # what a bot sees when it answers too late
        body = await read_body(request)
        response_type = body.obj().get("type")
        data: dict[str, Any] = body.obj().get("data") or {}
        if response_type not in ALLOWED_CALLBACKS[ix.type]:
            raise invalid_form(
                [
                    (
                        "type",
                        "INTERACTION_RESPONSE_TYPE_INVALID",
                        f"Response type {response_type} is invalid for interaction type {ix.type}",
                    )
                ]
            )
        message = self._respond(ix, response_type, data, body.files)
        ix.response_type = response_type
        self.messages.record(
            "callback",
            data,
            message,
            channel_id=ix.channel_id,
            files=body.files,
            interaction_id=ix.id,
            response_type=response_type,
        )
        if request.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        return json_response(self._callback_answer(ix, response_type, message))

    def _respond(
        self,
        ix: InteractionRecord,
        response_type: int,
        data: dict[str, Any],
        files: list[tuple[str, bytes]],
    ) -> Payload | None:
        if response_type in (4, 7):
            _validate(data, creating=response_type == 4, has_files=bool(files))
        if response_type == 4:
            message = self._create(ix, data, files)
            ix.original_message_id = int(message["id"])
            return message
        if response_type == 5:
            flags = (data.get("flags") or 0) & EPHEMERAL
            message = self._create(ix, {"content": "", "flags": flags}, [], extra_flags=LOADING)
            ix.original_message_id = int(message["id"])
            return message
        if response_type in (6, 7):
            if ix.message_id is None:
                raise invalid_form(
                    [("type", "INTERACTION_RESPONSE_TYPE_INVALID", "There is no message to update")]
                )
            ix.original_message_id = ix.message_id
            target = self.messages.get(ix.message_id)
            return self.messages.edit(target, data, files) if response_type == 7 else None
        if response_type == 8:
            problems = choice_problems(data.get("choices") or [])
            if problems:
                raise invalid_form(problems)
            ix.choices = list(data.get("choices") or [])
        elif response_type == 9 and not (data.get("custom_id") and data.get("title")):
            raise invalid_form([("data", "BASE_TYPE_REQUIRED", "Modals need custom_id and title")])
        return None

    def _callback_answer(
        self, ix: InteractionRecord, response_type: int, message: Payload | None
    ) -> dict[str, Any]:
        interaction: dict[str, Any] = {
            "id": str(ix.id),
            "type": ix.type,
            "response_message_loading": response_type == 5,
            "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
        }
        resource: dict[str, Any] = {"type": response_type}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            resource["message"] = message
        return {"interaction": interaction, "resource": resource}

    async def followup(self, request: web.Request) -> web.Response:
        """A followup message; after a thinking defer the first one fills the loading message."""
        ix = self._by_token(request)
        if not ix.acknowledged:
            raise not_found(10015, "Webhook")
        body = await read_body(request)
        data = body.obj()
        _validate(data, creating=True, has_files=bool(body.files))
        original = self.server.world.messages.get(ix.original_message_id or 0)
        if ix.response_type == 5 and original is not None and original["flags"] & LOADING:
            message = self.messages.edit(original, data, body.files)
        else:
            message = self._create(ix, data, body.files)
        ix.followup_ids.append(int(message["id"]))
        self.messages.record("followup", data, message, files=body.files, interaction_id=ix.id)
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(message)
        return no_content()

    async def get_message(self, request: web.Request) -> web.Response:
        return json_response(self._target(request)[1])

    async def edit_message(self, request: web.Request) -> web.Response:
        ix, message = self._target(request)
        body = await read_body(request)
        data = body.obj()
        _validate(data, creating=False, has_files=bool(body.files))
        edited = self.messages.edit(message, data, body.files)
        self.messages.record(
            "interaction_edit", data, edited, files=body.files, interaction_id=ix.id
        )
        return json_response(edited)

    async def delete_message(self, request: web.Request) -> web.Response:
        ix, message = self._target(request)
        self.messages.delete(message)
        self.messages.record("interaction_delete", {}, message, interaction_id=ix.id)
        return no_content()

    def _by_token(self, request: web.Request) -> InteractionRecord:
        ix = self.server.interactions.by_token.get(request.match_info["token"])
        if ix is None or int(request.match_info["application_id"]) != self.world.application_id:
            raise not_found(10015, "Webhook")
        return ix

    def _target(self, request: web.Request) -> tuple[InteractionRecord, Payload]:
        ix = self._by_token(request)
        wanted = request.match_info["message_id"]
        message_id = ix.original_message_id if wanted == "@original" else int(wanted)
        if message_id is None:
            raise not_found(10008, "Message")
        return ix, self.messages.get(message_id)

    def _create(
        self,
        ix: InteractionRecord,
        data: dict[str, Any],
        files: list[tuple[str, bytes]],
        *,
        extra_flags: int = 0,
    ) -> Payload:
        """A message made by an interaction response: authored by the bot via the app webhook."""
        channel = self.world.channel(ix.channel_id)
        if channel is None:
            raise not_found(10003, "Channel")
        app_id = str(self.world.application_id)
        extra: dict[str, Any] = {"webhook_id": app_id, "application_id": app_id}
        if ix.type != MODAL_SUBMIT:
            extra["interaction_metadata"] = self._metadata(ix)
        if ix.type == APPLICATION_COMMAND:
            extra["interaction"] = {
                "id": str(ix.id),
                "type": ix.type,
                "name": ix.name,
                "user": user_payload(ix.user),
            }
        return self.messages.create(
            author=self.world.bot,
            channel=channel,
            body=data,
            files=files,
            message_type=RESPONSE_MESSAGE_TYPE.get(ix.command_type or 0, 0),
            extra_flags=extra_flags,
            **extra,
        )

    def _metadata(self, ix: InteractionRecord) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "id": str(ix.id),
            "type": ix.type,
            "user": user_payload(ix.user),
            "authorizing_integration_owners": ix.payload["authorizing_integration_owners"],
        }
        if ix.type == APPLICATION_COMMAND:
            metadata["name"] = ix.name
            metadata["command_type"] = ix.command_type
            if ix.command_type == MESSAGE_COMMAND:
                metadata["target_message_id"] = ix.payload["data"]["target_id"]
        elif ix.message_id is not None:
            metadata["interacted_message_id"] = str(ix.message_id)
        return metadata


def _validate(data: dict[str, Any], *, creating: bool, has_files: bool) -> None:
    problems = message_problems(data)
    if problems:
        raise invalid_form(problems)
    if creating and is_empty_message(data, has_files=has_files):
        raise ApiError(400, 50006, "Cannot send an empty message")
