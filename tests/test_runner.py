"""The watch loop's exit conditions, with plain lists for events and a fake clock."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from nubra_cli.errors import OrderEndedOtherwise, WatchTimeout
from nubra_cli.filters import EventFilter
from nubra_cli.runner import ExitConditions, parse_duration, pump


class ListSink:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.idles = 0

    def write(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def idle(self) -> None:
        self.idles += 1


def _order(order_id: int, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "order",
        "order_id": order_id,
        "order_status": f"ORDER_STATUS_{status}",
        "side": "ORDER_SIDE_BUY",
        "tag": None,
        "update_msg": None,
        **extra,
    }


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("5m", 300.0), ("1h30m", 5400.0), ("250ms", 0.25), ("1.5s", 1.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "m5", "-3s", "1d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_count_stops_after_n_kept_events() -> None:
    sink, emitted = ListSink(), Counter[str]()
    stream = [_order(1, "OPEN"), None, _order(2, "OPEN", side="ORDER_SIDE_SELL"), _order(3, "OPEN")]
    keep = EventFilter.from_options(sides=["buy"])
    pump(iter(stream), keep, [sink], ExitConditions(count=2), emitted)
    assert [e["order_id"] for e in sink.events] == [1, 3]
    assert sink.idles == 1 and emitted == Counter(order=2)


def test_until_succeeds_on_the_awaited_status() -> None:
    sink = ListSink()
    stream = iter([_order(5, "OPEN"), _order(5, "FILLED"), _order(5, "OPEN")])
    pump(
        stream,
        EventFilter(),
        [sink],
        ExitConditions(order_id=5, until="ORDER_STATUS_FILLED"),
        Counter(),
    )
    assert [e["order_status"] for e in sink.events] == ["ORDER_STATUS_OPEN", "ORDER_STATUS_FILLED"]


def test_until_fails_when_the_order_ends_otherwise() -> None:
    stream = iter([_order(5, "OPEN"), _order(5, "REJECTED", update_msg="RMS: margin")])
    with pytest.raises(OrderEndedOtherwise, match="order 5 ended rejected: RMS: margin"):
        pump(
            stream,
            EventFilter(),
            [ListSink()],
            ExitConditions(order_id=5, until="ORDER_STATUS_FILLED"),
            Counter(),
        )


def test_other_orders_do_not_end_the_wait() -> None:
    sink = ListSink()
    stream = iter([_order(6, "REJECTED"), _order(5, "FILLED")])
    pump(
        stream,
        EventFilter(),
        [sink],
        ExitConditions(order_id=5, until="ORDER_STATUS_FILLED"),
        Counter(),
    )
    assert len(sink.events) == 2


def test_timeout_on_quiet_ticks() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    with pytest.raises(WatchTimeout):
        pump(
            iter([None] * 100),
            EventFilter(),
            [ListSink()],
            ExitConditions(timeout=5),
            Counter(),
            clock=clock,
        )
    assert now[0] < 10
