"""Run `nubra` with websocket-client reading the socket through a 64 KiB buffer: an experiment.

websocket-client's `frame_buffer.recv_strict` asks the socket for exactly what
the next step needs (2 header bytes, 2 length bytes, then the payload), one
`recv` system call each, through a Python wrapper that checks the timeout
every time. This launcher hands it a reader that fills a 64 KiB buffer with one
`recv` and serves those small reads from memory, without changing any product
code, so figure 2 can show what such a change would buy.

Usage: python benchmarks/buffered_launch.py watch --json ...  (the same arguments as `nubra`)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

BUFFER_BYTES = 65536


class BufferedRecv:
    """Serves `recv(n)` from a buffer refilled by one large `recv` when it runs dry."""

    def __init__(self, recv: Callable[[int], bytes], size: int = BUFFER_BYTES) -> None:
        self._recv = recv
        self._size = size
        self._buffer = b""
        self._offset = 0

    def __call__(self, bufsize: int) -> bytes:
        if self._offset >= len(self._buffer):
            # Raises on timeout and on a closed socket exactly as before: nothing is buffered.
            self._buffer = self._recv(self._size)
            self._offset = 0
        start = self._offset
        self._offset = start + bufsize
        return self._buffer[start : self._offset]


def install() -> None:
    """Make every websocket-client frame reader buffer its socket reads."""
    from websocket import _abnf

    original: Callable[..., None] = _abnf.frame_buffer.__init__

    def buffered_init(self: Any, recv_fn: Callable[[int], bytes], *args: Any) -> None:
        original(self, BufferedRecv(recv_fn), *args)

    setattr(_abnf.frame_buffer, "__init__", buffered_init)  # noqa: B010 (mypy: a method)


if __name__ == "__main__":
    install()
    from nubra_cli.cli import main

    sys.argv[0] = "nubra"
    main()
