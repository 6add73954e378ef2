"""The order-update socket as a generator of events (protocol.md §3).

`OrderStream.events()` connects, subscribes, pings, decodes, drops repeats,
renews the session on `Invalid Token`, and reconnects with backoff; it yields
each new event, or None on every quiet tick so the caller can redraw, time out
or notice a closed pipe. It never formats output: news goes to an observer.
"""

from __future__ import annotations

import math
import socket
import ssl
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import websocket
from websocket import ABNF

from nubra_cli.backoff import BackoffFactory, exponential_backoff
from nubra_cli.dedupe import RecentEvents
from nubra_cli.errors import AuthError, ConfigError, GaveUpError, ServerError
from nubra_cli.wire import TextKind, WireError, classify_text, decode

Event = dict[str, Any]

#: Consecutive `Invalid Token` answers right after a renewal before we stop trying.
_MAX_TOKEN_REFUSALS = 3
_INVALID_TOKEN = "the server said Invalid Token"


class TokenSource(Protocol):
    """Hands out the session token, and a fresh one when the server refuses it."""

    def session_token(self) -> str: ...

    def renew(self) -> str: ...


class StreamObserver(Protocol):
    """Hears what happens to the connection; the stream itself never prints."""

    def connection(self, state: str) -> None: ...

    def problem(self, message: str) -> None: ...


@dataclass
class StreamStats:
    """Counts for the status line and the summary at exit."""

    frames: int = 0
    events: int = 0
    duplicates: int = 0
    skipped: int = 0
    wire_errors: int = 0
    server_errors: int = 0
    reconnects: int = 0
    renewals: int = 0
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class StreamConfig:
    """How to reach the socket and how patient to be with it."""

    ws_url: str
    ping_interval: float = 20.0
    pong_timeout: float = 10.0
    tick: float = 0.1
    connect_timeout: float = 10.0
    max_retries: int | None = None
    healthy_after: float = 10.0
    backoff: BackoffFactory = exponential_backoff
    dedupe_capacity: int = 4096


@dataclass(frozen=True)
class _Ending:
    """Why one connection ended: renew the session first? was it healthy before it ended?"""

    reason: str
    renew: bool = False
    healthy: bool = False


class _BufferedWebSocket(websocket.WebSocket):
    """websocket-client's socket, reading the network in 64 KiB gulps.

    Its frame reader asks `_recv` for exactly the next piece (2 header bytes, 2 length
    bytes, the payload): three system calls per ~250-byte frame, through a wrapper that
    polls for the timeout each time. Here one `recv` fills a buffer and those small reads
    are served from memory, which under a burst makes the read side several times cheaper
    (benchmarks/README.md, figure 2). Short answers are fine: the reader asks again for
    the rest. Timeouts and a lost connection surface exactly as before, since nothing is
    consumed from the buffer when the socket raises.
    """

    _GULP = 65536

    def __init__(self, **options: Any) -> None:
        self._buffer = b""
        self._offset = 0
        super().__init__(**options)

    def _recv(self, bufsize: int) -> bytes:
        offset = self._offset
        if offset >= len(self._buffer):
            self._buffer = super()._recv(self._GULP)  # type: ignore[no-untyped-call]
            offset = 0
        self._offset = offset + bufsize
        return self._buffer[offset : offset + bufsize]


