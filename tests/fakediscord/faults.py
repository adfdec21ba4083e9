"""The HTTP middleware: request log, bot-token auth, scripted failures and rate limits.

Scripted errors let a test make Discord fail on cue ("the next POST to this channel gets a
429"); the optional rate limiter sends Discord's X-RateLimit-* headers and enforces them.
"""

from __future__ import annotations

import math
import re
import time
import traceback
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Middleware

from .httputil import RECORD_KEY, ApiError, json_response, read_body
from .records import RequestRecord

if TYPE_CHECKING:
    from .server import FakeDiscord

API = "/api/v10"
NO_AUTH_PREFIXES = (API + "/webhooks/", API + "/interactions/")  # authorised by token in path
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class ScriptedError:
    """Answer the next `times` requests matching `method` and `path` with an error."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int
    retry_after: float = 0.0
    code: int = 0
    message: str = ""
    is_global: bool = False

    def response(self) -> web.Response:
        """Discord's answer for this failure."""
        if self.status == 429:
            # discord.py retries a 429 only with a Via header and a JSON retry_after.
            body = {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.is_global,
                "code": self.code,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(math.ceil(self.retry_after)),
                "X-RateLimit-Scope": "global" if self.is_global else "user",
            }
            if self.is_global:
                headers["X-RateLimit-Global"] = "true"
            return json_response(body, 429, headers)
        message = self.message or f"{self.status}: scripted by fakediscord"
        return json_response({"message": message, "code": self.code}, self.status)


def path_pattern(template: str) -> re.Pattern[str]:
    """ "/channels/{channel_id}/messages" or a concrete path, with or without /api/v10."""
    if template.startswith(API):
        template = template[len(API) :]
    parts = re.split(r"(\{[^}]*\})", template)
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"(?:{re.escape(API)})?{regex}")


class RateLimiter:
    """Per-route buckets that refill every `window` seconds, announced in headers like Discord's."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._buckets: dict[str, tuple[int, float]] = {}

    def take(self, bucket: str) -> tuple[bool, dict[str, str]]:
        """Spend one request from `bucket`: (allowed, headers to send)."""
        now = time.time()
        remaining, resets_at = self._buckets.get(bucket, (self.limit, now + self.window))
        if now >= resets_at:
            remaining, resets_at = self.limit, now + self.window
        allowed = remaining > 0
        remaining = max(remaining - 1, 0)
        self._buckets[bucket] = (remaining, resets_at)
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{resets_at:.3f}",
            "X-RateLimit-Reset-After": f"{max(resets_at - now, 0):.3f}",
            "X-RateLimit-Bucket": f"fake-{abs(hash(bucket)) % 10**8:08d}",
        }
        return allowed, headers


class Faults:
    """Scripted errors and the optional rate limiter, configured by tests."""

    def __init__(self) -> None:
        self.scripted: list[ScriptedError] = []
        self.rate_limiter: RateLimiter | None = None

    def take_scripted(self, method: str, path: str) -> ScriptedError | None:
        """The first scripted error matching this request, used up by one."""
        for error in self.scripted:
            if error.times > 0 and error.method == method and error.path.fullmatch(path):
                error.times -= 1
                return error
        return None


def build_middleware(server: FakeDiscord) -> Middleware:
    """One middleware doing, in order: log, auth, scripted errors, rate limits, the handler."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = None if resource is None else resource.canonical
        record = RequestRecord(request.method, request.path, route, dict(request.query))
        request[RECORD_KEY] = record
        server.requests.append(record)
        if route is None:
            server.unhandled.append(record)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await handler(request)  # the gateway: lives for the whole connection
        server.in_flight += 1
        try:
            response = await _answer(server, request, handler, record)
        finally:
            server.in_flight -= 1
        record.status = response.status
        server.notifier.notify()
        return response

    return middleware


async def _answer(
    server: FakeDiscord, request: web.Request, handler: Handler, record: RequestRecord
) -> web.StreamResponse:
    path = request.path
    if not path.startswith(API):
        return await handler(request)
    needs_auth = server.token is not None and not path.startswith(NO_AUTH_PREFIXES)
    if needs_auth and request.headers.get("Authorization") != f"Bot {server.token}":
        return json_response({"message": "401: Unauthorized", "code": 0}, 401)
    scripted = server.faults.take_scripted(request.method, path)
    if scripted is not None:
        if request.content_type == "application/json":  # what the bot tried to send
            with suppress(ApiError):
                await read_body(request)
        return scripted.response()
    headers: dict[str, str] = {}
    limiter = server.faults.rate_limiter
    if limiter is not None:
        allowed, headers = limiter.take(f"{request.method} {record.route}")
        if not allowed:
            retry = float(headers["X-RateLimit-Reset-After"])
            body = {"message": "You are being rate limited.", "retry_after": retry, "global": False}
            return json_response(body, 429, {**headers, "Via": "1.1 google"})
    try:
        response = await handler(request)
    except ApiError as error:
        response = error.response()
    except web.HTTPException as error:  # no such route: Discord answers JSON even then
        response = json_response(
            {"message": f"{error.status}: {error.reason}", "code": 0}, error.status
        )
    except Exception:
        # An emulator bug, not a Discord answer: record it so the harness fails the test. Not a
        # 5xx, which discord.py would retry for many seconds before giving up.
        server.internal_errors.append(traceback.format_exc())
        response = json_response({"message": "fakediscord internal error", "code": 0}, 400)
    response.headers.update(headers)
    return response
