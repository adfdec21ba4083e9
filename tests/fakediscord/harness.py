"""Starting and stopping the emulator and the bot under test, in-process or as a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord

from .driver import Driver
from .endpoints import point_discordpy_at
from .netguard import GUARD_MARKER
from .server import DEFAULT_TOKEN, FakeDiscord

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ClientFactory = Callable[..., discord.Client | Awaitable[discord.Client]]
"""Builds the bot: called with no arguments, or with the Harness if it takes one."""
STOP_TIMEOUT = 5.0


@dataclass
class BotProcess:
    """A bot running under `python -m tests.fakediscord.launcher`."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    @property
    def output(self) -> str:
        """Everything it printed so far (stdout and stderr, interleaved)."""
        return "\n".join(self.lines)

    @property
    def returncode(self) -> int | None:
        """None while the process runs."""
        return self.process.returncode

    async def read_forever(self) -> None:
        """Collect output lines until the process closes its stdout."""
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))

    async def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, timeout)
        return self.process.returncode or 0


class Harness(Driver):
    """The `dc` of the tests: a running FakeDiscord, the driver vocabulary, and the bot."""

    def __init__(self, server: FakeDiscord, *, strict: bool = True) -> None:
        super().__init__(server)
        self.strict = strict
        """Fail at teardown if the bot called routes the emulator does not implement."""
        self.client: discord.Client | None = None
        self.process: BotProcess | None = None
        self._client_task: asyncio.Task[None] | None = None

    @property
    def token(self) -> str:
        """The bot token the emulator expects."""
        return self.server.token or DEFAULT_TOKEN

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, *, token: str | None = DEFAULT_TOKEN, zlib_stream: bool = False, strict: bool = True
    ) -> AsyncIterator[Harness]:
        """A running emulator with discord.py pointed at it, and no bot yet."""
        server = FakeDiscord(token=token)
        server.gateway.zlib_stream = zlib_stream
        await server.start()
        restore = point_discordpy_at(server.api_base, server.gateway_url)
        harness = cls(server, strict=strict)
        try:
            yield harness
        except BaseException:
            await harness._shut_down(restore)
            raise
        await harness._shut_down(restore)
        harness.check()

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls,
        factory: ClientFactory,
        *,
        ready_timeout: float = 10.0,
        wait_for_sync: bool = False,
        **options: Any,
    ) -> AsyncIterator[Harness]:
        """`async with Harness.start(make_bot) as dc:` — emulator plus a ready bot."""
        async with cls.open(**options) as harness:
            await harness.start_client(
                factory, ready_timeout=ready_timeout, wait_for_sync=wait_for_sync
            )
            yield harness

    async def start_client(
        self,
        factory: ClientFactory,
        *,
        token: str | None = None,
        ready_timeout: float = 10.0,
        wait_for_sync: bool = False,
    ) -> discord.Client:
        """Build the bot, run `client.start(token)` as a task, and wait until it is ready
        (and, with `wait_for_sync`, has synced commands). Start-up errors are raised here."""
        built = factory(self) if _wants_harness(factory) else factory()
        client = await built if inspect.isawaitable(built) else built
        puts_before = self.world.commands.puts
        self.client = client
        self._client_task = asyncio.create_task(
            client.start(token or self.token), name="bot-under-test"
        )
        try:
            await self.notifier.wait_until(
                lambda: self._ready_or_raise(client),
                timeout=ready_timeout,
                what=lambda: "the bot to become ready",
            )
            if wait_for_sync:
                await self.wait_for(
                    lambda: self.world.commands.puts > puts_before,
                    what="the bot to sync its commands",
                    timeout=ready_timeout,
                )
        except BaseException:
            await self.stop_client(check=False)
            raise
        await self.settle()
        return client

    async def stop_client(self, *, check: bool = True) -> None:
        """Close the bot; with `check`, re-raise anything it crashed with."""
        client, task = self.client, self._client_task
        self.client, self._client_task = None, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), STOP_TIMEOUT)
        if task is not None:
            try:
                await asyncio.wait_for(task, STOP_TIMEOUT)
            except Exception:
                if check:
                    raise

    async def start_process(
        self,
        args: Sequence[str] = ("run",),
        *,
        module: str | None = None,
        env: Mapping[str, str] | None = None,
        ready_timeout: float = 30.0,
        wait_for_sync: bool = False,
    ) -> BotProcess:
        """Run the bot as `python -m tests.fakediscord.launcher` (default entry point
        bot.cli:main, or `module` as "pkg.mod:func") and wait until it has identified."""
        command = [
            sys.executable,
            "-m",
            "tests.fakediscord.launcher",
            "--port",
            str(self.server.port),
        ]
        if module is not None:
            command += ["--module", module]
        process = await asyncio.create_subprocess_exec(
            *command,
            "--",
            *args,
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        bot = BotProcess(process)
        bot._reader = asyncio.create_task(bot.read_forever())
        self.process = bot
        identified, puts = self.server.gateway.identifies, self.world.commands.puts

        def started() -> bool | None:
            if process.returncode is not None:
                raise AssertionError(f"bot process exited with {process.returncode}:\n{bot.output}")
            done = self.server.gateway.identifies > identified
            return True if done and (not wait_for_sync or self.world.commands.puts > puts) else None

        await self.notifier.wait_until(
            started,
            timeout=ready_timeout,
            what=lambda: f"the bot process to connect; output:\n{bot.output}",
        )
        await self.settle()
        return bot

    def check(self) -> None:
        """Fail on emulator bugs, unimplemented routes (if strict) and network violations."""
        problems = [f"emulator error:\n{trace}" for trace in self.server.internal_errors]
        if self.strict:
            problems += [f"unimplemented route: {r.method} {r.path}" for r in self.server.unhandled]
        if self.process is not None and GUARD_MARKER in self.process.output:
            problems.append(f"bot process tried the network:\n{self.process.output}")
        if problems:
            raise AssertionError("\n".join(problems))

    def _ready_or_raise(self, client: discord.Client) -> bool | None:
        task = self._client_task
        if task is not None and task.done():
            error = task.exception()
            raise error or AssertionError("the bot stopped before becoming ready")
        return True if client.is_ready() else None

    async def _shut_down(self, restore: Callable[[], None]) -> None:
        try:
            await self.stop_client()
            if self.process is not None:
                await self.process.stop()
        finally:
            await self.server.stop()
            restore()


def _wants_harness(factory: ClientFactory) -> bool:
    """True if the factory has a required positional parameter (it then gets the Harness)."""
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(
        p.kind in positional and p.default is p.empty
        for p in inspect.signature(factory).parameters.values()
    )
