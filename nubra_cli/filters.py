"""`--status`, `--side`, `--tag`, `--kind` and `--order-id` turned into one predicate over events.

Values of one filter are ORed, different filters are ANDed; a basket event has
no status, side, tag or order id, so it passes only when none of those is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from nubra_cli.wire.fields import KINDS

STATUSES: Final = ("pending", "sent", "open", "rejected", "cancelled", "filled", "triggered")
SIDES: Final = ("buy", "sell")


class FilterValueError(ValueError):
    """A filter value that is not one of the valid ones; the message lists them."""

    def __init__(self, message: str, option: str) -> None:
        super().__init__(message)
        self.option = option


def _split(values: Iterable[str]) -> list[str]:
    """Accept both repeated options and comma-separated lists."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_statuses(values: Iterable[str]) -> frozenset[str | int]:
    """`filled`, `FILLED`, `ORDER_STATUS_FILLED` -> `ORDER_STATUS_FILLED`; numbers stay."""
    result: set[str | int] = set()
    for value in _split(values):
        if value.isdigit():
            result.add(int(value))
            continue
        short = value.lower().removeprefix("order_status_")
        if short not in STATUSES:
            raise FilterValueError(
                f"unknown status {value!r}: choose from {', '.join(STATUSES)} "
                "(or ORDER_STATUS_<NAME>, or a status number)",
                "--status",
            )
        result.add("ORDER_STATUS_" + short.upper())
    return frozenset(result)


def parse_sides(values: Iterable[str]) -> frozenset[str]:
    """`buy` / `sell` (any case, or `ORDER_SIDE_BUY`) -> the wire's enum names."""
    result = set()
    for value in _split(values):
        short = value.lower().removeprefix("order_side_")
        if short not in SIDES:
            raise FilterValueError(
                f"unknown side {value!r}: choose from {', '.join(SIDES)}", "--side"
            )
        result.add("ORDER_SIDE_" + short.upper())
    return frozenset(result)


def parse_kinds(values: Iterable[str]) -> frozenset[str]:
    """`order`, `trade`, `basket` (any case)."""
    result = set()
    for value in _split(values):
        kind = value.lower()
        if kind not in KINDS:
            raise FilterValueError(
                f"unknown kind {value!r}: choose from {', '.join(KINDS)}", "--kind"
            )
        result.add(kind)
    return frozenset(result)


def parse_order_ids(values: Iterable[str]) -> frozenset[int]:
    """Order ids as integers (they are 64-bit on the wire)."""
    result = set()
    for value in _split(values):
        try:
            result.add(int(value))
        except ValueError:
            raise FilterValueError(
                f"order id {value!r} is not a whole number", "--order-id"
            ) from None
    return frozenset(result)


@dataclass(frozen=True)
class EventFilter:
    """Which events to keep; an empty set means "any" for that filter."""

    statuses: frozenset[str | int] = frozenset()
    sides: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    order_ids: frozenset[int] = frozenset()

    @classmethod
    def from_options(
        cls,
        statuses: Iterable[str] = (),
        sides: Iterable[str] = (),
        tags: Iterable[str] = (),
        kinds: Iterable[str] = (),
        order_ids: Iterable[str] = (),
    ) -> EventFilter:
        """Build from raw CLI values; raises FilterValueError naming the valid values."""
        return cls(
            statuses=parse_statuses(statuses),
            sides=parse_sides(sides),
            tags=frozenset(_split(tags)),
            kinds=parse_kinds(kinds),
            order_ids=parse_order_ids(order_ids),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.statuses or self.sides or self.tags or self.kinds or self.order_ids)

    def __call__(self, event: dict[str, Any]) -> bool:
        """True when the event passes every filter given."""
        if self.kinds and event["kind"] not in self.kinds:
            return False
        if event["kind"] == "basket":
            return not (self.statuses or self.sides or self.tags or self.order_ids)
        if self.statuses and event["order_status"] not in self.statuses:
            return False
        if self.sides and event["side"] not in self.sides:
            return False
        if self.tags and event["tag"] not in self.tags:
            return False
        return not self.order_ids or event["order_id"] in self.order_ids
