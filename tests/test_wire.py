"""The decoder against the golden frames, and against hostile bytes."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from conftest import load_samples, sample_bytes
from google.protobuf import json_format
from google.protobuf.any_pb2 import Any as AnyMessage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nubra_cli.wire import (
    MAX_FRAME_BYTES,
    TextKind,
    WireError,
    classify_text,
    decode,
    encode_foreign,
    encode_order,
)
from nubra_cli.wire.order_pb2 import Order

SAMPLES = load_samples()
ORDER_SAMPLES = [s for s in SAMPLES if "binary" in s and isinstance(s.get("expected"), list)]
KIND_OF_MODEL = {"OrderInfoWrapper": "order", "AckInfoWrapper": "trade", "BasketWrapper": "basket"}


def test_the_golden_file_has_every_shape() -> None:
    models = {exp["model"] for s in ORDER_SAMPLES for exp in s["expected"]}
    assert models == set(KIND_OF_MODEL)
    assert any(s["expected"] == [] for s in ORDER_SAMPLES)


@pytest.mark.parametrize("sample", ORDER_SAMPLES, ids=lambda s: s["name"])
def test_golden_frame_gives_the_official_fields(sample: dict[str, Any]) -> None:
    event = decode(sample_bytes(sample))
    if not sample["expected"]:
        assert event is None
        return
    assert event is not None
    (expected,) = sample["expected"]
    assert event["kind"] == KIND_OF_MODEL[expected["model"]]
    official = dict(expected["fields"])
    # protocol.md §5: we emit the message's own last_modified, the SDK copies ack_time.
    official["last_modified"] = int(sample["wire"]["last_modified"])
    ours = {name: value for name, value in event.items() if name in official}
    assert ours == official
    extra = set(event) - set(official)
    assert extra <= {"kind", "traded_price"}
    if event["kind"] == "trade":
        assert event["traded_price"] == event["trade_price"]


@pytest.mark.parametrize("sample", ORDER_SAMPLES[:-1], ids=lambda s: s["name"])
def test_encoder_rebuilds_the_exact_bytes(sample: dict[str, Any]) -> None:
    order = json_format.ParseDict(sample["wire"], Order())
    assert encode_order(order) == sample_bytes(sample)


def test_sixty_four_bit_integers_survive_json() -> None:
    big = 2**63 - 5
    event = decode(
        encode_order(
            Order(
                order_id=big,
                exchange_order_id=big,
                side=1,
                order_qty=3,
                order_status=3,
                display_name="X",
                last_modified=big,
            )
        )
    )
    assert event is not None
    line = orjson.dumps(event)
    assert f'"order_id":{big}'.encode() in line
    assert orjson.loads(line)["exchange_order_id"] == big


def test_unknown_enum_numbers_pass_through_as_numbers() -> None:
    order = Order(order_id=7, side=9, order_status=42, exch=77, order_qty=1, display_name="X")
    event = decode(encode_order(order))
    assert event is not None
    assert (event["order_status"], event["side"], event["exchange"]) == (42, 9, 77)


def test_last_modified_falls_back_to_ack_time() -> None:
    order = Order(order_id=1, order_status=3, order_qty=1, side=1, ack_time=123, display_name="X")
    event = decode(encode_order(order))
    assert event is not None and event["last_modified"] == 123


def test_foreign_frames_are_skipped() -> None:
    assert decode(encode_foreign("some.other.Message", b"\x08\x01")) is None


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        base64.b64decode("/wBub3QgcHJvdG9idWYT"),
        sample_bytes(ORDER_SAMPLES[0])[:-7],
        b"\x00" * (MAX_FRAME_BYTES + 1),
        AnyMessage(type_url="type.googleapis.com/google.protobuf.Any").SerializeToString(),
    ],
    ids=["empty", "garbage", "truncated", "huge", "untyped"],
)
def test_bad_frames_raise_wire_error(frame: bytes) -> None:
    with pytest.raises(WireError):
        decode(frame)


def test_invalid_utf8_in_a_string_field_is_a_wire_error() -> None:
    good = encode_order(Order(order_id=1, display_name="ABCD", order_qty=1, side=1, tag="x"))
    bad = good.replace(b"ABCD", b"AB\xff\xfe")
    with pytest.raises(WireError):
        decode(bad)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Invalid Token", TextKind.INVALID_TOKEN),
        ("Error: subscription failed", TextKind.ERROR),
        ("java.lang.Exception: boom", TextKind.ERROR),
        ("Subscribe Failed", TextKind.ERROR),
        ("subscribed to notifications", TextKind.INFO),
    ],
)
def test_text_frames_are_classified(text: str, kind: TextKind) -> None:
    assert classify_text(text) is kind


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=512))
def test_random_bytes_give_an_event_nothing_or_a_wire_error(frame: bytes) -> None:
    try:
        event = decode(frame)
    except WireError:
        return
    if event is not None:
        orjson.dumps(event)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([sample_bytes(s) for s in ORDER_SAMPLES]),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), min_size=1, max_size=4),
)
def test_mutated_samples_never_escape_and_never_poison_the_next(
    frame: bytes, flips: list[tuple[int, int]]
) -> None:
    mutated = bytearray(frame)
    for position, value in flips:
        mutated[position % len(mutated)] = value
    try:
        event = decode(bytes(mutated))
        if event is not None:
            orjson.dumps(event)
    except WireError:
        pass
    clean = decode(sample_bytes(ORDER_SAMPLES[0]))
    assert clean is not None and clean["order_id"] == 90001
