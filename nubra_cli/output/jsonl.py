"""Events as JSON lines: one compact object per line, flushed per event, 64-bit integers exact."""

from __future__ import annotations

import os
import select
import stat
from typing import IO, Any

import orjson

from nubra_cli.errors import ReaderGone


def _pipe_poller(stream: IO[bytes]) -> select.poll | None:
    """A poller that reports when the reader of a pipe has gone, or None for files and terminals."""
    try:
        fd = stream.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return None
    except (OSError, ValueError, AttributeError):
        return None
    poller = select.poll()
    poller.register(fd, select.POLLERR | select.POLLHUP)
    return poller


class JsonLinesSink:
    """Writes each event to a binary stream (stdout's buffer, or a `--record` file)."""

    def __init__(self, stream: IO[bytes], flush: bool = True) -> None:
        self._stream = stream
        self._flush = flush
        self._pipe = _pipe_poller(stream)

    def write(self, event: dict[str, Any]) -> None:
        try:
            self._stream.write(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))
            if self._flush:
                self._stream.flush()
        except BrokenPipeError:
            raise ReaderGone("the reader of the output went away") from None

    def idle(self) -> None:
        """On a quiet tick, notice a reader that went away (`| head -1`) instead of waiting."""
        if self._pipe is not None and self._pipe.poll(0):
            raise ReaderGone("the reader of the output went away")
