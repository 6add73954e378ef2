"""Exactly-once delivery: a bounded memory of recent events, so a re-sent frame is dropped."""

from __future__ import annotations

from collections import OrderedDict
from operator import itemgetter
from typing import Any, Final

from nubra_cli.wire.fields import BASKET_FIELDS, ORDER_FIELDS, TRADE_FIELDS

#: What makes two events the same update: the order, its state, quantities, trade, price and time.
_KEY_FIELDS: Final = (
    "kind",
    "order_id",
    "basket_id",
    "order_status",
    "response_type",
    "request_type",
    "order_qty",
    "filled_qty",
    "trade_qty",
    "trade_price",
    "order_price",
    "avg_price",
    "trigger_price",
    "last_modified",
    "update_msg",
)


#: Per kind, one C call that reads its key fields (the kind is the first, so kinds never clash).
_KEY_OF_KIND: Final = {
    kind: itemgetter("kind", *(name for name in _KEY_FIELDS[1:] if name in fields))
    for kind, fields in (
        ("order", ORDER_FIELDS),
        ("trade", TRADE_FIELDS),
        ("basket", BASKET_FIELDS),
    )
}


def event_key(event: dict[str, Any]) -> tuple[Any, ...]:
    """The identity of an update, ignoring nothing that tells two real updates apart."""
    key_of = _KEY_OF_KIND.get(event.get("kind", ""))
    if key_of is not None:
        try:
            key: tuple[Any, ...] = key_of(event)
            return key
        except KeyError:
            pass
    get = event.get
    return tuple(get(name) for name in _KEY_FIELDS)


class RecentEvents:
    """Remembers the last `capacity` event keys; `seen_before` is True for a repeat."""

    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._keys: OrderedDict[tuple[Any, ...], None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._keys)

    def seen_before(self, event: dict[str, Any]) -> bool:
        """Record the event; True when the same update was recorded already."""
        key = event_key(event)
        keys = self._keys
        if key in keys:
            keys.move_to_end(key)
            return True
        keys[key] = None
        if len(keys) > self._capacity:
            keys.popitem(last=False)
        return False
