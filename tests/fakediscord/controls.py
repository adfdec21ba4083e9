"""Discord's side of things: the connection dropping, errors, rate limits, intent approval."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from . import intents as gi
from .faults import RateLimiter, ScriptedError, path_pattern
from .observe import Observer

OUTAGE_CLOSE_TIMEOUT = 5.0


class Controls(Observer):
    """What Discord does to a bot: disconnect it, fail requests, refuse intents."""

    def approve_intents(
        self, *, members: bool = True, presences: bool = True, message_content: bool = True
    ) -> None:
        """Which privileged intents the "developer portal" allows; others get close 4014."""
        self.server.gateway.approved_intents = (
            (gi.GUILD_MEMBERS if members else 0)
            | (gi.GUILD_PRESENCES if presences else 0)
            | (gi.MESSAGE_CONTENT if message_content else 0)
        )

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
                timeout=OUTAGE_CLOSE_TIMEOUT,
                what=lambda: "the old gateway connection to close",
            )
            yield
        finally:
            self.server.gateway.release()

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9); with resumable=False the bot must IDENTIFY again."""
        self.server.gateway.send_op(9, resumable)

    async def request_reconnect(self) -> None:
        """Send RECONNECT (op 7), as Discord does before moving a session."""
        self.server.gateway.send_op(7, None)

    def script_error(
        self,
        method: str,
        path: str,
        *,
        status: int = 429,
        retry_after: float = 0.2,
        times: int = 1,
        code: int = 0,
        message: str = "",
        is_global: bool = False,
    ) -> ScriptedError:
        """Answer the next `times` `method` requests to `path` (e.g. "/channels/{id}/messages")
        with `status`; a 429 carries Via and a JSON retry_after so discord.py retries it."""
        error = ScriptedError(
            method.upper(), path_pattern(path), status, times, retry_after, code, message, is_global
        )
        self.server.faults.scripted.append(error)
        return error

    def rate_limit(self, *, limit: int = 5, window: float = 1.0) -> None:
        """Send X-RateLimit-* headers; beyond `limit` requests per route per `window` seconds,
        answer 429 as Discord does."""
        self.server.faults.rate_limiter = RateLimiter(limit, window)
