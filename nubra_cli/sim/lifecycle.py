"""One order's life on the exchange, as the frames that announce each change to it.

The scenario tells stories with these; keeping the bookkeeping (cumulative fills,
average price, which timestamps a frame carries) here keeps every story consistent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nubra_cli.sim.instruments import CLIENT_CODE, USER_ID, ZANSKAR_ID, Instrument
from nubra_cli.wire import order_pb2 as pb
from nubra_cli.wire.order_pb2 import Order


@dataclass
class Step:
    """One frame-to-be: an order at a moment, or the bytes of a foreign message."""

    at: int
    order: Order | None
    #: Fields set to the frame's final timestamp, besides last_modified.
    stamps: tuple[str, ...] = ("ack_time",)
    foreign: bytes = b""


class LiveOrder:
    """One order as the exchange sees it; each change produces the frame announcing it."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields
        self.filled = 0
        self.value = 0

    @classmethod
    def open(
        cls,
        inst: Instrument,
        order_id: int,
        exchange_order_id: int,
        side: int,
        qty: int,
        price: int,
        order_type: int = pb.ORDER_TYPE_LIMIT,
        **more: Any,
    ) -> LiveOrder:
        """A new order on `inst`; `more` sets or overrides fields (a stop-loss's trigger...)."""
        market = order_type == pb.ORDER_TYPE_MARKET
        fields: dict[str, Any] = {
            "exch": inst.exch,
            "order_id": order_id,
            "user_id": USER_ID,
            "zanskar_id": ZANSKAR_ID,
            "ref_id": inst.ref_id,
            "side": side,
            "order_type": order_type,
            "order_status": pb.ORDER_STATUS_OPEN,
            "order_qty": qty,
            "order_price": 0 if market else price,
            "order_delivery_type": inst.delivery,
            "client_code": CLIENT_CODE,
            "exchange_order_id": exchange_order_id,
            "display_name": inst.display_name,
            "lot_size": inst.lot_size,
            "stock_name": inst.stock_name,
            "asset": inst.asset,
            "derivative_type": inst.derivative_type,
            "strategy_type": pb.STRATEGY_TYPE_MARKET if market else pb.STRATEGY_TYPE_LIMIT,
            "order_type_v2": order_type,
            "price_type": pb.PRICE_TYPE_MARKET if market else pb.PRICE_TYPE_LIMIT,
            "validity_type": pb.VALIDITY_TYPE_DAY,
            "asset_type": inst.asset_type,
            "request_type": pb.ORDER_REQUEST_NEW,
            "order_expiry_date": inst.expiry_ns,
        }
        fields.update(more)
        return cls(fields)

    @property
    def qty(self) -> int:
        return int(self.fields["order_qty"])

    def frame(self, at: int, stamps: tuple[str, ...] = ("ack_time",), **once: Any) -> Step:
        """A frame with the order's current state plus fields that belong to this frame only."""
        return Step(at, Order(**{**self.fields, **once}), stamps)

    def fill(self, at: int, qty: int, price: int) -> Step:
        """A trade of `qty` at `price`: cumulative quantity and average price move with it."""
        self.filled += qty
        self.value += qty * price
        avg = (2 * self.value + self.filled) // (2 * self.filled)  # rounded half up
        self.fields.update(filled_qty=self.filled, avg_price=avg)
        stamps: tuple[str, ...] = ("ack_time",)
        if self.filled >= self.qty:
            self.fields["order_status"] = pb.ORDER_STATUS_FILLED
            stamps = ("ack_time", "filled_time")
        return self.frame(
            at, stamps, trade_qty=qty, trade_price=price, response_type=pb.ORDER_FILLED
        )
