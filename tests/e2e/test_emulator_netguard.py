"""The network guard: only 127.0.0.1 is reachable from e2e tests, and the real endpoints
come back after the emulator stops."""

from __future__ import annotations

import socket

import aiohttp
import discord.gateway
import discord.http
import pytest

from tests.e2e.tinybot import TinyBot
from tests.fakediscord import Harness, NetworkBlocked, NetworkGuard
from tests.fakediscord.typecheck import problems, typed_dict

DOCUMENTATION_ADDRESS = "203.0.113.7"  # TEST-NET-3: never routed, so never really reached


def test_public_address_is_blocked(loopback_only: NetworkGuard) -> None:
    with pytest.raises(NetworkBlocked):
        socket.create_connection((DOCUMENTATION_ADDRESS, 443), timeout=1)
    assert len(loopback_only.violations) == 1
    loopback_only.violations.clear()  # this test meant to trip it


def test_dns_lookup_is_blocked(loopback_only: NetworkGuard) -> None:
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("discord.com", 443)
    loopback_only.violations.clear()


async def test_http_client_to_discord_is_blocked(loopback_only: NetworkGuard) -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises((aiohttp.ClientError, OSError)):
            await http.get("https://discord.com/")
    assert any("discord.com" in violation for violation in loopback_only.violations)
    loopback_only.violations.clear()


async def test_loopback_is_allowed(fake_discord: Harness, loopback_only: NetworkGuard) -> None:
    async with aiohttp.ClientSession() as http, http.get(fake_discord.server.base_url) as reply:
        assert reply.status in (200, 400, 404, 426)  # reached it; what it said does not matter
    assert loopback_only.violations == []


async def test_discordpy_endpoints_are_restored_after_the_harness() -> None:
    real_api, real_gateway = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    async with Harness.start(TinyBot) as dc:
        assert dc.server.api_base == discord.http.Route.BASE
    assert real_api == discord.http.Route.BASE
    assert real_gateway == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


def test_type_checker_reports_what_discordpy_would_trip_on() -> None:
    message = typed_dict("message.Message")
    found = problems({"id": "1", "channel_id": "2", "content": 3}, message)
    assert "$: Message is missing 'author'" in found
    assert "$.content: expected str, got 3" in found
