"""The generated session: deterministic, realistic, and covering every event shape."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, datetime
from typing import Any

import pytest
from google.protobuf.any_pb2 import Any as AnyMessage
from test_sim import connected, login, receive

from nubra_cli.events import validate_event
from nubra_cli.sim import SimConfig, Simulator, session_frames
from nubra_cli.sim.instruments import IST, NS_PER_SECOND, monthly_expiry
from nubra_cli.sim.scenario import DEFAULT_START_NS, FOREIGN_TYPE
from nubra_cli.wire import decode

SEEDS = range(8)


def _events(seed: int, rounds: int = 1) -> list[dict[str, Any] | None]:
    return [decode(frame) for frame in session_frames(seed, rounds=rounds)]


def _orders(events: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    return [e for e in events if e is not None and e["kind"] != "basket"]


def test_the_same_seed_gives_the_same_bytes() -> None:
    assert list(session_frames(7, rounds=2)) == list(session_frames(7, rounds=2))
    assert list(session_frames(7)) != list(session_frames(8))
    endless = session_frames(7, rounds=None)
    assert list(itertools.islice(endless, 500)) == list(
        itertools.islice(session_frames(7, rounds=None), 500)
    )


def test_another_start_moves_the_timestamps_only() -> None:
    day = 24 * 3600 * NS_PER_SECOND
    early, late = (
        _orders(_events(3)),
        _orders([decode(f) for f in session_frames(3, start_ns=DEFAULT_START_NS + day)]),
    )
    assert [e["order_id"] for e in early] == [e["order_id"] for e in late]
    assert all(
        b["last_modified"] - a["last_modified"] == day for a, b in zip(early, late, strict=True)
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_every_event_shape_is_in_each_round(seed: int) -> None:
    events = _events(seed)
    orders = _orders(events)
    assert None in events  # a frame of another stream, to be skipped
    assert any(
        e["order_status"] == "ORDER_STATUS_OPEN"
        and e["response_type"] == "ORDER_ACCEPTED"
        and e["request_type"] == "ORDER_REQUEST_NEW"
        for e in orders
    )
    trades = [e for e in orders if e["kind"] == "trade"]
    assert any(e["filled_qty"] < e["order_qty"] for e in trades)
    assert any(e["order_status"] == "ORDER_STATUS_FILLED" for e in trades)
    assert any(
        e["request_type"] == "ORDER_REQUEST_MOD" and e["order_status"] == "ORDER_STATUS_OPEN"
        for e in orders
    )
    assert any(
        e["order_status"] == "ORDER_STATUS_CANCELLED"
        and e["response_type"] == "ORDER_CANCELLED"
        and e["update_msg"] == "Cancelled by user"
        for e in orders
    )
    assert any(
        e["order_status"] == "ORDER_STATUS_REJECTED" and e["update_msg"].startswith("RMS: ")
        for e in orders
    )
    triggered = [e for e in orders if e["response_type"] == "ORDER_TRIGGERED"]
    assert triggered and all(
        e["order_type"] == "ORDER_TYPE_STOPLOSS"
        and e["order_status"] == "ORDER_STATUS_TRIGGERED"
        and e["algo_params"]["trigger_price"] == e["trigger_price"]
        for e in triggered
    )
    baskets = [e for e in events if e is not None and e["kind"] == "basket"]
    assert baskets and all(
        e["response_type"] == "BASKET_FILLED" and e["basket_id"] and e["last_modified"]
        for e in baskets
    )


def test_a_modification_changes_the_price() -> None:
    for seed in SEEDS:
        prices: dict[int, int] = {}
        for event in _orders(_events(seed)):
            if event["request_type"] == "ORDER_REQUEST_MOD" and event["kind"] == "order":
                if event["order_status"] == "ORDER_STATUS_OPEN":
                    assert event["order_price"] != prices[event["order_id"]]
            prices[event["order_id"]] = event["order_price"]


@pytest.mark.parametrize("seed", SEEDS)
def test_fills_add_up(seed: int) -> None:
    filled: dict[int, int] = defaultdict(int)
    value: dict[int, int] = defaultdict(int)
    for event in _orders(_events(seed, rounds=2)):
        validate_event(event)
        order_id = event["order_id"]
        if event["kind"] == "trade":
            filled[order_id] += event["trade_qty"]
            value[order_id] += event["trade_qty"] * event["trade_price"]
            assert event["filled_qty"] == filled[order_id] <= event["order_qty"]
            assert abs(event["avg_price"] * filled[order_id] - value[order_id]) <= filled[order_id]
            limit = event["order_price"]
            if limit is not None and event["order_type"] == "ORDER_TYPE_LIMIT":
                buy = event["side"] == "ORDER_SIDE_BUY"
                assert event["trade_price"] <= limit if buy else event["trade_price"] >= limit
        final = event["order_status"] == "ORDER_STATUS_FILLED"
        assert final == (filled[order_id] == event["order_qty"])


@pytest.mark.parametrize("seed", SEEDS)
def test_time_and_ids_only_go_forward(seed: int) -> None:
    events = [e for e in _events(seed, rounds=3) if e is not None]
    stamps = [e["last_modified"] for e in events]
    assert stamps == sorted(set(stamps))
    assert DEFAULT_START_NS < stamps[0] and stamps[-1] - stamps[0] < 3600 * NS_PER_SECOND
    first_seen = list(dict.fromkeys(e["order_id"] for e in _orders(events)))
    assert first_seen == sorted(first_seen)


def test_ids_need_all_64_bits_and_names_look_real() -> None:
    orders = [e for seed in SEEDS for e in _orders(_events(seed))]
    exchange_ids = {e["exchange_order_id"] for e in orders if e["exchange_order_id"]}
    assert any(len(str(i)) == 16 and i < 2**53 for i in exchange_ids)
    assert any(i > 2**53 for i in exchange_ids)
    names = {e["display_name"] for e in orders}
    for expected in ("RELIANCE", "INFY", "TCS", "HDFCBANK", "SBIN", "NIFTY 25NOV 24000 CE"):
        assert expected in names
    assert {"BANKNIFTY 25NOV FUT", "CRUDEOIL 25NOV FUT"} <= names
    assert {"swing_a", "hedge", "scalp", "sl_ladder"} <= {e["tag"] for e in orders}
    assert {"EXCH_NSE", "EXCH_MCX"} <= {e["exchange"] for e in orders}


def test_foreign_frames_name_another_stream() -> None:
    foreign = [f for f in session_frames(1) if decode(f) is None]
    inner = AnyMessage.FromString(AnyMessage.FromString(foreign[0]).value)
    assert inner.type_url.endswith(FOREIGN_TYPE)


@pytest.mark.parametrize(
    ("today", "expiry"),
    [
        (date(2025, 11, 23), date(2025, 11, 25)),
        (date(2025, 11, 25), date(2025, 11, 25)),
        (date(2025, 11, 26), date(2025, 12, 30)),
        (date(2025, 12, 31), date(2026, 1, 27)),
    ],
)
def test_monthly_expiry_is_the_last_tuesday_ahead(today: date, expiry: date) -> None:
    noon = datetime(today.year, today.month, today.day, 12, tzinfo=IST)
    assert monthly_expiry(int(noon.timestamp()) * NS_PER_SECOND) == expiry


def test_the_simulator_plays_the_seeded_session() -> None:
    config = SimConfig(seed=7, start_ns=DEFAULT_START_NS, rate=0)
    expected: list[bytes | str] = list(session_frames(7))
    with Simulator(config) as sim:
        _, session = login(sim)
        with connected(sim, session) as ws:
            assert receive(ws, len(expected)) == expected
            assert sim.wait_done(timeout=3)
