"""Bytes from the order-update socket to events, and back (protocol.md §3-5), with no I/O.

`decode(frame)` turns one binary frame into an event dict, `None` for frames of
other streams, or raises `WireError`; `classify_text` sorts text frames;
`encode_order` builds the exact bytes the broker sends, for the simulator.
"""

from __future__ import annotations

from nubra_cli.wire.codec import (
    MAX_FRAME_BYTES,
    ORDER_TYPE_URL,
    Event,
    TextKind,
    WireError,
    classify_text,
    decode,
    encode_foreign,
    encode_order,
    event_from_order,
)

__all__ = [
    "MAX_FRAME_BYTES",
    "ORDER_TYPE_URL",
    "Event",
    "TextKind",
    "WireError",
    "classify_text",
    "decode",
    "encode_foreign",
    "encode_order",
    "event_from_order",
]
