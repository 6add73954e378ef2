"""The state behind the live table: one row per order, newest-updated last, bounded.

Kept free of Rich so the hot path (one `apply` per event, hundreds per second in
a burst) is a few dict operations, and the state can be tested and measured alone.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from nubra_cli.wire import Event

#: How many orders the table keeps when the caller does not say.
DEFAULT_MAX_ROWS: Final = 30

#: A row key: an order id, or ("basket", basket_id) for a basket notification.
RowKey = int | tuple[str, int | None]


@dataclass(slots=True)
class OrderRow:
    """What the table shows for one order (or one basket), merged from its events."""

    kind: str
    last_modified: int | None = None
    symbol: str | None = None
    side: str | int | None = None
    status: str | int | None = None
    order_type: str | int | None = None
    filled_qty: int = 0
    order_qty: int | None = None
    order_price: int | None = None
    avg_price: int | None = None
    last_fill_qty: int | None = None
    last_fill_price: int | None = None
    tag: str | None = None
    message: str | None = None


class OrderBook:
    """The last `max_rows` orders by order id, with counts of everything seen.

    Rows move to the end on every update, so iterating `newest_first()` gives
    the most recently touched order first; the least recently touched is
    evicted when a new order would exceed `max_rows`.
    """

    def __init__(self, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        if max_rows < 1:
            raise ValueError(f"max_rows must be at least 1, not {max_rows}")
        self.max_rows = max_rows
        self._rows: OrderedDict[RowKey, OrderRow] = OrderedDict()
        self.events = 0
        self.orders = 0
        self.trades = 0
        self.baskets = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._rows)

    def newest_first(self) -> Iterator[OrderRow]:
        """The rows, most recently updated first."""
        return reversed(self._rows.values())

    def apply(self, event: Event) -> None:
        """Fold one event into its row, creating (and evicting) rows as needed."""
        self.events += 1
        kind = event.get("kind")
        if kind == "basket":
            self.baskets += 1
            self._apply_basket(event)
            return
        if kind == "trade":
            self.trades += 1
        order_id = event.get("order_id")
        if order_id is None:
            return  # an order update that names no order cannot be placed in a row
        row = self._row(order_id, "order")
        _merge_order(row, event)

    def _apply_basket(self, event: Event) -> None:
        row = self._row(("basket", event.get("basket_id")), "basket")
        row.symbol = f"basket {_or_dash(event.get('basket_id'))}"
        row.last_modified = event.get("last_modified") or row.last_modified
        response = event.get("response_type")
        if isinstance(response, str) and response.startswith("BASKET_"):
            response = response.removeprefix("BASKET_")
        row.status = response

    def _row(self, key: RowKey, kind: str) -> OrderRow:
        rows = self._rows
        row = rows.get(key)
        if row is not None:
            rows.move_to_end(key)
            return row
        if kind == "order":
            self.orders += 1
        row = rows[key] = OrderRow(kind)
        if len(rows) > self.max_rows:
            rows.popitem(last=False)
            self.evicted += 1
        return row


def _or_dash(value: Any) -> str:
    return "-" if value is None else str(value)


def _merge_order(row: OrderRow, event: Event) -> None:
    """Update a row from an order or trade event.

    Identity fields keep their last known value when an event leaves them
    unset (proto3 sends no zeros); an event older than what the row shows
    cannot move its status back, and the filled quantity never goes down.
    """
    get = event.get
    modified = get("last_modified")
    stale = modified is not None and row.last_modified is not None and modified < row.last_modified
    for name, value in (
        ("symbol", get("display_name")),
        ("side", get("side")),
        ("order_type", get("order_type")),
        ("order_qty", get("order_qty")),
        ("order_price", get("order_price")),
        ("tag", get("tag")),
    ):
        if value is not None and (not stale or getattr(row, name) is None):
            setattr(row, name, value)
    filled = get("filled_qty")
    if filled is not None and filled > row.filled_qty:
        row.filled_qty = filled
    if get("kind") == "trade" and (not stale or row.last_fill_qty is None):
        row.last_fill_qty = get("trade_qty")
        row.last_fill_price = get("trade_price")
    if stale:
        return
    row.last_modified = modified if modified is not None else row.last_modified
    status = get("order_status")
    if status is not None:
        row.status = status
    avg = get("avg_price")
    if avg is not None:
        row.avg_price = avg
    message = get("update_msg")
    if message is not None:
        row.message = message
