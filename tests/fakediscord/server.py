"""FakeDiscord: the aiohttp server on 127.0.0.1 that ties REST, gateway and state together."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from .commands import CommandApi
from .faults import Faults, build_middleware
from .gateway import Gateway
from .interactions import InteractionFactory
from .messages import MessageService
from .records import Notifier, RequestRecord, Sent
from .rest import RestApi
from .webhooks import InteractionApi
from .world import World

HOST = "127.0.0.1"
DEFAULT_TOKEN = "fake-token"
INTERACTION_ACK_SECONDS = 3.0  # Discord's deadline for the first interaction response


class FakeDiscord:
    """A loopback Discord. Start it, point discord.py at `api_base`/`gateway_url`, inspect it.

    `token=None` accepts any token (useful when a subprocess reads its own).
    """

    def __init__(self, *, token: str | None = DEFAULT_TOKEN) -> None:
        self.token = token
        self.world = World()
        self.notifier = Notifier()
        self.sent: list[Sent] = []
        """Everything the bot posted, in order."""
        self.requests: list[RequestRecord] = []
        self.unhandled: list[RequestRecord] = []
        """Requests to routes the emulator does not implement."""
        self.internal_errors: list[str] = []
        """Tracebacks of emulator bugs hit while answering requests."""
        self.in_flight = 0
        self.interaction_ack_timeout = INTERACTION_ACK_SECONDS
        self.port = 0
        self.faults = Faults()
        self.gateway = Gateway(self)
        self.messages = MessageService(self)
        self.interactions = InteractionFactory(self)
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT, where attachments are served."""
        return f"http://{HOST}:{self.port}"

    @property
    def api_base(self) -> str:
        """What `discord.http.Route.BASE` must be set to."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What `DiscordWebSocket.DEFAULT_GATEWAY` must be; also READY's resume_gateway_url."""
        return f"ws://{HOST}:{self.port}/"

    async def start(self) -> None:
        """Listen on an ephemeral loopback port."""
        app = web.Application(middlewares=[build_middleware(self)], client_max_size=64 * 1024**2)
        app.add_routes([web.get("/", self.gateway.handle)])
        app.add_routes(RestApi(self).routes())
        app.add_routes(CommandApi(self).routes())
        app.add_routes(InteractionApi(self).routes())
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Close every gateway connection and stop listening."""
        await self.gateway.shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def settle(self, *, quiet: float = 0.05, timeout: float = 5.0) -> None:
        """Wait until no request is in flight, no frame is queued, and nothing happened for
        `quiet` seconds: the bot has done whatever the last event made it do."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            calm = time.monotonic() - self.notifier.last_change >= quiet
            if calm and self.in_flight == 0 and self.gateway.idle:
                return
            await asyncio.sleep(quiet / 2)
        raise AssertionError(
            f"fakediscord never settled within {timeout}s ({self.in_flight} requests in flight)"
        )
