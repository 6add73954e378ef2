"""What it costs to cut a burst of WebSocket bytes into frames, per frame, with no socket at all.

    python benchmarks/framing.py

A companion to figure 2's profile: the same burst the end-to-end figure uses,
already in memory, parsed by

- websocket-client's `frame_buffer` as `nubra` uses it, its `recv` answering
  each small request from memory (so only the Python cost is left, no system call);
- websockets' sans-I/O `ClientProtocol` (already a dependency, for the simulator),
  fed 64 KiB at a time;
- a plain loop over the buffer with `int.from_bytes`, the least Python can do.

The difference to figure 2's measured cost per event is what the sockets add.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable

from frames import DistinctFrames
from rawws import server_frame_header

CHUNK = 65536
EVENTS = 100_000


def websocket_client(burst: bytes, count: int) -> int:
    from websocket._abnf import frame_buffer

    offset = 0

    def recv(size: int) -> bytes:
        nonlocal offset
        piece = burst[offset : offset + min(size, CHUNK)]
        offset += len(piece)
        return piece

    frames = frame_buffer(recv, True)
    for _ in range(count):
        frames.recv_frame()
    return count


def websockets_sans_io(burst: bytes, count: int) -> int:
    from websockets.client import ClientProtocol
    from websockets.uri import parse_uri

    protocol = ClientProtocol(parse_uri("ws://127.0.0.1/ws"), max_size=None)
    request = protocol.connect()
    protocol.send_request(request)
    key = request.headers["Sec-WebSocket-Key"].encode()
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    protocol.receive_data(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    protocol.events_received()  # the handshake response
    received = 0
    for start in range(0, len(burst), CHUNK):
        protocol.receive_data(burst[start : start + CHUNK])
        received += len(protocol.events_received())
    return received


def plain_loop(burst: bytes, count: int) -> int:
    view, offset, received = memoryview(burst), 0, 0
    end = len(burst)
    while offset < end:
        size = view[offset + 1] & 0x7F
        offset += 2
        if size == 126:
            size = int.from_bytes(view[offset : offset + 2], "big")
            offset += 2
        bytes(view[offset : offset + size])
        offset += size
        received += 1
    return received


def main() -> None:
    frames = DistinctFrames().burst(EVENTS)
    burst = b"".join(server_frame_header(len(frame)) + frame for frame in frames)
    parsers: list[tuple[str, Callable[[bytes, int], int]]] = [
        ("websocket-client frame_buffer (nubra today)", websocket_client),
        ("websockets ClientProtocol, 64 KiB chunks", websockets_sans_io),
        ("plain loop over the buffer", plain_loop),
    ]
    print(f"cutting {EVENTS:,} frames ({len(burst):,} bytes) out of memory, best of 3:")
    for name, parse in parsers:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            received = parse(burst, EVENTS)
            best = min(best, time.perf_counter() - started)
        assert received == EVENTS, (name, received)
        print(f"  {best / EVENTS * 1e6:6.2f} µs/frame  {EVENTS / best:>12,.0f} frames/s  {name}")


if __name__ == "__main__":
    main()
