"""SIGTERM as an exception, so long-running commands unwind: sockets closed, terminal restored."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from nubra_cli.errors import Terminated


@contextmanager
def sigterm_stops() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated (exit 143) instead of killing the process."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated("stopped by SIGTERM")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
