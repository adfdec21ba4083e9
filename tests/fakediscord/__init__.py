"""A loopback Discord for tests: REST v10 and gateway v10 on 127.0.0.1 for a real discord.py.

Nothing here imports the bot (the subprocess launcher does, lazily). See README.md.
"""

from .harness import BotProcess, ClientFactory, Harness
from .interactions import InteractionRecord, InvocationError
from .mentions import Pings
from .model import Channel, Guild, Member, Role, User
from .netguard import NetworkBlocked, NetworkGuard
from .records import RequestRecord, Sent
from .server import FakeDiscord

__all__ = [
    "BotProcess",
    "Channel",
    "ClientFactory",
    "FakeDiscord",
    "Guild",
    "Harness",
    "InteractionRecord",
    "InvocationError",
    "Member",
    "NetworkBlocked",
    "NetworkGuard",
    "Pings",
    "RequestRecord",
    "Role",
    "Sent",
    "User",
]
