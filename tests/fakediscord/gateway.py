"""Gateway v10 over a websocket: HELLO, IDENTIFY/READY, heartbeats, dispatch, RESUME.

Sessions outlive connections, as on Discord: events dispatched while the bot is disconnected
are kept and replayed on RESUME, which is what lets tests check that nothing is lost or doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import intents as gi
from . import jsoncodec
from .payloads import guild_payload, member_payload, ready_payload

if TYPE_CHECKING:
    from .server import FakeDiscord

HEARTBEAT_INTERVAL_MS = 41_250  # what Discord sends; the client beats once at once anyway
CLOSE_TIMEOUT = 2.0


class GatewayConnection:
    """One websocket. Frames go out through a queue so their order matches their sequence."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse, zlib_stream: bool):
        self.request = request
        self.ws = ws
        self.zlib_stream = zlib_stream
        self._compressor = zlib.compressobj() if zlib_stream else None
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_forever(), name="fakediscord-ws-writer")

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame; it is written after every frame queued before it."""
        self._outbox.put_nowait(frame)

    @property
    def idle(self) -> bool:
        """True when every queued frame has been handed to the socket."""
        return self._outbox.empty()

    async def _write_forever(self) -> None:
        while True:
            frame = await self._outbox.get()
            encoded = jsoncodec.dumps(frame)
            try:
                if self._compressor is not None:
                    # zlib-stream: one shared context, each frame ending in a Z_SYNC_FLUSH.
                    data = self._compressor.compress(encoded)
                    await self.ws.send_bytes(data + self._compressor.flush(zlib.Z_SYNC_FLUSH))
                else:
                    await self.ws.send_str(encoded.decode())
            except (ConnectionError, RuntimeError):
                return  # the session keeps the frame; the client gets it again on RESUME

    async def close(self, code: int, reason: str = "") -> None:
        """Close with `code`, as Discord does when it drops or rejects a connection."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=code, message=reason.encode()), CLOSE_TIMEOUT)
        self._writer.cancel()

    def stop(self) -> None:
        """Stop the writer once the socket is gone, whoever closed it."""
        self._writer.cancel()

    def abort(self) -> None:
        """Drop the TCP connection without a close frame, like a network failure."""
        transport = self.request.transport
        if transport is not None:
            transport.abort()
        self._writer.cancel()


@dataclass
class GatewaySession:
    """An identified session: its intents, sequence and every frame dispatched to it."""

    id: str
    token: str | None
    intents: int
    seq: int = 0
    frames: list[dict[str, Any]] = field(default_factory=list)
    connection: GatewayConnection | None = None

    def dispatch(self, event: str, data: Any) -> None:
        """Number the event, keep it for RESUME, and send it if connected."""
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.frames.append(frame)
        if self.connection is not None:
            self.connection.send(frame)


