"""The pydantic models describe exactly what the decoder emits."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from nubra_cli.events import MODELS, AlgoParams, MetaInfo, json_schema, validate_event
from nubra_cli.wire.fields import (
    ALGO_PARAMS_FIELDS,
    BASKET_FIELDS,
    META_INFO_FIELDS,
    ORDER_FIELDS,
    TRADE_FIELDS,
)


@pytest.mark.parametrize(
    ("kind", "fields"),
    [("order", ORDER_FIELDS), ("trade", TRADE_FIELDS), ("basket", BASKET_FIELDS)],
)
def test_models_list_the_decoder_fields_in_order(kind: str, fields: tuple[str, ...]) -> None:
    assert tuple(MODELS[kind].model_fields) == ("kind", *fields)


def test_nested_models_match() -> None:
    assert tuple(AlgoParams.model_fields) == ALGO_PARAMS_FIELDS
    assert tuple(MetaInfo.model_fields) == META_INFO_FIELDS


def test_every_decoded_sample_validates(sample_events: dict[str, dict[str, Any]]) -> None:
    for event in sample_events.values():
        model = validate_event(event)
        assert model.model_dump() == event


def test_a_missing_or_extra_field_is_refused(sample_events: dict[str, dict[str, Any]]) -> None:
    event = dict(sample_events["new_order_open"])
    del event["tag"]
    with pytest.raises(ValidationError):
        validate_event(event)
    with pytest.raises(ValidationError):
        validate_event({**sample_events["basket_filled"], "surprise": 1})


def test_schema_requires_every_field() -> None:
    schema = json_schema()
    order = schema["$defs"]["OrderEvent"]
    assert set(order["required"]) == {"kind", *ORDER_FIELDS}
    assert schema["discriminator"]["propertyName"] == "kind"
