"""Pointing an unmodified discord.py at the emulator: two class attributes, nothing else."""

from __future__ import annotations

from collections.abc import Callable

import discord.gateway
import discord.http
import yarl


def point_discordpy_at(api_base: str, gateway_url: str) -> Callable[[], None]:
    """Send discord.py's REST calls to `api_base` and its gateway to `gateway_url`.

    Both are read when used (Route at construction, the gateway at connect), so this works
    for clients created before or after. Returns a function that restores the real endpoints.
    """
    route, socket = discord.http.Route, discord.gateway.DiscordWebSocket
    previous = (route.BASE, socket.DEFAULT_GATEWAY)
    route.BASE = api_base
    socket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def restore() -> None:
        route.BASE, socket.DEFAULT_GATEWAY = previous

    return restore
