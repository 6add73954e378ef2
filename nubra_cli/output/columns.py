"""The table's columns, which of them fit the terminal, and the rows laid out as lines of text.

The grid is laid out here rather than by `rich.table.Table` because the widths
are already known (columns are dropped to fit, never wrapped), and one `Text`
per row renders several times faster than a Table's per-cell padding, which
is what an idle or busy table spends its CPU on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from rich.cells import cell_len, set_cell_size
from rich.text import Span, Text

from nubra_cli.output import cells
from nubra_cli.output.orderbook import OrderRow

Cell = str | cells.Styled

#: Spaces between two columns.
GAP: Final = "  "


@dataclass(frozen=True, slots=True)
class Column:
    """One table column; `min_width` set means it may shrink (with an ellipsis) to that width."""

    name: str
    header: str
    cell: Callable[[OrderRow], Cell]
    justify: Literal["left", "right"] = "left"
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


def _gaps(columns: int) -> int:
    return len(GAP) * max(0, columns - 1)


def layout(natural: dict[str, int], width: int) -> dict[str, int]:
    """The columns to show and their widths: drop by `DROP_ORDER` until the rest fit `width`."""
    shown = [column for column in COLUMNS if column.name in natural]
    floor = {
        column.name: min(natural[column.name], column.min_width or natural[column.name])
        for column in shown
    }
    for name in DROP_ORDER:
        if sum(floor[c.name] for c in shown) + _gaps(len(shown)) <= width:
            break
        shown = [column for column in shown if column.name != name]
    widths = {column.name: floor[column.name] for column in shown}
    spare = width - sum(widths.values()) - _gaps(len(shown))
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


def _text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell[0]


def _fit(text: str, width: int) -> tuple[str, int]:
    """`text` cut to `width` cells with an ellipsis, and the cells left over for padding."""
    length = cell_len(text)
    if length > width:
        return (set_cell_size(text, width - 1) + "…" if width > 0 else ""), 0
    return text, width - length


def _line(cells_in_row: Sequence[Cell], columns: Sequence[tuple[Column, int]]) -> Text:
    """One row: each cell cut to its column with an ellipsis, padded, joined by the gap."""
    parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    for cell, (column, width) in zip(cells_in_row, columns, strict=True):
        text, padding = _fit(_text(cell), width)
        start = offset + padding if column.justify == "right" else offset
        if not isinstance(cell, str) and cell[1] and text:
            spans.append(Span(start, start + len(text), cell[1]))
        part = " " * padding + text if column.justify == "right" else text + " " * padding
        parts.append(part)
        offset += len(part) + len(GAP)
    return Text(GAP.join(parts).rstrip(" "), spans=spans, no_wrap=True, overflow="ellipsis")


def grid(rows: Sequence[OrderRow], width: int) -> tuple[list[Text], int]:
    """The header, a rule and one line per row, fitted to `width`; and the grid's own width."""
    table = {column.name: [column.cell(row) for row in rows] for column in COLUMNS}
    natural = {
        column.name: max(cell_len(_text(cell)) for cell in [column.header, *table[column.name]])
        for column in COLUMNS
    }
    widths = layout(natural, width)
    columns = [(column, widths[column.name]) for column in COLUMNS if column.name in widths]
    total = sum(widths.values()) + _gaps(len(columns))
    header = _line([column.header for column, _ in columns], columns)
    header.stylize("bold")
    lines = [header, Text("─" * total, style="dim", no_wrap=True, overflow="crop")]
    for index in range(len(rows)):
        lines.append(_line([table[column.name][index] for column, _ in columns], columns))
    return lines, total
