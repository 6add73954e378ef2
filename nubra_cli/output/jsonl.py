"""Events as JSON lines: one compact object per line, flushed per event, 64-bit integers exact."""

from __future__ import annotations

import os
import select
import stat
from collections.abc import Callable
from typing import IO, Any

import orjson

from nubra_cli.errors import ReaderGone

_DUMPS_OPTION = orjson.OPT_APPEND_NEWLINE


def _pipe_poller(fd: int | None) -> select.poll | None:
    """A poller that reports when the reader of a pipe has gone, or None for files and terminals."""
    try:
        if fd is None or not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return None
    except OSError:
        return None
    poller = select.poll()
    poller.register(fd, select.POLLERR | select.POLLHUP)
    return poller


def _file_descriptor(stream: IO[bytes]) -> int | None:
    try:
        return stream.fileno()
    except (OSError, ValueError, AttributeError):
        return None


def _fd_writer(fd: int) -> Callable[[bytes], None]:
    """Write a whole line straight to the descriptor: one system call, nothing left buffered.

    The same bytes at the same moment as `write` plus `flush` on a buffered stream, with
    one layer less per event; the loop covers the short writes a pipe may make.
    """
    write = os.write

    def write_line(line: bytes) -> None:
        written = write(fd, line)
        while written < len(line):
            line = line[written:]
            written = write(fd, line)

    return write_line


def _stream_writer(stream: IO[bytes]) -> Callable[[bytes], None]:
    """For a stream with no descriptor (an in-memory buffer): write, then flush."""

    def write_line(line: bytes) -> None:
        stream.write(line)
        stream.flush()

    return write_line


class JsonLinesSink:
    """Writes each event to a binary stream (stdout's buffer, or a `--record` file).

    Each line has left the process when `write` returns: nothing waits in a buffer.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream  # held, so its descriptor stays open as long as the sink
        fd = _file_descriptor(stream)
        self._pipe = _pipe_poller(fd)
        if fd is None:
            self._write_line = _stream_writer(stream)
        else:
            stream.flush()  # whatever the stream holds goes out before our first line
            self._write_line = _fd_writer(fd)

    def write(self, event: dict[str, Any]) -> None:
        try:
            self._write_line(orjson.dumps(event, option=_DUMPS_OPTION))
        except BrokenPipeError:
            raise ReaderGone("the reader of the output went away") from None

    def idle(self) -> None:
        """On a quiet tick, notice a reader that went away (`| head -1`) instead of waiting."""
        if self._pipe is not None and self._pipe.poll(0):
            raise ReaderGone("the reader of the output went away")
