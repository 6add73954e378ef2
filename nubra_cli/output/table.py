"""The live order table: one row per order, redrawn at most ~10 times a second, idle when quiet.

`TableSink` folds events into an `OrderBook` on every `write` but draws only
when the throttle allows, so a burst of hundreds of updates costs a few
redraws; with no events it redraws only when the text on screen would change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from types import TracebackType
from typing import Final

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from nubra_cli.output import cells
from nubra_cli.output.orderbook import DEFAULT_MAX_ROWS, OrderBook, OrderRow
from nubra_cli.wire import Event

Cell = str | Text

PROD_STYLE: Final = "bold white on red"
CALM_STYLE: Final = "bold cyan"
#: Connection states by their first word; any other state is shown in yellow (in progress).
CONNECTION_STYLES: Final[dict[str, str]] = {"connected": "green", "stalled": "bold red"}

#: Lines around the rows: title, header, rule, status line, caption, and one spare.
_CHROME_LINES: Final = 6


@dataclass(frozen=True, slots=True)
class Column:
    """One table column; `min_width` set means it may shrink (with an ellipsis) to that width."""

    name: str
    header: str
    cell: Callable[[OrderRow], Cell]
    justify: JustifyMethod = "left"
    min_width: int | None = None
    max_width: int | None = None


COLUMNS: Final = (
    Column("time", "Time", lambda row: cells.clock_time(row.last_modified)),
    Column("symbol", "Symbol", lambda row: row.symbol or "", min_width=12, max_width=28),
    Column("side", "Side", cells.side_cell),
    Column("status", "Status", cells.status_cell),
    Column("qty", "Filled", cells.qty_cell, justify="right"),
    Column("price", "Price", cells.price_cell, justify="right"),
    Column("avg", "Avg", lambda row: cells.rupees(row.avg_price), justify="right"),
    Column("last_fill", "Last fill", cells.last_fill_cell, justify="right"),
    Column("tag", "Tag", lambda row: row.tag or "", min_width=8, max_width=16),
    Column("message", "Message", cells.message_cell, min_width=16, max_width=60),
)

#: Which columns go first when the terminal is too narrow; the rest always stay.
DROP_ORDER: Final = ("message", "tag", "avg", "last_fill", "time", "price")
#: Which shrinkable columns get spare width first.
_GROW_ORDER: Final = ("symbol", "tag", "message")


def _table_overhead(columns: int) -> int:
    """Width taken by padding and separators (show_edge and pad_edge off, right padding 1)."""
    return max(0, 2 * (columns - 1))


def layout(natural: dict[str, int], width: int) -> dict[str, int]:
    """The columns to show and their widths: drop by `DROP_ORDER` until the rest fit `width`."""
    shown = [column for column in COLUMNS if column.name in natural]
    floor = {
        column.name: min(natural[column.name], column.min_width or natural[column.name])
        for column in shown
    }
    for name in DROP_ORDER:
        if sum(floor[c.name] for c in shown) + _table_overhead(len(shown)) <= width:
            break
        shown = [column for column in shown if column.name != name]
    widths = {column.name: floor[column.name] for column in shown}
    spare = width - sum(widths.values()) - _table_overhead(len(shown))
    by_name = {column.name: column for column in shown}
    for name in _GROW_ORDER:
        column = by_name.get(name)
        if column is None or spare <= 0:
            continue
        ceiling = min(natural[name], column.max_width or natural[name])
        grow = max(0, min(spare, ceiling - widths[name]))
        widths[name] += grow
        spare -= grow
    return widths


def _width(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


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
        grid = {column.name: [column.cell(row) for row in rows] for column in COLUMNS}
        natural = {
            column.name: max([cell_len(column.header), *map(_width, grid[column.name])])
            for column in COLUMNS
        }
        widths = layout(natural, self.console.width)
        table = Table(
            title=self._title(),
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            padding=(0, 1, 0, 0),
            header_style="bold",
            caption=self._caption(len(book) - len(rows)),
        )
        for column in COLUMNS:
            if column.name in widths:
                table.add_column(
                    column.header,
                    justify=column.justify,
                    width=widths[column.name],
                    no_wrap=True,
                    overflow="ellipsis",
                )
        for index in range(len(rows)):
            table.add_row(*(grid[name][index] for name in widths))
        return Group(table, self._status_line(self._age(now)))

    def _title(self) -> Text:
        if self.is_prod:
            return Text(f" {self.env_label} — LIVE MONEY ", style=PROD_STYLE)
        return Text(self.env_label, style=CALM_STYLE)

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
