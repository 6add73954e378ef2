"""`Simulator`: the login API and the order-update socket on loopback, in background threads.

The product's demo and the test suite's fake broker are the same object, so the
tests exercise the protocol exactly as a user's `nubra watch --demo` meets it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from types import TracebackType
from typing import Any

from websockets.asyncio.server import serve

from nubra_cli.errors import ConfigError
from nubra_cli.sim.chaos import ChaosSchedule
from nubra_cli.sim.config import SimConfig, SimStats, StatsRecorder
from nubra_cli.sim.feed import SOCKET_PATH, Feed, only_socket_path
from nubra_cli.sim.login import LoginApp, LoginServer, TokenBook
from nubra_cli.sim.scenario import session_frames

_LOGGER = logging.getLogger("nubra_cli.sim.socket")
#: How long a caller waits for the simulator's loop to carry out a request.
_CALL_TIMEOUT = 10.0


def _listen_error(what: str, host: str, port: int, error: OSError) -> ConfigError:
    reason = error.strerror or str(error)
    return ConfigError(
        f"the simulator cannot listen on {host}:{port} for its {what} ({reason}); "
        "choose another port, or 0 for a free one"
    )


class Simulator:
    """A fake Nubra broker: start it, point NUBRA_API_URL/NUBRA_WS_URL at it, stop it."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        #: The seed actually used (chosen at random when the config has none).
        self.seed = self.config.seed if self.config.seed is not None else random.randrange(1, 2**31)
        self._stats = StatsRecorder()
        self._tokens = TokenBook()
        self._done = threading.Event()
        self._ready = threading.Event()
        self._error: ConfigError | None = None
        self._http: LoginServer | None = None
        self._http_thread: threading.Thread | None = None
        self._loop_thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._feed: Feed | None = None
        self._ws_port = 0

    # Life cycle.

    def start(self) -> Simulator:
        """Listen on both ports and start playing; returns once both accept connections."""
        if self._loop_thread is not None:
            raise RuntimeError("the simulator was already started")
        config = self.config
        app = LoginApp(config, self._tokens, self._stats, on_revoke=self._revoke)
        try:
            self._http = LoginServer((config.host, config.api_port), app)
        except OSError as error:
            raise _listen_error("login API", config.host, config.api_port, error) from None
        self._loop_thread = threading.Thread(
            target=self._run_loop, name="nubra-sim-ws", daemon=True
        )
        self._loop_thread.start()
        self._ready.wait()
        if self._error is not None or self._feed is None:
            self.stop()
            raise self._error or RuntimeError("the simulator's socket server did not start")
        self._http_thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="nubra-sim-http",
            daemon=True,
        )
        self._http_thread.start()
        return self

    def stop(self) -> None:
        """Close every connection and both listeners, and wait for the threads; idempotent."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        if self._loop_thread is not None:
            self._loop_thread.join(timeout=_CALL_TIMEOUT)
        if self._http is not None:
            if self._http_thread is not None:
                self._http.shutdown()
                self._http_thread.join(timeout=_CALL_TIMEOUT)
            self._http.server_close()
        self._http = self._http_thread = self._loop = self._stopping = self._feed = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run_loop(self) -> None:
        try:
            asyncio.run(self._serve())
        finally:
            self._ready.set()  # never leave start() waiting, whatever happened

    async def _serve(self) -> None:
        config = self.config
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        chaos = ChaosSchedule(config.chaos, self.seed) if config.chaos else None
        feed = Feed(self._frames(), config.rate, self._tokens, self._stats, chaos, self._done)
        try:
            server = await serve(
                feed.handle,
                config.host,
                config.ws_port,
                process_request=only_socket_path,
                compression=None,
                ping_interval=None,
                close_timeout=1.0,
                max_size=64 * 1024,
                logger=_LOGGER,
            )
        except OSError as error:
            self._error = _listen_error("order-update socket", config.host, config.ws_port, error)
            self._ready.set()
            return
        self._ws_port = int(server.sockets[0].getsockname()[1])
        self._feed = feed
        player = asyncio.create_task(feed.play())
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            player.cancel()
            feed.release()
            server.close()
            await server.wait_closed()
            await asyncio.gather(player, return_exceptions=True)

    def _frames(self) -> Iterator[bytes | str]:
        config = self.config
        if config.frames is not None:
            frames = list(config.frames)
            return itertools.cycle(frames) if config.loop and frames else iter(frames)
        start_ns = config.start_ns if config.start_ns is not None else time.time_ns()
        return session_frames(self.seed, start_ns=start_ns, rounds=None if config.loop else 1)

    # What callers see.

    @property
    def api_url(self) -> str:
        """The REST base of protocol.md §2, e.g. http://127.0.0.1:8770."""
        if self._http is None:
            raise RuntimeError("the simulator is not running")
        return f"http://{self.config.host}:{self._http.server_port}"

    @property
    def ws_url(self) -> str:
        """The order-update socket of protocol.md §3, e.g. ws://127.0.0.1:8771/ws."""
        if self._feed is None:
            raise RuntimeError("the simulator is not running")
        return f"ws://{self.config.host}:{self._ws_port}{SOCKET_PATH}"

    @property
    def stats(self) -> SimStats:
        """A copy of the counters as they are now."""
        return self._stats.snapshot()

    @property
    def done(self) -> bool:
        """True once a non-looping session has played its last frame."""
        return self._done.is_set()

    def wait_done(self, timeout: float | None = None) -> bool:
        """Block until a non-looping session has played its last frame; False on timeout."""
        return self._done.wait(timeout)

    def expire_sessions(self) -> None:
        """Invalidate every session token; subscribed clients get `Invalid Token` once."""
        self._tokens.expire_sessions()
        self._on_loop(lambda feed: feed.expire())

    def expire_auth_tokens(self) -> None:
        """Invalidate auth tokens as well, so only a full TOTP login gets back in."""
        self._tokens.expire_auth()
        self._on_loop(lambda feed: feed.expire())

    def drop_connections(self) -> None:
        """Close every client socket abruptly, with no WebSocket close frame."""
        self._on_loop(lambda feed: feed.drop())

    def _revoke(self, tokens: set[str]) -> None:
        """After a logout, clients subscribed with its sessions hear `Invalid Token`."""
        if self._feed is not None:
            self._on_loop(lambda feed: feed.expire(tokens))

    def _on_loop(self, action: Callable[[Feed], Coroutine[Any, Any, None]]) -> None:
        """Run `action` on the simulator's loop and wait for it (unless called from there)."""
        loop, feed = self._loop, self._feed
        if loop is None or feed is None or loop.is_closed():
            raise RuntimeError("the simulator is not running")
        future = asyncio.run_coroutine_threadsafe(action(feed), loop)
        if threading.current_thread() is not self._loop_thread:
            future.result(timeout=_CALL_TIMEOUT)