def _is_fatal(error: BaseException) -> str | None:
    """A connection error no retry can fix, as a message; None when worth retrying."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate of the order socket could not be verified: {error.verify_message}"
    status = getattr(error, "status_code", None)
    if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
        return f"the order socket refused the connection with HTTP {status}: check the URL"
    if isinstance(error, ValueError) and not isinstance(error, OSError):
        return f"the order socket URL is not usable: {error}"
    return None


class OrderStream:
    """One logical subscription that outlives any number of connections."""

    def __init__(
        self,
        config: StreamConfig,
        tokens: TokenSource,
        observer: StreamObserver,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.stats = StreamStats(started=clock())
        self._tokens = tokens
        self._observer = observer
        self._clock = clock
        self._recent = RecentEvents(config.dedupe_capacity)

    def events(self) -> Generator[Event | None, None, None]:
        """Yield every new event in order, and None on quiet ticks, until the caller stops."""
        delays = self.config.backoff()
        failures = refusals = 0
        renew = False
        while True:
            ending = yield from self._attempt(renew)
            if ending.healthy:
                failures = refusals = 0
                delays = self.config.backoff()
            renew = ending.renew
            self.stats.reconnects += 1
            if renew and ending.reason == _INVALID_TOKEN:
                refusals += 1
                if refusals > _MAX_TOKEN_REFUSALS:
                    raise AuthError("the server keeps refusing renewed sessions: run `nubra login`")
                self._observer.connection("session expired: renewing and reconnecting")
                continue
            failures += 1
            if self.config.max_retries is not None and failures > self.config.max_retries:
                raise GaveUpError(
                    f"gave up after {self.config.max_retries} retries: {ending.reason}"
                )
            delay = next(delays)
            self._observer.connection(f"reconnecting in {delay:.1f}s: {ending.reason}")
            yield from self._wait(delay)

    def _attempt(self, renew: bool) -> Generator[Event | None, None, _Ending]:
        """Get a token (renewing it if asked), then stream from one connection until it ends."""
        try:
            if renew:
                self._observer.connection("renewing session")
                token = self._tokens.renew()
                self.stats.renewals += 1
            else:
                token = self._tokens.session_token()
        except ServerError as error:
            return _Ending(f"login server unavailable: {error}", renew=renew)
        self._observer.connection("connecting")
        ws = self._open()
        if isinstance(ws, _Ending):
            return ws
        try:
            return (yield from self._pump(ws, token))
        finally:
            _close_quietly(ws)

    def _wait(self, seconds: float) -> Iterator[None]:
        """Sleep in ticks, so the caller keeps control (redraws, deadlines, Ctrl-C)."""
        deadline = self._clock() + seconds
        while (left := deadline - self._clock()) > 0:
            time.sleep(min(left, self.config.tick))
            yield None

    def _open(self) -> _BufferedWebSocket | _Ending:
        ws = _BufferedWebSocket(skip_utf8_validation=True)
        ws.settimeout(self.config.connect_timeout)
        try:
            ws.connect(self.config.ws_url, suppress_origin=True)  # type: ignore[no-untyped-call]
        except Exception as error:
            ws.close()
            fatal = _is_fatal(error)
            if fatal:
                raise ConfigError(fatal) from None
            return _Ending(_describe(error))
        return ws

    def _pump(self, ws: websocket.WebSocket, token: str) -> Generator[Event | None, None, _Ending]:
        """Subscribe, then relay frames until the connection ends, saying why it ended."""
        config, clock = self.config, self._clock
        try:
            ws.send(f"subscribe {token} notifications notification")
        except (OSError, websocket.WebSocketException) as error:
            return _Ending(_describe(error))
        self._observer.connection("connected")
        ws.settimeout(config.tick)
        opened = last_heard = clock()
        next_ping = opened + config.ping_interval
        ping_sent = -math.inf  # when the unanswered ping went out; none yet
        received_any = False

        def ending(reason: str, renew: bool = False) -> _Ending:
            healthy = received_any or clock() - opened >= config.healthy_after
            return _Ending(reason, renew, healthy)

        while True:
            try:
                opcode, data = ws.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                now = clock()
                awaiting_pong = last_heard < ping_sent
                if awaiting_pong and now - ping_sent > config.pong_timeout:
                    return ending(f"no answer to ping for {config.pong_timeout:g}s")
                if now >= next_ping and not awaiting_pong:
                    try:
                        ws.ping()
                    except (OSError, websocket.WebSocketException) as error:
                        return ending(_describe(error))
                    ping_sent, next_ping = now, now + config.ping_interval
                yield None
                continue
            except (OSError, websocket.WebSocketException) as error:
                return ending(_describe(error))
            last_heard = clock()
            if opcode == ABNF.OPCODE_BINARY:
                received_any = True
                event = self._decode(data)
                if event is not None:
                    yield event
            elif opcode == ABNF.OPCODE_TEXT:
                self.stats.frames += 1
                text = data.decode("utf-8", "replace")
                kind = classify_text(text)
                if kind is TextKind.INVALID_TOKEN:
                    return ending(_INVALID_TOKEN, renew=True)
                if kind is TextKind.ERROR:
                    self.stats.server_errors += 1
                    self._observer.problem(f"server says: {_printable(text)}")
            elif opcode == ABNF.OPCODE_CLOSE:
                return ending("the server closed the connection")

    def _decode(self, data: bytes) -> Event | None:
        stats = self.stats
        stats.frames += 1
        try:
            event = decode(data)
        except WireError as error:
            stats.wire_errors += 1
            self._observer.problem(str(error))
            return None
        if event is None:
            stats.skipped += 1
            return None
        if self._recent.seen_before(event):
            stats.duplicates += 1
            return None
        stats.events += 1
        return event


def _describe(error: BaseException) -> str:
    """A short reason for a connection problem, never a traceback."""
    if isinstance(error, socket.gaierror):
        return "cannot resolve the order socket's host name (DNS)"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError | websocket.WebSocketTimeoutException):
        return "connection timed out"
    if isinstance(error, websocket.WebSocketConnectionClosedException):
        return "connection lost"
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return _printable(text)


def _printable(text: str, limit: int = 200) -> str:
    """Server text made safe for one terminal line."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _close_quietly(ws: websocket.WebSocket) -> None:
    """Say goodbye if the socket still can, and always release it.

    websocket-client's close() leaves the socket open once a server's close frame
    was already answered, so shutdown() follows it.
    """
    try:
        ws.close(timeout=0.2)
    except (OSError, websocket.WebSocketException):
        pass
    finally:
        ws.shutdown()  # type: ignore[no-untyped-call]
