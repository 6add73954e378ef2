"""Filters: same filter ORs, different filters AND, baskets only without order-level filters."""

from __future__ import annotations

from typing import Any

import pytest

from nubra_cli.filters import EventFilter, FilterValueError


def _event(kind: str = "order", **fields: Any) -> dict[str, Any]:
    base = {
        "kind": kind,
        "order_status": "ORDER_STATUS_OPEN",
        "side": "ORDER_SIDE_BUY",
        "tag": "swing_a",
        "order_id": 1,
    }
    if kind == "basket":
        return {
            "kind": "basket",
            "basket_id": 7,
            "last_modified": 1,
            "response_type": "BASKET_FILLED",
        }
    return {**base, **fields}


@pytest.mark.parametrize(
    "spelling", ["filled", "FILLED", "ORDER_STATUS_FILLED", "order_status_filled"]
)
def test_status_spellings(spelling: str) -> None:
    keep = EventFilter.from_options(statuses=[spelling])
    assert keep(_event(order_status="ORDER_STATUS_FILLED"))
    assert not keep(_event(order_status="ORDER_STATUS_OPEN"))


def test_repeated_and_comma_separated_values_or() -> None:
    keep = EventFilter.from_options(statuses=["filled,rejected", "cancelled"])
    for status in ("FILLED", "REJECTED", "CANCELLED"):
        assert keep(_event(order_status=f"ORDER_STATUS_{status}"))
    assert not keep(_event(order_status="ORDER_STATUS_OPEN"))


def test_different_filters_and() -> None:
    keep = EventFilter.from_options(statuses=["open"], sides=["sell"], tags=["swing_a"])
    assert not keep(_event())
    assert keep(_event(side="ORDER_SIDE_SELL"))
    assert not keep(_event(side="ORDER_SIDE_SELL", tag="hedge"))


def test_tags_are_exact() -> None:
    keep = EventFilter.from_options(tags=["swing"])
    assert not keep(_event(tag="swing_a"))
    assert not keep(_event(tag=None))


def test_kind_filter() -> None:
    keep = EventFilter.from_options(kinds=["trade", "BASKET"])
    assert keep(_event("trade"))
    assert keep(_event("basket"))
    assert not keep(_event("order"))


@pytest.mark.parametrize(
    "options",
    [{"statuses": ["open"]}, {"sides": ["buy"]}, {"tags": ["swing_a"]}, {"order_ids": ["1"]}],
)
def test_baskets_pass_only_without_order_level_filters(options: dict[str, list[str]]) -> None:
    assert EventFilter()(_event("basket"))
    assert not EventFilter.from_options(**options)(_event("basket"))


def test_unknown_status_numbers_can_be_asked_for() -> None:
    keep = EventFilter.from_options(statuses=["8"])
    assert keep(_event(order_status=8))
    assert not keep(_event(order_status="ORDER_STATUS_OPEN"))


@pytest.mark.parametrize(
    ("options", "option", "listed"),
    [
        ({"statuses": ["done"]}, "--status", "filled"),
        ({"sides": ["long"]}, "--side", "buy, sell"),
        ({"kinds": ["fill"]}, "--kind", "order, trade, basket"),
        ({"order_ids": ["abc"]}, "--order-id", "whole number"),
    ],
)
def test_bad_values_name_the_valid_ones(
    options: dict[str, list[str]], option: str, listed: str
) -> None:
    with pytest.raises(FilterValueError) as caught:
        EventFilter.from_options(**options)
    assert caught.value.option == option
    assert listed in str(caught.value)