class Gateway:
    """The websocket endpoint and every session; `dispatch` fans events out to sessions."""

    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.zlib_stream = False
        """Compress frames when the client asks for compress=zlib-stream."""
        self.approved_intents = gi.PRIVILEGED
        """Privileged intents the bot is "approved" for; asking for others closes with 4014."""
        self.identifies = 0
        self.resumes = 0
        self.close_codes: list[int] = []
        """Close codes the emulator sent (drops and rejections), in order."""
        self._accepting = asyncio.Event()
        self._accepting.set()

    # Dispatching -------------------------------------------------------------------------

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to every session whose intents let it see the event."""
        bot_id = self.server.world.bot.id
        for session in self.sessions.values():
            visible = gi.event_for_session(session.intents, event, data, bot_id)
            if visible is not None:
                session.dispatch(event, visible)
        self.server.notifier.notify()

    @property
    def idle(self) -> bool:
        """True when no connection has frames waiting to be written."""
        return all(connection.idle for connection in self.connections)

    # Test controls -----------------------------------------------------------------------

    def hold(self) -> None:
        """Stop answering new connections (they wait before HELLO) until `release`."""
        self._accepting.clear()

    def release(self) -> None:
        """Answer connections again, including any that arrived while held."""
        self._accepting.set()

    async def drop(self, code: int = 4000) -> None:
        """Close every live connection with `code`; sessions stay resumable."""
        for connection in list(self.connections):
            self.close_codes.append(code)
            await connection.close(code, "fakediscord drop")

    def abort(self) -> None:
        """Cut every live connection at the TCP level."""
        for connection in list(self.connections):
            connection.abort()

    def send_op(self, op: int, data: Any) -> None:
        """Send a non-dispatch opcode (7 RECONNECT, 9 INVALID_SESSION, ...) to every client."""
        for connection in self.connections:
            connection.send({"op": op, "d": data, "s": None, "t": None})

    async def shutdown(self) -> None:
        """Close everything (1001, going away) so the server can stop promptly."""
        self._accepting.set()
        for connection in list(self.connections):
            await connection.close(1001, "shutdown")

    # The websocket handler ---------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one gateway connection until either side closes it."""
        ws = web.WebSocketResponse(max_msg_size=0, autoclose=True, autoping=True)
        await ws.prepare(request)
        await self._accepting.wait()
        wants_zlib = request.query.get("compress") == "zlib-stream" and self.zlib_stream
        connection = GatewayConnection(request, ws, wants_zlib)
        self.connections.append(connection)
        connection.send({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_frame(connection, jsoncodec.loads(message.data))
        finally:
            connection.stop()  # a client that closed by itself (op 7, op 9) leaves no task
            self.connections.remove(connection)
            for session in self.sessions.values():
                if session.connection is connection:
                    session.connection = None
            self.server.notifier.notify()
        return ws

    async def _on_frame(self, connection: GatewayConnection, frame: dict[str, Any]) -> None:
        op, raw = frame.get("op"), frame.get("d")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if op == 1:
            connection.send({"op": 11})
        elif op == 2:
            await self._identify(connection, data)
        elif op == 6:
            await self._resume(connection, data)
        elif op == 8:
            self._request_members(connection, data)
        # op 3 (presence) and op 4 (voice state) need no answer.

    async def _identify(self, connection: GatewayConnection, data: dict[str, Any]) -> None:
        token = self.server.token
        if token is not None and data.get("token") != token:
            await self._reject(connection, 4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await self._reject(connection, 4013, "Invalid intent(s).")
            return
        if intents & gi.PRIVILEGED & ~self.approved_intents:
            await self._reject(connection, 4014, "Disallowed intent(s).")
            return
        session = GatewaySession(id=secrets.token_hex(16), token=data.get("token"), intents=intents)
        self.sessions[session.id] = session
        session.connection = connection
        world = self.server.world
        session.dispatch("READY", ready_payload(world, session.id, self.server.gateway_url))
        for guild in world.guilds.values():
            # Without the members intent Discord only includes the bot's own member.
            members = None if intents & gi.GUILD_MEMBERS else [guild.members[world.bot.id]]
            created = gi.event_for_session(
                intents, "GUILD_CREATE", guild_payload(world, guild, members=members), world.bot.id
            )
            if created is not None:
                session.dispatch("GUILD_CREATE", created)
        self.identifies += 1
        self.server.notifier.notify()

    async def _resume(self, connection: GatewayConnection, data: dict[str, Any]) -> None:
        session = self.sessions.get(data.get("session_id", ""))
        seq = data.get("seq") or 0
        if session is None or session.token != data.get("token") or seq > session.seq:
            connection.send({"op": 9, "d": False})
            return
        if session.connection is not None and session.connection is not connection:
            await session.connection.close(4000, "superseded by resume")
        session.connection = connection
        for frame in session.frames:
            if frame["s"] > seq:
                connection.send(frame)
        # discord.py writes into RESUMED's data, so it must be an object, never null.
        session.dispatch("RESUMED", {"_trace": ["fakediscord"]})
        self.resumes += 1
        self.server.notifier.notify()

    def _request_members(self, connection: GatewayConnection, data: dict[str, Any]) -> None:
        """Answer a member request (op 8) with one GUILD_MEMBERS_CHUNK."""
        session = next((s for s in self.sessions.values() if s.connection is connection), None)
        guild = self.server.world.guilds.get(int(data.get("guild_id", 0)))
        if session is None or guild is None:
            return
        query = (data.get("query") or "").lower()
        wanted = {int(user_id) for user_id in data.get("user_ids") or []}
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.id in wanted) and m.name.lower().startswith(query)
        ]
        limit = data.get("limit") or 0
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [member_payload(m) for m in (members[:limit] if limit else members)],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def _reject(self, connection: GatewayConnection, code: int, reason: str) -> None:
        self.close_codes.append(code)
        await connection.close(code, reason)
