"""Bare WebSocket ends for calibrating figure 2: a burst server and a reader that parse nothing.

`BurstServer` answers a subscription with one pre-framed burst written by a
single `sendall`, so it is never the slow side; `nubra watch` against it shows
what the client alone can drain. `python rawws.py drain URL BYTES` (session
token in $BENCH_SESSION_TOKEN) is the opposite end: it subscribes and reads
BYTES bytes in large chunks without looking at them, showing what the
simulator alone can send.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import sys
import threading
import time
from types import TracebackType
from urllib.parse import urlsplit

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
#: Where `drain` finds the session token (kept out of the command line).
TOKEN_VAR = "BENCH_SESSION_TOKEN"


def server_frame_header(size: int, opcode: int = 0x2) -> bytes:
    """The header of an unmasked, final server frame carrying `size` bytes."""
    if size < 126:
        return bytes([0x80 | opcode, size])
    if size < 65536:
        return bytes([0x80 | opcode, 126]) + size.to_bytes(2, "big")
    return bytes([0x80 | opcode, 127]) + size.to_bytes(8, "big")


def client_text_frame(text: str) -> bytes:
    """A masked text frame (with an all-zero mask, so the payload goes as it is)."""
    payload = text.encode()
    header = bytearray(server_frame_header(len(payload), opcode=0x1))
    header[1] |= 0x80
    return bytes(header) + b"\0\0\0\0" + payload


class _Reader:
    """Exact reads from a socket, keeping what a larger read brought along."""

    def __init__(self, sock: socket.socket, leftover: bytes = b"") -> None:
        self.sock = sock
        self.buffer = leftover

    def until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self._more()
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._more()
        head, self.buffer = self.buffer[:size], self.buffer[size:]
        return head

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the peer closed the connection")
        self.buffer += chunk

    def client_frame(self) -> tuple[int, bytes]:
        """One masked client frame: (opcode, unmasked payload)."""
        first, second = self.exactly(2)
        size = second & 0x7F
        if size == 126:
            size = int.from_bytes(self.exactly(2), "big")
        elif size == 127:
            size = int.from_bytes(self.exactly(8), "big")
        mask = self.exactly(4) if second & 0x80 else b"\0\0\0\0"
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.exactly(size)))
        return first & 0x0F, data


class BurstServer:
    """Plays `frames` once, as fast as the socket takes them, to the first subscriber."""

    def __init__(self, frames: list[bytes]) -> None:
        self._burst = b"".join(server_frame_header(len(f)) + f for f in frames)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._sent = False
        self._thread = threading.Thread(target=self._serve, name="burst-server", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/ws"

    def __enter__(self) -> BurstServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                try:
                    self._session(conn)
                except OSError:
                    pass  # the client went away mid-way: nothing to report

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(1.0)
        reader = _Reader(conn)
        request = reader.until(b"\r\n\r\n").decode("latin-1")
        key = next(
            line.split(":", 1)[1].strip()
            for line in request.split("\r\n")
            if line.lower().startswith("sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        opcode, data = reader.client_frame()
        if opcode != 0x1 or not data.startswith(b"subscribe "):
            return
        if not self._sent:
            self._sent = True
            conn.settimeout(None)
            conn.sendall(self._burst)
        conn.settimeout(0.1)
        while not self._stop.is_set():  # hold the line open until the client leaves
            try:
                opcode, data = reader.client_frame()
            except TimeoutError:
                continue
            except ConnectionError:
                return
            if opcode == 0x8:  # close: answer it, as a server must, so the client need not wait
                conn.sendall(server_frame_header(len(data[:2]), opcode=0x8) + data[:2])
                return
            if opcode == 0x9:  # ping
                conn.sendall(server_frame_header(len(data), opcode=0xA) + data)


def drain(url: str, token: str, expected: int) -> float:
    """Subscribe at `url`, read `expected` bytes of frames; seconds from subscribe to last byte."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80)) as sock:
        sock.sendall(
            f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {_KEY}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        reader = _Reader(sock)
        reader.until(b"\r\n\r\n")
        sock.sendall(client_text_frame(f"subscribe {token} notifications notification"))
        received = len(reader.buffer)
        started = time.perf_counter()
        while received < expected:
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError(f"closed after {received} of {expected} bytes")
            received += len(chunk)
        return time.perf_counter() - started


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "drain" or TOKEN_VAR not in os.environ:
        sys.exit(f"usage: {TOKEN_VAR}=... rawws.py drain URL BYTES")
    print(f"{drain(sys.argv[2], os.environ[TOKEN_VAR], int(sys.argv[3])):.6f}")
