"""The watch loop: events in, filtered, out to a sink, until an exit condition says stop."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from nubra_cli.errors import OrderEndedOtherwise, WatchTimeout

Event = dict[str, Any]

#: Statuses after which an order never changes again.
FINAL_STATUSES = frozenset(
    {"ORDER_STATUS_FILLED", "ORDER_STATUS_CANCELLED", "ORDER_STATUS_REJECTED"}
)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """`90`, `90s`, `5m`, `1h30m`, `250ms` -> seconds; ValueError for anything else."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not text or _DURATION.sub("", text):
        raise ValueError(f"{text!r} is not a duration: try 90s, 5m or 1h30m")
    return sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION.findall(text))


class Sink(Protocol):
    """Where kept events go: JSON lines or the live table."""

    def write(self, event: Event) -> None: ...

    def idle(self) -> None: ...


@dataclass(frozen=True)
class ExitConditions:
    """When `nubra watch` stops on its own: after N events, at a deadline, or an order settling."""

    count: int | None = None
    timeout: float | None = None
    order_id: int | None = None
    until: str | None = None


def pump(
    events: Iterable[Event | None],
    keep: Callable[[Event], bool],
    sinks: list[Sink],
    conditions: ExitConditions,
    emitted: Counter[str],
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Move events to the sinks until a condition ends the watch (or the stream ends).

    Raises WatchTimeout when the deadline passes first, OrderEndedOtherwise when
    the awaited order settles in another final status.
    """
    deadline = None if conditions.timeout is None else clock() + conditions.timeout
    for event in events:
        if event is None:
            for sink in sinks:
                sink.idle()
        elif keep(event):
            for sink in sinks:
                sink.write(event)
            emitted[event["kind"]] += 1
            if conditions.count is not None and sum(emitted.values()) >= conditions.count:
                return
            if conditions.until is not None and _settled(event, conditions):
                return
        if deadline is not None and clock() >= deadline:
            raise WatchTimeout(f"no exit condition met within {conditions.timeout:g}s")


def _settled(event: Event, conditions: ExitConditions) -> bool:
    """True when the awaited order reached the awaited status; raises if it ended otherwise."""
    if event.get("order_id") != conditions.order_id:
        return False
    status = event.get("order_status")
    if status == conditions.until:
        return True
    if status in FINAL_STATUSES:
        reason = f": {event['update_msg']}" if event.get("update_msg") else ""
        short = str(status).removeprefix("ORDER_STATUS_").lower()
        raise OrderEndedOtherwise(f"order {conditions.order_id} ended {short}{reason}")
    return False
