"""The order-update socket of protocol.md §3: subscriptions, one shared session clock, faults.

The clock moves only while someone is subscribed, so a client that drops,
reconnects and subscribes again carries on where it left off: nothing is lost
and nothing is replayed by design. Everything here runs on the simulator's own
event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from nubra_cli.sim.chaos import ChaosSchedule
from nubra_cli.sim.config import StatsRecorder
from nubra_cli.sim.login import TokenBook
from nubra_cli.wire import WireError, decode

SOCKET_PATH = "/ws"
INVALID_TOKEN = "Invalid Token"
_BAD_REQUEST = "Error: expected 'subscribe <session_token> notifications notification'"
#: Rates at or above this play as fast as the clients read.
_BURST_RATE = 10_000.0
#: How long `drop` lets already written frames reach the wire before cutting.
_DRAIN_SECONDS = 1.0
#: How long a connection coming out of a stall has to answer a ping before it is cut.
_REVIVE_SECONDS = 10.0


def only_socket_path(connection: ServerConnection, request: Request) -> Response | None:
    """Answer 404 outside /ws, so a client with a wrong URL fails loudly."""
    if urlsplit(request.path).path == SOCKET_PATH:
        return None
    return connection.respond(
        HTTPStatus.NOT_FOUND, f"the order-update socket is at {SOCKET_PATH}\n"
    )


@dataclass(eq=False)
class _Client:
    """One connection and the session token it subscribed with (None: not subscribed)."""

    connection: ServerConnection
    token: str | None = None
    stalled: bool = False
    paused_by_stall: bool = False

    @property
    def listening(self) -> bool:
        """Subscribed, open, and not in a stall: frames go here."""
        return (
            self.token is not None
            and not self.stalled
            and self.connection.state is State.OPEN
            and not self.connection.transport.is_closing()
        )


class Feed:
    """Serves connections and plays one stream of frames to every subscribed client."""

    def __init__(
        self,
        frames: Iterator[bytes | str],
        rate: float,
        tokens: TokenBook,
        stats: StatsRecorder,
        chaos: ChaosSchedule | None,
        done: threading.Event,
    ) -> None:
        self._frames = frames
        self._interval = 1.0 / rate if 0 < rate < _BURST_RATE else 0.0
        self._tokens = tokens
        self._stats = stats
        self._chaos = chaos
        self._done = done
        self._clients: set[_Client] = set()
        self._audience = asyncio.Event()
        self._last_order: bytes | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, connection: ServerConnection) -> None:
        """One connection's life: read `subscribe` requests until it closes."""
        client = _Client(connection)
        self._clients.add(client)
        self._stats.add("connections")
        try:
            async for message in connection:
                if isinstance(message, str):
                    await self._on_text(client, message)
        except ConnectionClosed:
            pass
        finally:
            client.token = None
            self._clients.discard(client)

    async def _on_text(self, client: _Client, message: str) -> None:
        words = message.split()
        if (
            len(words) != 4
            or words[0] != "subscribe"
            or words[2:] != ["notifications", "notification"]
        ):
            await self._send(client, _BAD_REQUEST)
            return
        if self._tokens.session_valid(words[1]):
            client.token = words[1]
            self._stats.add("subscriptions")
            self._audience.set()
            return
        client.token = None
        self._stats.add("subscribe_tokens_rejected")
        await self._send(client, INVALID_TOKEN)

    async def play(self) -> None:
        """Advance the session clock while anyone listens, at the configured rate."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        for frame in self._frames:
            if await self._wait_for_listeners():
                due = loop.time()  # the clock stood still: no catching up
            await self._broadcast(frame, session=True)
            self._stats.add("events_played")
            if self._chaos is not None:
                if isinstance(frame, bytes) and _is_order(frame):
                    self._last_order = frame
                kind = self._chaos.after_event()
                if kind is not None:
                    await self._inject(self._chaos, kind)
            due = max(due + self._interval, loop.time() - self._interval)
            await asyncio.sleep(max(0.0, due - loop.time()))
        self._done.set()

    async def _wait_for_listeners(self) -> bool:
        """Return once a client listens; True if that meant waiting."""
        waited = False
        while not any(client.listening for client in self._clients):
            self._audience.clear()
            await self._audience.wait()
            waited = True
        return waited

    async def _broadcast(self, frame: bytes | str, *, session: bool) -> None:
        for client in list(self._clients):
            if client.listening and await self._send(client, frame) and session:
                self._stats.add("frames_sent")

    async def _send(self, client: _Client, frame: bytes | str) -> bool:
        try:
            await client.connection.send(frame)
        except ConnectionClosed:
            client.token = None
            return False
        return True

    async def expire(self, tokens: Collection[str] | None = None) -> None:
        """Tell each client subscribed with one of `tokens` (None: any) that it expired."""
        for client in list(self._clients):
            if client.token is not None and (tokens is None or client.token in tokens):
                client.token = None
                await self._send(client, INVALID_TOKEN)

    async def drop(self) -> None:
        """Cut every connection at the TCP level, with no close frame."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _DRAIN_SECONDS
        clients = list(self._clients)
        for client in clients:
            client.token = None
        for client in clients:
            transport = client.connection.transport
            while transport.get_write_buffer_size() and loop.time() < deadline:
                await asyncio.sleep(0.005)
            transport.abort()

    def stall(self, seconds: float) -> None:
        """Go silent on every current connection: send nothing, read nothing, answer no ping.

        Afterwards a connection gets frames again only once it answers a ping;
        meanwhile the clock waits, unless the client subscribes on a new connection.
        """
        victims = [client for client in self._clients if not client.stalled]
        for client in victims:
            client.stalled = True
            transport = client.connection.transport
            client.paused_by_stall = transport.is_reading()
            if client.paused_by_stall:
                transport.pause_reading()
        asyncio.get_running_loop().call_later(seconds, self._end_stall, victims)

    def _end_stall(self, victims: Collection[_Client]) -> None:
        for client in victims:
            self._resume_reading(client)
            task = asyncio.get_running_loop().create_task(self._revive(client))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _revive(self, client: _Client) -> None:
        """Send frames again only once a ping is answered: the client may have given up on us."""
        try:
            pong = await client.connection.ping()
            await asyncio.wait_for(pong, _REVIVE_SECONDS)
        except ConnectionClosed:
            return
        except TimeoutError:
            client.connection.transport.abort()
            return
        client.stalled = False
        self._audience.set()

    @staticmethod
    def _resume_reading(client: _Client) -> None:
        transport = client.connection.transport
        if client.paused_by_stall and not transport.is_closing():
            transport.resume_reading()
        client.paused_by_stall = False

    def release(self) -> None:
        """End any stall, so that closing connections can finish their handshake."""
        for task in list(self._tasks):
            task.cancel()
        for client in self._clients:
            self._resume_reading(client)

    async def _inject(self, chaos: ChaosSchedule, kind: str) -> None:
        garbage: str | None = None
        if kind == "drop":
            await self.drop()
        elif kind == "expire":
            self._tokens.expire_sessions()
            await self.expire()
        elif kind == "garbage":
            garbage, frame = chaos.garbage(self._last_order)
            await self._broadcast(frame, session=False)
        elif kind == "duplicate":
            if self._last_order is not None:
                await self._broadcast(self._last_order, session=False)
        elif kind == "stall":
            self.stall(chaos.config.stall_seconds)
        self._stats.add_chaos(kind, garbage)


def _is_order(frame: bytes) -> bool:
    try:
        return decode(frame) is not None
    except WireError:
        return False
