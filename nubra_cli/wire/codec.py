"""The decoder and encoder proper; see the package docstring."""

from __future__ import annotations

import enum
from typing import Any as AnyValue
from typing import Final

from google.protobuf.any_pb2 import Any
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message

from nubra_cli.wire.fields import (
    ALGO_PARAMS_FIELDS,
    BASKET_FIELDS,
    META_INFO_FIELDS,
    ORDER_FIELDS,
    TRADE_FIELDS,
)
from nubra_cli.wire.order_pb2 import AlgoParams, Order

#: An event as emitted: `kind` first, then every field of its kind (None when unset).
Event = dict[str, AnyValue]

ORDER_TYPE_NAME: Final = "protos.zanskarsecurities.nubrafrontend.Order"
ORDER_TYPE_URL: Final = "type.googleapis.com/" + ORDER_TYPE_NAME
_OUTER_TYPE_URL: Final = "type.googleapis.com/google.protobuf.Any"

#: Frames above this size are refused before parsing (real ones are ~250 bytes).
MAX_FRAME_BYTES: Final = 1 << 20

#: A message with fewer set fields than this is a basket notification (§5).
_BASKET_FIELD_LIMIT: Final = 5

#: Wire field name -> event field name, where they differ.
_RENAMED: Final = {"exch": "exchange"}


class WireError(ValueError):
    """A binary frame that is not a well-formed order-update message."""


class TextKind(enum.Enum):
    """What a text frame from the server means (protocol.md §3.4)."""

    INVALID_TOKEN = "invalid_token"
    ERROR = "error"
    INFO = "info"


def classify_text(text: str) -> TextKind:
    """Sort a text frame: token expiry, a server-side error, or information."""
    if text.strip() == "Invalid Token":
        return TextKind.INVALID_TOKEN
    if any(word in text for word in ("Error", "Exception", "Failed")):
        return TextKind.ERROR
    return TextKind.INFO


def _enum_names(field: FieldDescriptor) -> dict[int, str]:
    assert field.enum_type is not None
    return {value.number: value.name for value in field.enum_type.values}


def _submessage_fields(message: Message, names: tuple[str, ...]) -> dict[str, AnyValue]:
    """Every field of a nested message, zeros as None, enums by name."""
    out: dict[str, AnyValue] = dict.fromkeys(names)
    for field, value in message.ListFields():
        names_by_number = _ENUMS.get(field.full_name)
        out[field.name] = names_by_number.get(value, value) if names_by_number else value
    return out


_ENUMS: Final[dict[str, dict[int, str]]] = {
    field.full_name: _enum_names(field)
    for descriptor in (Order.DESCRIPTOR, AlgoParams.DESCRIPTOR)
    for field in descriptor.fields
    if field.enum_type is not None
}
_NESTED: Final[dict[str, tuple[str, ...]]] = {
    "algo_params": ALGO_PARAMS_FIELDS,
    "meta_info": META_INFO_FIELDS,
}
_TEMPLATES: Final[dict[str, Event]] = {
    "order": {"kind": "order", **dict.fromkeys(ORDER_FIELDS)},
    "trade": {"kind": "trade", **dict.fromkeys(TRADE_FIELDS)},
    "basket": {"kind": "basket", **dict.fromkeys(BASKET_FIELDS)},
}


def event_from_order(order: Order) -> Event:
    """Map a decoded `Order` to its event (protocol.md §5)."""
    set_fields = order.ListFields()
    if len(set_fields) < _BASKET_FIELD_LIMIT:
        kind = "basket"
    elif order.trade_qty > 0:
        kind = "trade"
    else:
        kind = "order"
    event = dict(_TEMPLATES[kind])
    for field, value in set_fields:
        name = _RENAMED.get(field.name, field.name)
        if name not in event:
            continue
        nested = _NESTED.get(name)
        if nested is not None:
            event[name] = _submessage_fields(value, nested)
            continue
        names_by_number = _ENUMS.get(field.full_name)
        event[name] = names_by_number.get(value, value) if names_by_number else value
    if event["last_modified"] is None and order.ack_time:
        event["last_modified"] = order.ack_time
    if kind == "trade":
        event["traded_price"] = event["trade_price"]
    return event


def decode(frame: bytes) -> Event | None:
    """One binary frame -> its event, or None for a frame of another stream.

    Raises WireError for bytes that are not an Any-wrapped message.
    """
    if not frame:
        raise WireError("empty binary frame")
    if len(frame) > MAX_FRAME_BYTES:
        raise WireError(f"binary frame of {len(frame)} bytes is over the {MAX_FRAME_BYTES} limit")
    try:
        inner = Any.FromString(Any.FromString(frame).value)
    except DecodeError:
        raise WireError(f"binary frame of {len(frame)} bytes does not parse") from None
    if not inner.type_url:
        raise WireError(f"binary frame of {len(frame)} bytes names no message type")
    if not inner.type_url.endswith(ORDER_TYPE_NAME):
        return None
    try:
        order = Order.FromString(inner.value)
    except DecodeError:
        raise WireError(f"order message of {len(inner.value)} bytes does not parse") from None
    return event_from_order(order)


def _wrap(type_url: str, payload: bytes) -> bytes:
    inner = Any(type_url=type_url, value=payload)
    return Any(type_url=_OUTER_TYPE_URL, value=inner.SerializeToString()).SerializeToString()


def encode_order(order: Order) -> bytes:
    """The exact bytes of a binary frame carrying `order`, as the broker sends them."""
    return _wrap(ORDER_TYPE_URL, order.SerializeToString())


def encode_foreign(type_name: str, payload: bytes) -> bytes:
    """A frame of another stream (for example a market-data index), which clients skip."""
    return _wrap("type.googleapis.com/" + type_name, payload)
