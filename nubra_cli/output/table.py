"""The live order table: one row per order, redrawn at most ~10 times a second, idle when quiet.

`TableSink` folds events into an `OrderBook` on every `write` but draws only
when the throttle allows, so a burst of hundreds of updates costs a few
redraws; with no events it redraws only when the text on screen would change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import islice
from types import TracebackType
from typing import Final

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.text import Text

from nubra_cli.output import cells
from nubra_cli.output.columns import grid
from nubra_cli.output.orderbook import DEFAULT_MAX_ROWS, OrderBook
from nubra_cli.wire import Event

PROD_STYLE: Final = "bold white on red"
CALM_STYLE: Final = "bold cyan"
#: Connection states by their first word; any other state is shown in yellow (in progress).
CONNECTION_STYLES: Final[dict[str, str]] = {"connected": "green", "stalled": "bold red"}

#: Lines around the rows: title, header, rule, caption, status line, and one spare.
_CHROME_LINES: Final = 6


class TableSink:
    """Shows events as a Rich Live table on the injected console; use as a context manager."""

    def __init__(
        self,
        console: Console,
        env_label: str,
        is_prod: bool,
        max_rows: int = DEFAULT_MAX_ROWS,
        clock: Callable[[], float] = time.monotonic,
        max_refresh_per_second: float = 10.0,
    ) -> None:
        self.console = console
        self.env_label = env_label
        self.is_prod = is_prod
        self.book = OrderBook(max_rows)
        self.refreshes = 0
        self._clock = clock
        self._interval = 1.0 / max_refresh_per_second if max_refresh_per_second > 0 else 0.0
        self._connection = "connecting"
        self._last_event_at: float | None = None
        self._live: Live | None = None
        self._dirty = True
        self._last_draw = float("-inf")
        self._drawn_age = ""
        self._drawn_size = (0, 0)

    def __enter__(self) -> TableSink:
        self._live = Live(console=self.console, auto_refresh=False, transient=False)
        self._live.start()
        self._draw(self._clock())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.update(self._render(self._clock(), fit_height=False))
            live.stop()

    def write(self, event: Event) -> None:
        """Fold one event into the table; draw it now if the last draw is old enough."""
        self.book.apply(event)
        now = self._clock()
        self._last_event_at = now
        self._dirty = True
        if now - self._last_draw >= self._interval:
            self._draw(now)

    def connection(self, state: str) -> None:
        """Show the stream's connection state ("connected", "reconnecting (attempt 3)", ...)."""
        if state != self._connection:
            self._connection = state
            self._dirty = True
            self.idle()

    def idle(self) -> None:
        """Draw what is pending, or what the clock or a resize changed; else do nothing."""
        now = self._clock()
        if not self._dirty and (
            self._age(now) != self._drawn_age or self.console.size != self._drawn_size
        ):
            self._dirty = True
        if self._dirty and now - self._last_draw >= self._interval:
            self._draw(now)

    def render(self) -> RenderableType:
        """The whole view as it would be drawn now."""
        return self._render(self._clock())

    def _age(self, now: float) -> str:
        return cells.age_text(None if self._last_event_at is None else now - self._last_event_at)

    def _draw(self, now: float) -> None:
        if self._live is None:
            self._dirty = False
            return
        self._drawn_size = self.console.size
        self._drawn_age = self._age(now)
        self._live.update(self._render(now), refresh=True)
        self._last_draw = now
        self._dirty = False
        self.refreshes += 1

    def _render(self, now: float, *, fit_height: bool = True) -> RenderableType:
        book = self.book
        room = len(book)
        if fit_height:
            room = min(room, max(1, self.console.height - _CHROME_LINES))
        rows = list(islice(book.newest_first(), room))
        width = self.console.width
        lines, grid_width = grid(rows, width)
        parts: list[RenderableType] = [self._title(min(width, max(grid_width, 40))), *lines]
        caption = self._caption(len(book) - len(rows))
        if caption:
            parts.append(Text(caption, style="dim italic", no_wrap=True, overflow="ellipsis"))
        parts.append(self._status_line(self._age(now)))
        return Group(*parts)

    def _title(self, width: int) -> Text:
        """The environment, centred over the grid; PROD on red across its whole width."""
        if self.is_prod:
            text, style = f" {self.env_label} — LIVE MONEY ", PROD_STYLE
        else:
            text, style = self.env_label, CALM_STYLE
        title = Text(text.center(width), style=style, no_wrap=True, overflow="ellipsis")
        title.truncate(width, overflow="ellipsis")
        return title

    def _caption(self, hidden: int) -> str | None:
        if not self.book.events:
            return "waiting for order updates…"
        if hidden > 0:
            return f"{cells.counted(hidden, 'older row')} not shown (terminal too short)"
        return None

    def _status_line(self, age: str) -> Text:
        book = self.book
        state = self._connection
        style = CONNECTION_STYLES.get(state.partition(" ")[0], "yellow")
        return Text.assemble(
            (self.env_label, PROD_STYLE if self.is_prod else CALM_STYLE),
            " · ",
            (state, style),
            f" · {age} · {cells.counted(book.orders, 'order')} · "
            f"{cells.counted(book.trades, 'trade')} · {cells.counted(book.baskets, 'basket')} · "
            f"{cells.counted(book.events, 'event')} seen",
        )
