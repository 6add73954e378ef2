"""The frames benchmarks play: the golden samples, and any number of distinct events made from them.

`nubra` drops a repeated update (same order, status, quantities and time), so a
burst made of the same few samples would mostly be de-duplicated away. The
distinct frames keep each sample's shape but carry their own id and timestamp:
the id is `ID_BASE + sequence`, which also lets the latency figure find out
which frame a printed line came from.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from google.protobuf.any_pb2 import Any as AnyMessage

from nubra_cli.sim import session_frames
from nubra_cli.wire import encode_order
from nubra_cli.wire.order_pb2 import Order

SAMPLES_FILE: Final = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "wire-samples" / "frames.json"
)
#: Ids of generated events start here, far from any sample's own ids.
ID_BASE: Final = 7_000_000_000
#: First `last_modified` of generated events (ns), one microsecond apart.
START_NS: Final = 1_763_880_000_000_000_000
#: A message with fewer set fields than this is a basket notification (protocol.md §5).
_BASKET_FIELD_LIMIT: Final = 5


def _inner_order(frame: bytes) -> Order | None:
    """The Order a frame carries, or None for a frame of another stream or bad bytes."""
    try:
        inner = AnyMessage.FromString(AnyMessage.FromString(frame).value)
        if not inner.type_url.endswith("nubrafrontend.Order"):
            return None
        return Order.FromString(inner.value)
    except Exception:  # DecodeError and friends: a garbage sample
        return None


def sample_frames() -> list[bytes]:
    """The order-bearing binary frames of the golden samples (from the simulator without them)."""
    if SAMPLES_FILE.exists():
        samples: list[dict[str, Any]] = json.loads(SAMPLES_FILE.read_text())
        frames = [base64.b64decode(s["binary"]) for s in samples if s.get("binary")]
    else:
        frames = list(itertools.islice(session_frames(7), 40))
    return [frame for frame in frames if _inner_order(frame) is not None]


def samples_source() -> str:
    return str(SAMPLES_FILE) if SAMPLES_FILE.exists() else "nubra_cli.sim.session_frames(seed=7)"


class DistinctFrames:
    """Encodes event number `i` as a sample's shape with its own id and timestamp."""

    def __init__(self, frames: list[bytes] | None = None) -> None:
        orders = [_inner_order(frame) for frame in (frames or sample_frames())]
        self._templates = [order for order in orders if order is not None]
        self._baskets = [len(o.ListFields()) < _BASKET_FIELD_LIMIT for o in self._templates]

    def __len__(self) -> int:
        return len(self._templates)

    def frame(self, i: int) -> bytes:
        """Event `i`: template `i mod len`, id `ID_BASE + i`, last_modified `START_NS + i` µs."""
        j = i % len(self._templates)
        order = self._templates[j]  # reused and overwritten: only its bytes leave this method
        if self._baskets[j]:
            order.basket_id = ID_BASE + i
        else:
            order.order_id = ID_BASE + i
        order.last_modified = START_NS + i * 1000
        return encode_order(order)

    def stream(self, count: int, start: int = 0) -> Iterator[bytes]:
        """Frames `start` .. `start + count - 1`, encoded one at a time (no list in memory)."""
        for i in range(start, start + count):
            yield self.frame(i)

    def burst(self, count: int) -> list[bytes]:
        return list(self.stream(count))


def sequence_of(event: dict[str, Any]) -> int | None:
    """The sequence number a generated event carries in its order id (or basket id)."""
    ident = event.get("order_id") or event.get("basket_id")
    return None if ident is None else int(ident) - ID_BASE


def ws_wire_size(frames: list[bytes]) -> int:
    """Bytes these frames take as unmasked server-to-client WebSocket binary frames."""
    total = 0
    for frame in frames:
        size = len(frame)
        total += size + (2 if size < 126 else 4 if size < 65536 else 10)
    return total
