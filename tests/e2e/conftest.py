"""e2e fixtures: the loopback Discord, the network guard (autouse), and the tiny test bot.

A fixture for the real bot is one line, e.g.

    dc = bot_fixture(lambda: bot.app.create_bot(test_settings()), wait_for_sync=True)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.tinybot import TinyBot
from tests.fakediscord import Harness
from tests.fakediscord.fixtures import bot_fixture, fake_discord, loopback_only

__all__ = ["fake_discord", "loopback_only", "tiny"]
HERE = Path(__file__).parent

E2E_TEST_TIMEOUT = 30  # seconds; nothing may hang, and the whole folder must stay under a minute


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every e2e test a hard deadline (pytest-timeout)."""
    for item in items:
        if item.path.is_relative_to(HERE) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(E2E_TEST_TIMEOUT))


tiny = bot_fixture(TinyBot)
"""A Harness with TinyBot (all intents approved, commands synced globally) ready."""


@pytest.fixture
async def tiny_guild_synced(fake_discord: Harness) -> AsyncIterator[Harness]:
    """TinyBot syncing its commands to the test guild instead of globally."""
    await fake_discord.start_client(lambda dc: TinyBot(sync_to=dc.guild.id))
    yield fake_discord
