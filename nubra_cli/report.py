"""All that `nubra watch` says on stderr: banner, reconnects, problems (rate-limited), summary."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape

from nubra_cli.settings import Endpoints
from nubra_cli.stream import StreamStats

#: Connection states worth a line of their own; "connecting"/"connected" after those are implied.
_QUIET_STATES = ("connecting",)


class StderrReporter:
    """The stream's observer: a line per reconnect, at most `burst` problems per `window` seconds.

    A flood of garbage frames must not drown the terminal, so excess problems are
    counted and summed up in one line when the window ends.
    """

    def __init__(
        self,
        console: Console,
        on_state: Callable[[str], None] | None = None,
        burst: int = 5,
        window: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._console = console
        self._on_state = on_state
        self._burst = burst
        self._window = window
        self._clock = clock
        self._window_start = clock()
        self._in_window = 0
        self._suppressed = 0
        self._connected_once = False

    def banner(self, endpoints: Endpoints, demo: bool = False) -> None:
        """The first line: which environment this is, PROD unmistakably."""
        where = escape(endpoints.ws_url)
        if demo:
            self._console.print(f"nubra: [bold]DEMO[/] (local simulator) · {where}")
        elif endpoints.is_prod:
            self._console.print(f"nubra: [bold white on red] PROD · LIVE MONEY [/] · {where}")
        else:
            self._console.print(f"nubra: [bold]{escape(endpoints.label)}[/] · {where}")

    def connection(self, state: str) -> None:
        if self._on_state is not None:
            self._on_state(state)
        if state == "connected":
            if self._connected_once:
                self._console.print("nubra: reconnected")
            self._connected_once = True
        elif state not in _QUIET_STATES:
            self._console.print(f"nubra: {escape(state)}")

    def problem(self, message: str) -> None:
        now = self._clock()
        if now - self._window_start >= self._window:
            self._flush_suppressed()
            self._window_start, self._in_window = now, 0
        if self._in_window < self._burst:
            self._in_window += 1
            self._console.print(f"nubra: warning: {escape(message)}")
        else:
            self._suppressed += 1

    def _flush_suppressed(self) -> None:
        if self._suppressed:
            self._console.print(f"nubra: warning: {self._suppressed} more problems not shown")
            self._suppressed = 0

    def summary(self, emitted: Counter[str], stats: StreamStats, now: float) -> None:
        """The closing line: events by kind, problems, reconnects, duration."""
        self._flush_suppressed()
        kinds = ", ".join(f"{emitted[kind]} {kind}" for kind in ("order", "trade", "basket"))
        errors = stats.wire_errors + stats.server_errors
        parts = [
            _plural(sum(emitted.values()), "event") + f" ({kinds})",
            _plural(errors, "error"),
            _plural(stats.reconnects, "reconnect"),
        ]
        if stats.duplicates:
            parts.append(f"{stats.duplicates} repeated frames dropped")
        parts.append(format_duration(now - stats.started))
        self._console.print("nubra: " + ", ".join(parts), highlight=False)


def format_duration(seconds: float) -> str:
    """`42.1s`, `3m05s`, `2h01m`."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"
