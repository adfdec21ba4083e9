"""pytest fixtures. Import them into a conftest.py:

    from tests.fakediscord.fixtures import fake_discord, loopback_only  # noqa: F401

and start a bot with one line:

    dc = bot_fixture(lambda: make_bot(settings), wait_for_sync=True)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from .harness import ClientFactory, Harness
from .netguard import NetworkGuard


@pytest.fixture(autouse=True)
def loopback_only() -> Iterator[NetworkGuard]:
    """Every test in scope fails if anything connects beyond 127.0.0.1 (even if the bot
    swallowed the NetworkBlocked error)."""
    guard = NetworkGuard()
    guard.install()
    try:
        yield guard
    finally:
        guard.uninstall()
    assert not guard.violations, "\n".join(guard.violations)


@pytest.fixture
async def fake_discord() -> AsyncIterator[Harness]:
    """A running emulator with discord.py pointed at it. Start a bot with
    `await fake_discord.start_client(factory)` or `await fake_discord.start_process(args)`."""
    async with Harness.open() as harness:
        yield harness


def bot_fixture(factory: ClientFactory, **start_options: Any) -> Any:
    """A fixture yielding a Harness with the bot from `factory` ready.

    `factory()` (or `factory(harness)`, to read channel ids) must return a discord.Client.
    `start_options` go to `Harness.start_client` (wait_for_sync=True, ready_timeout=...).
    """

    @pytest.fixture
    async def running_bot(fake_discord: Harness) -> AsyncIterator[Harness]:
        await fake_discord.start_client(factory, **start_options)
        yield fake_discord

    return running_bot
