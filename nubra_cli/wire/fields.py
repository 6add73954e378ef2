"""The names and order of every field an event carries, per kind (protocol.md §5).

Kept free of heavy imports: the decoder reads these on every frame, and the
pydantic models in `nubra_cli.events` are checked against them by a test.
"""

from __future__ import annotations

from typing import Final

KINDS: Final = ("order", "trade", "basket")

#: Fields of an `order` event, in the order the broker's SDK lists them.
ORDER_FIELDS: Final[tuple[str, ...]] = (
    "exchange",
    "exchange_order_id",
    "order_id",
    "ref_id",
    "side",
    "trade_qty",
    "trade_price",
    "order_type",
    "order_type_v2",
    "strategy_type",
    "order_status",
    "order_qty",
    "order_price",
    "display_name",
    "last_modified",
    "update_msg",
    "response_type",
    "filled_qty",
    "avg_price",
    "trigger_price",
    "price_type",
    "validity_type",
    "leg_size",
    "algo_duration",
    "max_prate",
    "algo_params",
    "asset_type",
    "is_sor",
    "tag",
    "request_type",
    "order_expiry_date",
    "meta_info",
)

#: Fields of a `trade` event; `traded_price` always equals `trade_price`.
TRADE_FIELDS: Final[tuple[str, ...]] = (
    "exchange",
    "exchange_order_id",
    "order_id",
    "ref_id",
    "side",
    "trade_qty",
    "trade_price",
    "traded_price",
    "order_type",
    "order_type_v2",
    "strategy_type",
    "order_status",
    "order_qty",
    "filled_qty",
    "avg_price",
    "order_price",
    "display_name",
    "last_modified",
    "update_msg",
    "response_type",
    "price_type",
    "validity_type",
    "leg_size",
    "algo_duration",
    "max_prate",
    "algo_params",
    "asset_type",
    "is_sor",
    "tag",
    "request_type",
    "order_expiry_date",
    "meta_info",
)

#: Fields of a `basket` event.
BASKET_FIELDS: Final[tuple[str, ...]] = ("basket_id", "last_modified", "response_type")

ALGO_PARAMS_FIELDS: Final[tuple[str, ...]] = (
    "min_prate",
    "max_prate",
    "algo_duration",
    "benchmark_type",
    "benchmark_price",
    "cleanup_price",
    "trigger_price",
    "leg_size",
    "algo_id",
    "count_otm_volume",
    "cleanup_max_prate",
    "start_time",
    "end_time",
    "trailing_sl_delta",
    "min_prate_float",
    "max_prate_float",
)

META_INFO_FIELDS: Final[tuple[str, ...]] = (
    "trailing_sl_limit_price",
    "trailing_sl_trigger_price",
    "parent_order_id",
    "response_id",
)

#: Event fields whose value is an enum name (or the bare number when unknown).
ENUM_FIELDS: Final[frozenset[str]] = frozenset(
    {
        "exchange",
        "side",
        "order_type",
        "order_type_v2",
        "strategy_type",
        "order_status",
        "response_type",
        "price_type",
        "validity_type",
        "request_type",
        "benchmark_type",
    }
)

#: Event fields that hold prices in paise.
PRICE_FIELDS: Final[frozenset[str]] = frozenset(
    {"order_price", "avg_price", "trade_price", "traded_price", "trigger_price"}
)
