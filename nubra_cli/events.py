"""The three event shapes as pydantic models: the JSON Schema, and validation in tests.

The hot path emits plain dicts (see `nubra_cli.wire`); a test checks that these
models list exactly the fields of `nubra_cli.wire.fields`, in the same order.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

#: An enum value: its name, or the bare number for one our table does not know.
EnumValue = str | int

_PAISE = "integer paise (125050 is ₹1,250.50)"
_TIME = "integer time since the Unix epoch (nanoseconds in the feeds seen)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AlgoParams(_Strict):
    """Parameters of an algorithmic order; each null when not sent."""

    min_prate: int | None
    max_prate: int | None
    algo_duration: int | None
    benchmark_type: EnumValue | None
    benchmark_price: int | None = Field(description=_PAISE)
    cleanup_price: int | None = Field(description=_PAISE)
    trigger_price: int | None = Field(description=_PAISE)
    leg_size: int | None
    algo_id: str | None
    count_otm_volume: bool | None
    cleanup_max_prate: float | None
    start_time: int | None = Field(description=_TIME)
    end_time: int | None = Field(description=_TIME)
    trailing_sl_delta: int | None
    min_prate_float: float | None
    max_prate_float: float | None


class MetaInfo(_Strict):
    """Extra order metadata; each null when not sent."""

    trailing_sl_limit_price: int | None
    trailing_sl_trigger_price: int | None
    parent_order_id: int | None
    response_id: int | None


class OrderEvent(_Strict):
    """An order changed state (placed, modified, cancelled, rejected, triggered...)."""

    kind: Literal["order"]
    exchange: EnumValue | None
    exchange_order_id: int | None
    order_id: int | None
    ref_id: int | None
    side: EnumValue | None
    trade_qty: int | None
    trade_price: int | None = Field(description=_PAISE)
    order_type: EnumValue | None
    order_type_v2: EnumValue | None
    strategy_type: EnumValue | None
    order_status: EnumValue | None
    order_qty: int | None
    order_price: int | None = Field(description=_PAISE)
    display_name: str | None
    last_modified: int | None = Field(description=_TIME)
    update_msg: str | None
    response_type: EnumValue | None
    filled_qty: int | None
    avg_price: int | None = Field(description=_PAISE)
    trigger_price: int | None = Field(description=_PAISE)
    price_type: EnumValue | None
    validity_type: EnumValue | None
    leg_size: int | None
    algo_duration: int | None
    max_prate: int | None
    algo_params: AlgoParams | None
    asset_type: str | None
    is_sor: bool | None
    tag: str | None
    request_type: EnumValue | None
    order_expiry_date: int | None = Field(description=_TIME)
    meta_info: MetaInfo | None


class TradeEvent(_Strict):
    """A fill: `trade_qty` units traded at `trade_price` (and `traded_price`, the same value)."""

    kind: Literal["trade"]
    exchange: EnumValue | None
    exchange_order_id: int | None
    order_id: int | None
    ref_id: int | None
    side: EnumValue | None
    trade_qty: int | None
    trade_price: int | None = Field(description=_PAISE)
    traded_price: int | None = Field(description=_PAISE)
    order_type: EnumValue | None
    order_type_v2: EnumValue | None
    strategy_type: EnumValue | None
    order_status: EnumValue | None
    order_qty: int | None
    filled_qty: int | None
    avg_price: int | None = Field(description=_PAISE)
    order_price: int | None = Field(description=_PAISE)
    display_name: str | None
    last_modified: int | None = Field(description=_TIME)
    update_msg: str | None
    response_type: EnumValue | None
    price_type: EnumValue | None
    validity_type: EnumValue | None
    leg_size: int | None
    algo_duration: int | None
    max_prate: int | None
    algo_params: AlgoParams | None
    asset_type: str | None
    is_sor: bool | None
    tag: str | None
    request_type: EnumValue | None
    order_expiry_date: int | None = Field(description=_TIME)
    meta_info: MetaInfo | None


class BasketEvent(_Strict):
    """A basket of orders finished filling."""

    kind: Literal["basket"]
    basket_id: int | None
    last_modified: int | None = Field(description=_TIME)
    response_type: EnumValue | None


EventModel = Annotated[OrderEvent | TradeEvent | BasketEvent, Field(discriminator="kind")]
MODELS: dict[str, type[BaseModel]] = {
    "order": OrderEvent,
    "trade": TradeEvent,
    "basket": BasketEvent,
}
_ADAPTER: TypeAdapter[OrderEvent | TradeEvent | BasketEvent] = TypeAdapter(EventModel)


def validate_event(event: dict[str, Any]) -> OrderEvent | TradeEvent | BasketEvent:
    """Check one event dict against its model (raises pydantic.ValidationError)."""
    return _ADAPTER.validate_python(event)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of one line of `nubra watch --json`."""
    schema = _ADAPTER.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "nubra event"
    schema["description"] = "One line of `nubra watch --json`: an order, trade or basket event."
    return schema
