"""How one value of an order row reads in the table: rupees, clock times, coloured names.

Separate from the layout so each rule (paise to rupees, timestamp unit by
magnitude, status colours) is one small function with its own tests.
"""

from __future__ import annotations

import time
from typing import Final

from nubra_cli.output.orderbook import OrderRow

#: A cell's text with the one style it is drawn in (a plain string is unstyled).
Styled = tuple[str, str]

#: Styles of the statuses by their short name; anything else is shown unstyled.
STATUS_STYLES: Final[dict[str, str]] = {
    "FILLED": "bold green",
    "OPEN": "cyan",
    "PENDING": "blue",
    "SENT": "blue",
    "CANCELLED": "yellow",
    "REJECTED": "bold red",
    "TRIGGERED": "magenta",
}
SIDE_STYLES: Final[dict[str, str]] = {"BUY": "bold green", "SELL": "bold red"}

_PREFIXES: Final = ("ORDER_STATUS_", "ORDER_SIDE_")

#: A timestamp at or above each bound is in that unit (epoch 1e9 s is 2001).
_UNIT_BOUNDS: Final = ((10**17, 10**9), (10**14, 10**6), (10**11, 10**3))


def rupees(paise: int | None) -> str:
    """125050 -> "₹1,250.50", in whole integers so large prices stay exact."""
    if paise is None:
        return ""
    sign = "-" if paise < 0 else ""
    whole, fraction = divmod(abs(paise), 100)
    return f"{sign}₹{whole:,}.{fraction:02d}"


def epoch_seconds(timestamp: int) -> float:
    """Seconds since the epoch from a timestamp in s, ms, µs or ns, told by its size."""
    for bound, per_second in _UNIT_BOUNDS:
        if abs(timestamp) >= bound:
            return timestamp / per_second
    return float(timestamp)


def clock_time(timestamp: int | None) -> str:
    """Local wall-clock HH:MM:SS of an event timestamp, or "" when it has none."""
    if timestamp is None:
        return ""
    try:
        return time.strftime("%H:%M:%S", time.localtime(epoch_seconds(timestamp)))
    except (OverflowError, OSError, ValueError):
        return "?"


def short_name(value: str | int | None) -> str:
    """Drop the enum prefix ("ORDER_STATUS_FILLED" -> "FILLED"); unknown numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    for prefix in _PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def status_cell(row: OrderRow) -> Styled:
    name = short_name(row.status)
    return name, STATUS_STYLES.get(name, "")


def side_cell(row: OrderRow) -> Styled:
    name = short_name(row.side)
    return name, SIDE_STYLES.get(name, "")


def qty_cell(row: OrderRow) -> str:
    if row.kind == "basket":
        return ""
    ordered = "?" if row.order_qty is None else str(row.order_qty)
    return f"{row.filled_qty}/{ordered}"


def price_cell(row: OrderRow) -> str:
    if row.order_price is None and row.order_type == "ORDER_TYPE_MARKET":
        return "MKT"
    return rupees(row.order_price)


def last_fill_cell(row: OrderRow) -> str:
    if row.last_fill_qty is None:
        return ""
    return f"{row.last_fill_qty} @ {rupees(row.last_fill_price)}"


def message_cell(row: OrderRow) -> Styled:
    return row.message or "", "red" if short_name(row.status) == "REJECTED" else "dim"


def age_text(seconds: float | None) -> str:
    """The age of the last event, coarser as it grows, so an idle table redraws rarely."""
    if seconds is None:
        return "no events yet"
    whole = max(0, int(seconds))
    if whole < 60:
        return f"last event {whole}s ago"
    if whole < 3600:
        return f"last event {whole // 60}m ago"
    return f"last event {whole // 3600}h {whole % 3600 // 60:02d}m ago"


def counted(number: int, noun: str) -> str:
    """A count with its noun, plural unless one: "1 order", "1,204 events"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
