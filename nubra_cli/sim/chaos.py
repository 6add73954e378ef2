"""Which fault comes next, and the bad frames that `garbage` chaos sends.

Seeded like the scenario, so a chaos run that broke a client can be run again
fault for fault.
"""

from __future__ import annotations

import random
from typing import Final

from nubra_cli.sim.config import ChaosConfig
from nubra_cli.wire import encode_order
from nubra_cli.wire import order_pb2 as pb
from nubra_cli.wire.order_pb2 import Order

#: Bigger than any client should accept (the decoder's own limit is 1 MiB).
OVERSIZED_BYTES: Final = 2 * 1024 * 1024
SERVER_ERROR_TEXT: Final = "Error: order router unavailable (simulated fault)"

_PLACEHOLDER: Final = "INVALIDUTF8"


def _bad_utf8_frame() -> bytes:
    """A real order frame whose `display_name` bytes are not UTF-8 (proto3 forbids that)."""
    order = Order(
        exch=pb.EXCH_NSE,
        order_id=1,
        side=pb.ORDER_SIDE_BUY,
        order_type=pb.ORDER_TYPE_LIMIT,
        order_status=pb.ORDER_STATUS_OPEN,
        order_qty=1,
        order_price=100,
        display_name=_PLACEHOLDER,
    )
    frame = encode_order(order)
    # Same length, so every enclosing length prefix stays right.
    return frame.replace(_PLACEHOLDER.encode(), b"\xff\xfe" + b"?" * (len(_PLACEHOLDER) - 2))


def garbage_frame(kind: str, rng: random.Random, sample: bytes | None) -> bytes | str:
    """One bad frame of the given kind; `sample` is a real order frame to cut short."""
    if kind == "random":
        # 0xff opens a field with wire type 7, which no protobuf parser accepts.
        return b"\xff" + rng.randbytes(rng.randint(1, 64))
    if kind == "truncated":
        whole = sample if sample is not None else _bad_utf8_frame()
        return whole[: max(1, len(whole) // 2)]
    if kind == "empty":
        return b""
    if kind == "bad_utf8":
        return _bad_utf8_frame()
    if kind == "oversized":
        return b"\x0a" + bytes(OVERSIZED_BYTES - 1)
    if kind == "error_text":
        return SERVER_ERROR_TEXT
    raise ValueError(f"unknown garbage kind {kind!r}")


class ChaosSchedule:
    """Counts played events and names the fault due after every `every` of them."""

    def __init__(self, config: ChaosConfig, seed: int) -> None:
        self.config = config
        self._rng = random.Random(f"chaos:{seed}")
        # Its own stream, so the garbage drawn never shifts when the next faults come.
        self._garbage_rng = random.Random(f"garbage:{seed}")
        self._kinds = sorted(config.kinds)
        self._garbage = sorted(config.garbage)
        self._since = 0

    def after_event(self) -> str | None:
        """The fault to inject now, or None."""
        self._since += 1
        if self._since < self.config.every:
            return None
        self._since = 0
        return self._rng.choice(self._kinds)

    def garbage(self, sample: bytes | None) -> tuple[str, bytes | str]:
        """A garbage kind and its frame."""
        kind = self._garbage_rng.choice(self._garbage)
        return kind, garbage_frame(kind, self._garbage_rng, sample)
