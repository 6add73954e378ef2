"""The pieces under the live table: cell formatting, column layout, and the bounded order book."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from nubra_cli.output import cells
from nubra_cli.output.columns import COLUMNS, DROP_ORDER, layout
from nubra_cli.output.orderbook import OrderBook, OrderRow


@pytest.mark.parametrize(
    ("paise", "text"),
    [
        (125050, "₹1,250.50"),
        (1, "₹0.01"),
        (100, "₹1.00"),
        (99900, "₹999.00"),
        (-45500, "-₹455.00"),
        (2**63 - 1, "₹92,233,720,368,547,758.07"),
        (None, ""),
    ],
)
def test_rupees_from_paise(paise: int | None, text: str) -> None:
    assert cells.rupees(paise) == text


@pytest.mark.parametrize(
    "timestamp",
    [1_763_880_000, 1_763_880_000_123, 1_763_880_000_123_456, 1_763_880_000_123_456_789],
)
def test_timestamp_unit_is_told_by_magnitude(timestamp: int) -> None:
    assert int(cells.epoch_seconds(timestamp)) == 1_763_880_000
    assert cells.clock_time(timestamp) == time.strftime("%H:%M:%S", time.localtime(1_763_880_000))


def test_clock_time_of_nothing_and_of_nonsense() -> None:
    assert cells.clock_time(None) == ""
    assert cells.clock_time(10**30) == "?"


@pytest.mark.parametrize(
    ("value", "short"),
    [("ORDER_STATUS_FILLED", "FILLED"), ("ORDER_SIDE_SELL", "SELL"), (9, "9"), (None, "")],
)
def test_short_names(value: str | int | None, short: str) -> None:
    assert cells.short_name(value) == short


def test_status_and_side_colours() -> None:
    row = OrderRow("order", status="ORDER_STATUS_REJECTED", side="ORDER_SIDE_BUY")
    assert cells.status_cell(row) == ("REJECTED", "bold red")
    assert cells.side_cell(row) == ("BUY", "bold green")
    assert cells.status_cell(OrderRow("order", status=42)) == ("42", "")
    assert cells.message_cell(OrderRow("order", status="ORDER_STATUS_REJECTED")) == ("", "red")


def test_market_order_price_and_unknown_quantity() -> None:
    row = OrderRow("order", order_type="ORDER_TYPE_MARKET")
    assert (cells.price_cell(row), cells.qty_cell(row)) == ("MKT", "0/?")
    assert cells.qty_cell(OrderRow("basket")) == ""


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "no events yet"),
        (-0.5, "last event 0s ago"),
        (3.9, "last event 3s ago"),
        (59.99, "last event 59s ago"),
        (60, "last event 1m ago"),
        (3599, "last event 59m ago"),
        (3600 + 5 * 60, "last event 1h 05m ago"),
    ],
)
def test_age_text(seconds: float | None, text: str) -> None:
    assert cells.age_text(seconds) == text


def test_counted() -> None:
    assert (cells.counted(1, "order"), cells.counted(1204, "event")) == ("1 order", "1,204 events")


NATURAL = {
    "time": 8,
    "symbol": 20,
    "side": 4,
    "status": 9,
    "qty": 6,
    "price": 9,
    "avg": 9,
    "last_fill": 13,
    "tag": 9,
    "message": 31,
}


@pytest.mark.parametrize("width", range(20, 200, 7))
def test_layout_fits_and_drops_in_priority_order(width: int) -> None:
    widths = layout(NATURAL, width)
    dropped = [name for name in NATURAL if name not in widths]
    assert set(dropped) == set(DROP_ORDER[: len(dropped)])
    if len(dropped) < len(DROP_ORDER):
        assert sum(widths.values()) + 2 * (len(widths) - 1) <= width
    assert [c.name for c in COLUMNS if c.name in widths] == list(widths)


def test_layout_gives_spare_width_to_the_symbol_first() -> None:
    assert layout(NATURAL, 200) == NATURAL
    widths = layout(NATURAL, 124)
    assert widths["symbol"] == 20 and widths["message"] < 31


def event(kind: str = "order", **fields: Any) -> dict[str, Any]:
    return {"kind": kind, **fields}


def test_book_stays_bounded_under_random_order_ids() -> None:
    book = OrderBook(max_rows=30)
    rng = random.Random(7)
    for n in range(10_000):
        kind = rng.choice(("order", "trade", "trade", "basket"))
        book.apply(event(kind, order_id=rng.randrange(10**12), basket_id=n, trade_qty=1))
    assert len(book) == 30
    assert book.events == 10_000
    assert book.orders + book.baskets - book.evicted == 30


def test_trade_before_its_order_creates_the_row() -> None:
    book = OrderBook()
    book.apply(event("trade", order_id=5, trade_qty=3, trade_price=100, filled_qty=3, order_qty=9))
    (row,) = book.newest_first()
    assert (row.filled_qty, row.order_qty, row.last_fill_qty, row.last_fill_price) == (3, 9, 3, 100)
    assert (book.orders, book.trades) == (1, 1)


def test_unset_fields_keep_what_the_row_knew() -> None:
    book = OrderBook()
    book.apply(event(order_id=1, display_name="INFY", tag="hedge", update_msg="Modified"))
    book.apply(event(order_id=1, order_status="ORDER_STATUS_CANCELLED"))
    (row,) = book.newest_first()
    assert (row.symbol, row.tag, row.message, row.status) == (
        "INFY",
        "hedge",
        "Modified",
        "ORDER_STATUS_CANCELLED",
    )


def test_an_event_without_an_order_id_is_counted_but_not_shown() -> None:
    book = OrderBook()
    book.apply(event(order_id=None))
    assert (len(book), book.events) == (0, 1)


def test_max_rows_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        OrderBook(0)
