"""A seeded, realistic trading session as order-update frames: pure code, no I/O.

The same seed and start time give the same bytes, so a demo can be replayed and a
test can pin down everything the stream carries. Each round of the session tells
every kind of order story once (fills in several trades, a modification, a
cancel, an RMS reject, a triggered stop-loss, a basket) plus a few more at random.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from typing import Any, Final

from nubra_cli.sim.instruments import Instrument, Market
from nubra_cli.sim.lifecycle import LiveOrder, Step
from nubra_cli.wire import encode_foreign, encode_order
from nubra_cli.wire import order_pb2 as pb
from nubra_cli.wire.order_pb2 import AlgoParams, Order

#: The golden samples' first timestamp: the default start of a generated session.
DEFAULT_START_NS: Final = 1_763_880_000_000_000_000
#: A message of another stream sharing the socket, which clients must skip.
FOREIGN_TYPE: Final = "protos.zanskarsecurities.nubrafrontend.WebSocketMsgIndex"

_US: Final = 1_000
_MS: Final = 1_000_000
_TAGS: Final = ("swing_a", "hedge", "scalp", "")
_RMS_REASONS: Final = (
    "RMS: insufficient margin, required ₹{need:,} available ₹{have:,}",
    "RMS: price outside circuit band",
    "RMS: quantity exceeds freeze limit",
    "RMS: order value exceeds the per-order limit",
)


class _Session:
    """The state carried from one round to the next: the clock, ids and last prices."""

    def __init__(self, rng: random.Random, start_ns: int) -> None:
        self._rng = rng
        self._now = start_ns
        self._last_at = start_ns
        self._market = Market(rng, start_ns)
        self._order_id = 250_000_000 + rng.randrange(100_000) * 10
        self._basket_id = 7_000 + rng.randrange(1_000)
        # 16-digit exchange ids; NSE F&O ones sit above 2**53, MCX ones are 19 digits.
        self._exchange_ids = {
            "STOCKS": 1_100_000_012_345_678 + rng.randrange(10**6),
            "INDEX_FO": 9_100_000_000_000_000 + rng.randrange(10**9),
            "COMMODITY": 1_100_000_000_000_000_000 + rng.randrange(10**9),
        }

    def round(self) -> Iterator[bytes]:
        rng = self._rng
        stories: list[Callable[[int], list[Step]]] = [
            self._full_fill,
            self._market_fill,
            self._modify_then_fill,
            self._cancel,
            self._reject,
            self._stoploss,
            self._basket,
        ]
        extra = (self._full_fill, self._full_fill, self._market_fill, self._cancel, self._reject)
        stories += [rng.choice(extra) for _ in range(rng.randint(3, 6))]
        rng.shuffle(stories)
        steps: list[Step] = []
        at = self._now
        for story in stories:
            at += rng.randrange(300, 4_000) * _MS + rng.randrange(_MS)
            steps += story(at)
        for _ in range(rng.randint(1, 2)):
            steps.append(self._foreign(rng.randrange(self._now, at)))
        yield from self._finish(steps)

    def _finish(self, steps: list[Step]) -> Iterator[bytes]:
        """Frames in time order, each timestamp strictly after the one before."""
        steps.sort(key=lambda step: step.at)
        for step in steps:
            at = self._last_at = max(step.at, self._last_at + _US)
            if step.order is None:
                yield step.foreign
                continue
            step.order.last_modified = at
            for name in step.stamps:
                setattr(step.order, name, at)
            yield encode_order(step.order)
        self._now = self._last_at + self._rng.randrange(1_000, 5_000) * _MS

    # The pieces of a story.

    def _gap(self, low_ms: int = 40, high_ms: int = 4_000) -> int:
        return self._rng.randrange(low_ms, high_ms) * _MS + self._rng.randrange(_MS)

    def _order(
        self,
        inst: Instrument,
        side: int,
        qty: int,
        price: int,
        order_type: int = pb.ORDER_TYPE_LIMIT,
        **more: Any,
    ) -> LiveOrder:
        self._order_id += self._rng.randint(1, 9)
        self._exchange_ids[inst.asset_type] += self._rng.randint(1, 400)
        return LiveOrder.open(
            inst,
            self._order_id,
            self._exchange_ids[inst.asset_type],
            side,
            qty,
            price,
            order_type,
            **{"tag": self._rng.choice(_TAGS), **more},
        )

    def _placed(self, order: LiveOrder, at: int) -> Step:
        placed_at = at - self._rng.randrange(500, 3_000) * _US
        return order.frame(at, order_time=placed_at, response_type=pb.ORDER_ACCEPTED)

    def _side(self) -> int:
        return self._rng.choice((pb.ORDER_SIDE_BUY, pb.ORDER_SIDE_SELL))

    def _fills(
        self, order: LiveOrder, at: int, qty: int, parts: int, inst: Instrument
    ) -> list[Step]:
        """Trades for `qty` more at or better than the order's price, spaced in time."""
        steps = []
        limit = int(order.fields["order_price"]) or self._market.quote(inst)
        for trade_qty in self._market.split(qty, parts, inst.lot_size):
            at += self._gap()
            price = self._market.away(limit, inst, int(order.fields["side"]), 3)
            steps.append(order.fill(at, trade_qty, price))
        return steps

    def _foreign(self, at: int) -> Step:
        level = 2_600_000 + self._rng.randint(-20_000, 20_000)
        payload = f"NIFTY 50 {level // 100}.{level % 100:02d}".encode()
        return Step(at, None, (), encode_foreign(FOREIGN_TYPE, payload))

    # The stories.

    def _full_fill(self, at: int) -> list[Step]:
        inst, side = self._market.pick(), self._side()
        order = self._order(
            inst,
            side,
            self._market.qty(inst),
            self._market.limit(inst, side, 4),
        )
        parts = self._rng.randint(2, 4)
        return [self._placed(order, at), *self._fills(order, at, order.qty, parts, inst)]

    def _market_fill(self, at: int) -> list[Step]:
        inst = self._market.pick()
        order = self._order(inst, self._side(), self._market.qty(inst), 0, pb.ORDER_TYPE_MARKET)
        order.fields["tag"] = "scalp"
        parts = self._rng.randint(1, 2)
        return [self._placed(order, at), *self._fills(order, at, order.qty, parts, inst)]

    def _modify_then_fill(self, at: int) -> list[Step]:
        inst, side = self._market.pick(), self._side()
        price = self._market.limit(inst, side, 8)
        order = self._order(inst, side, self._market.qty(inst), price)
        steps = [self._placed(order, at)]
        at += self._gap(500, 6_000)
        moved = self._rng.randint(1, 6) * inst.tick
        new_price = price + moved if side == pb.ORDER_SIDE_BUY else max(inst.tick, price - moved)
        order.fields.update(order_price=new_price, request_type=pb.ORDER_REQUEST_MOD)
        steps.append(order.frame(at, response_type=pb.ORDER_ACCEPTED, update_msg="Order modified"))
        return steps + self._fills(order, at, order.qty, self._rng.randint(1, 3), inst)

    def _cancel(self, at: int) -> list[Step]:
        inst, side = self._market.pick(), self._side()
        qty = max(self._market.qty(inst), 2 * inst.lot_size)
        order = self._order(inst, side, qty, self._market.limit(inst, side, 10))
        order.fields["tag"] = self._rng.choice(("hedge", "swing_a"))
        steps = [self._placed(order, at)]
        if self._rng.random() < 0.5:  # part of it trades before the cancel
            part = self._market.split(qty, 2, inst.lot_size)[0]
            steps += self._fills(order, at, part, 1, inst)
            at = steps[-1].at
        order.fields.update(
            order_status=pb.ORDER_STATUS_CANCELLED, request_type=pb.ORDER_REQUEST_CANCEL
        )
        at += self._gap(800, 9_000)
        steps.append(
            order.frame(
                at,
                ("ack_time", "cancel_time"),
                response_type=pb.ORDER_CANCELLED,
                update_msg="Cancelled by user",
            )
        )
        return steps

    def _reject(self, at: int) -> list[Step]:
        inst, side = self._market.pick(), self._side()
        reason = self._rng.choice(_RMS_REASONS)
        qty, price = self._market.qty(inst), self._market.quote(inst)
        if "circuit" in reason:
            price = price * 2 if side == pb.ORDER_SIDE_BUY else inst.tick
        if "freeze" in reason:
            qty *= 400
        have = self._rng.randrange(1_000, 50_000)
        reason = reason.format(need=qty * price // 100 + have, have=have)
        order = self._order(inst, side, qty, price)
        # Refused before it reached the exchange: no exchange order id.
        order.fields.update(order_status=pb.ORDER_STATUS_REJECTED, exchange_order_id=0)
        stamps = ("ack_time", "reject_time")
        placed_at = at - self._rng.randrange(200, 900) * _US
        return [
            order.frame(
                at,
                stamps,
                order_time=placed_at,
                response_type=pb.ORDER_REJECTED,
                update_msg=reason,
            )
        ]

    def _stoploss(self, at: int) -> list[Step]:
        inst = self._market.pick()
        side = self._side()
        ltp = self._market.quote(inst)
        away = self._rng.randint(10, 40) * inst.tick
        trigger = ltp - away if side == pb.ORDER_SIDE_SELL else ltp + away
        slack = self._rng.randint(0, 4) * inst.tick  # how far past the trigger it may trade
        limit = trigger - slack if side == pb.ORDER_SIDE_SELL else trigger + slack
        leg_size, duration, prate = self._rng.randint(1, 5), 60, 20
        params = AlgoParams(
            max_prate=prate, algo_duration=duration, trigger_price=trigger, leg_size=leg_size
        )
        order = self._order(
            inst,
            side,
            self._market.qty(inst),
            limit,
            pb.ORDER_TYPE_STOPLOSS,
            order_type_v2=pb.ORDER_TYPE_LIMIT,
            strategy_type=pb.STRATEGY_TYPE_STOPLOSS,
            trigger_price=trigger,
            leg_size=leg_size,
            algo_duration=duration,
            max_prate=prate,
            algo_params=params,
            is_sor=True,
            tag="sl_ladder",
        )
        steps = [self._placed(order, at)]
        at += self._gap(2_000, 20_000)
        order.fields.update(
            order_status=pb.ORDER_STATUS_TRIGGERED, request_type=pb.ORDER_REQUEST_MOD
        )
        steps.append(
            order.frame(at, response_type=pb.ORDER_TRIGGERED, update_msg="Stop-loss triggered")
        )
        return steps + self._fills(order, at, order.qty, self._rng.randint(1, 3), inst)

    def _basket(self, at: int) -> list[Step]:
        self._basket_id += self._rng.randint(1, 5)
        steps: list[Step] = []
        for leg in range(self._rng.randint(2, 3)):
            inst, side = self._market.pick(derivatives=False), self._side()
            price = self._market.limit(inst, side, 2)
            order = self._order(
                inst, side, self._market.qty(inst), price, basket_id=self._basket_id
            )
            order.fields["tag"] = "swing_a"
            placed_at = at + leg * 5 * _MS
            steps.append(self._placed(order, placed_at))
            steps += self._fills(order, placed_at, order.qty, 1, inst)
        done_at = max(step.at for step in steps) + self._gap(5, 60)
        basket = Order(basket_id=self._basket_id, response_type=pb.BASKET_FILLED)
        steps.append(Step(done_at, basket, ()))
        return steps


def session_frames(
    seed: int, *, start_ns: int = DEFAULT_START_NS, rounds: int | None = 1
) -> Iterator[bytes]:
    """The binary frames of a trading session; `rounds=None` goes on for ever."""
    session = _Session(random.Random(seed), start_ns)
    for _ in itertools.count() if rounds is None else range(rounds):
        yield from session.round()
