"""Events as JSON lines: one compact object per line, flushed per event, 64-bit integers exact."""

from __future__ import annotations

from typing import IO, Any

import orjson


class JsonLinesSink:
    """Writes each event to a binary stream (stdout's buffer, or a `--record` file)."""

    def __init__(self, stream: IO[bytes], flush: bool = True) -> None:
        self._stream = stream
        self._flush = flush

    def write(self, event: dict[str, Any]) -> None:
        self._stream.write(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))
        if self._flush:
            self._stream.flush()

    def connection(self, state: str) -> None:
        """JSON output carries events only; connection news goes to stderr elsewhere."""

    def idle(self) -> None:
        """Nothing to redraw."""
