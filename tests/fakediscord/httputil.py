"""HTTP helpers: Discord-style JSON answers and errors, and reading JSON or multipart bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from . import jsoncodec
from .records import RequestRecord

RECORD_KEY = web.RequestKey("fakediscord.record", RequestRecord)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON answer whose Content-Type is exactly `application/json`.

    discord.py compares the header for equality; aiohttp's `json_response` appends a charset,
    which would make the client treat every body as a plain string.
    """
    return web.Response(
        body=jsoncodec.dumps(data),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def no_content() -> web.Response:
    """204, as Discord answers deletes and acknowledgements."""
    return web.Response(status=204)


class ApiError(Exception):
    """An error answer in Discord's shape: {"message", "code", "errors"?}."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def response(self) -> web.Response:
        """This error as an HTTP response."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return json_response(body, self.status)


def not_found(code: int, what: str) -> ApiError:
    """Discord's 404s: 10003 Unknown Channel, 10008 Unknown Message, ..."""
    return ApiError(404, code, f"Unknown {what}")


def invalid_form(problems: list[tuple[str, str, str]]) -> ApiError:
    """400 / 50035 with Discord's nested `errors`; problems are (dotted path, code, message)."""
    errors: dict[str, Any] = {}
    for path, code, message in problems:
        node = errors
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return ApiError(400, 50035, "Invalid Form Body", errors)


@dataclass
class Body:
    """A request body: its JSON (or multipart payload_json) and any uploaded files."""

    json: Any = None
    files: list[tuple[str, bytes]] = field(default_factory=list)

    def obj(self) -> dict[str, Any]:
        """The JSON as an object; anything else is a 400 as on Discord."""
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        return self.json


async def read_body(request: web.Request) -> Body:
    """Parse a JSON or multipart/form-data body and attach it to the request's record."""
    body = Body()
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                body.json = jsoncodec.loads(data)
            elif part.filename is not None:
                body.files.append((part.filename, bytes(data)))
    elif request.can_read_body:
        raw = await request.read()
        if raw:
            try:
                body.json = jsoncodec.loads(raw)
            except ValueError as exc:
                raise ApiError(400, 50109, "The request body contains invalid JSON.") from exc
    record = request.get(RECORD_KEY)
    if record is not None:
        record.body = body.json
    return body
