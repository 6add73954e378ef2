"""The decoder and encoder proper; see the package docstring."""

from __future__ import annotations

import enum
from collections.abc import Callable
from itertools import islice
from operator import attrgetter
from typing import Any as AnyValue
from typing import Final, Literal

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


def _submessage_fields(message: Message, names: tuple[str, ...]) -> dict[str, AnyValue]:
    """Every field of a nested message, zeros as None, enums by name."""
    out: dict[str, AnyValue] = dict.fromkeys(names)
    for field, value in message.ListFields():
        names_by_number = _ENUM_NAMES.get(field.name) if field.enum_type is not None else None
        out[field.name] = names_by_number.get(value, value) if names_by_number else value
    return out


def _enum_names(field: FieldDescriptor) -> dict[int, str]:
    assert field.enum_type is not None
    return {value.number: value.name for value in field.enum_type.values}


#: Enum field name -> {number: name}, for Order and AlgoParams (no name means two types).
_ENUM_NAMES: Final[dict[str, dict[int, str]]] = {
    field.name: _enum_names(field)
    for descriptor in (Order.DESCRIPTOR, AlgoParams.DESCRIPTOR)
    for field in descriptor.fields
    if field.enum_type is not None
}

#: The scalar fields events carry (plus ack_time), read in one C call per frame: the hot
#: path's biggest saving. Reading all 44 scalars is needed only for rare near-empty messages.
_WIRE_NAME: Final = {"exchange": "exch", "traded_price": "trade_price"}
_NESTED: Final = {"algo_params": ALGO_PARAMS_FIELDS, "meta_info": META_INFO_FIELDS}
_READ: Final = tuple(
    dict.fromkeys(
        _WIRE_NAME.get(name, name)
        for name in (*ORDER_FIELDS, *TRADE_FIELDS, *BASKET_FIELDS, "ack_time")
        if name not in _NESTED
    )
)
_read: Final = attrgetter(*_READ)
_ACK_TIME: Final = _READ.index("ack_time")
_TRADE_QTY: Final = _READ.index("trade_qty")


def _compile_builder(kind: str, keys: tuple[str, ...]) -> Callable[[tuple[AnyValue, ...]], Event]:
    """Make `build(read) -> event` for one kind as a single dict display, the fastest form CPython
    has (the technique of dataclasses and namedtuple): each value is its slot of `read`, zero as
    None, enum numbers by name. Nested messages get None here and are filled in afterwards.
    """
    namespace: dict[str, AnyValue] = {}
    entries = [f"'kind': {kind!r}"]
    for key in keys:
        wire = _WIRE_NAME.get(key, key)
        if wire in _NESTED:
            entries.append(f"{key!r}: None")
        elif wire in _ENUM_NAMES:
            namespace[f"names_{wire}"] = _ENUM_NAMES[wire]
            slot = _READ.index(wire)
            entries.append(f"{key!r}: names_{wire}.get(v, v) if (v := read[{slot}]) else None")
        else:
            entries.append(f"{key!r}: read[{_READ.index(wire)}] or None")
    source = f"def build(read):\n    return {{{', '.join(entries)}}}\n"
    exec(compile(source, f"<nubra_cli.wire builder for {kind}>", "exec"), namespace)
    builder: Callable[[tuple[AnyValue, ...]], Event] = namespace["build"]
    return builder


_BUILD_ORDER: Final = _compile_builder("order", ORDER_FIELDS)
_BUILD_TRADE: Final = _compile_builder("trade", TRADE_FIELDS)
_BUILD_BASKET: Final = _compile_builder("basket", BASKET_FIELDS)


def _is_basket(order: Order, read: tuple[AnyValue, ...]) -> bool:
    """Fewer than five fields set (§5). Five non-zero values read already settle it."""
    if len([*islice(filter(None, read), _BASKET_FIELD_LIMIT)]) == _BASKET_FIELD_LIMIT:
        return False
    return len(order.ListFields()) < _BASKET_FIELD_LIMIT


def event_from_order(order: Order) -> Event:
    """Map a decoded `Order` to its event (protocol.md §5)."""
    read = _read(order)
    if _is_basket(order, read):
        event = _BUILD_BASKET(read)
    else:
        event = (_BUILD_TRADE if read[_TRADE_QTY] > 0 else _BUILD_ORDER)(read)
        event["algo_params"] = _nested(order, "algo_params")
        event["meta_info"] = _nested(order, "meta_info")
    if event["last_modified"] is None and read[_ACK_TIME]:
        event["last_modified"] = read[_ACK_TIME]
    return event


def _nested(order: Order, name: Literal["algo_params", "meta_info"]) -> dict[str, AnyValue] | None:
    if not order.HasField(name):
        return None
    return _submessage_fields(getattr(order, name), _NESTED[name])


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
