"""What a simulated session trades: instruments near real price levels, and how prices move.

Kept apart so the scenario reads as a story, not as reference data.
"""

from __future__ import annotations

import calendar
import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Final

from nubra_cli.wire import order_pb2 as pb

NS_PER_SECOND: Final = 1_000_000_000
IST: Final = timezone(timedelta(hours=5, minutes=30), "IST")

#: The demo account every simulated order belongs to (as in the golden samples).
USER_ID: Final = 5501
ZANSKAR_ID: Final = 2885
CLIENT_CODE: Final = "ZX1001"


@dataclass(frozen=True)
class Instrument:
    """One tradable line: how the broker names it, where it trades, and its price grid."""

    display_name: str
    stock_name: str
    asset: str
    exch: pb.ExchangeType.ValueType
    ref_id: int
    #: A typical price, in paise.
    price: int
    #: The price step, in paise.
    tick: int
    lot_size: int = 1
    asset_type: str = "STOCKS"
    derivative_type: str = ""
    #: Expiry of a derivative, ns since the epoch; 0 for cash equities.
    expiry_ns: int = 0

    @property
    def delivery(self) -> pb.OrderDeliveryType.ValueType:
        """Derivatives are traded intraday in the demo, equities mostly for delivery."""
        return pb.ORDER_DELIVERY_TYPE_IDAY if self.derivative_type else pb.ORDER_DELIVERY_TYPE_CNC


def monthly_expiry(start_ns: int) -> date:
    """The next monthly F&O expiry on or after the start day: the month's last Tuesday."""
    today = datetime.fromtimestamp(start_ns // NS_PER_SECOND, IST).date()
    year, month = today.year, today.month
    while True:
        last = date(year, month, calendar.monthrange(year, month)[1])
        expiry = last - timedelta(days=(last.weekday() - calendar.TUESDAY) % 7)
        if expiry >= today:
            return expiry
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def instruments(start_ns: int) -> tuple[Instrument, ...]:
    """The session's instruments, derivatives named after the current monthly expiry."""
    expiry = monthly_expiry(start_ns)
    label = expiry.strftime("%y%b").upper()  # 25DEC
    expiry_ns = int(datetime.combine(expiry, time(15, 30), IST).timestamp()) * NS_PER_SECOND
    nse, mcx = pb.EXCH_NSE, pb.EXCH_MCX
    return (
        Instrument("RELIANCE", "RELIANCE", "RELIANCE", nse, 2885, 125_050, 5),
        Instrument("INFY", "INFY", "INFY", nse, 1594, 154_820, 5),
        Instrument("TCS", "TCS", "TCS", nse, 11536, 312_460, 5),
        Instrument("HDFCBANK", "HDFCBANK", "HDFCBANK", nse, 1333, 99_135, 5),
        Instrument("SBIN", "SBIN", "SBIN", nse, 3045, 86_270, 5),
        Instrument(
            f"NIFTY {label} 24000 CE",
            f"NIFTY{label}24000CE",
            "NIFTY",
            nse,
            48_211,
            45_000,
            5,
            lot_size=75,
            asset_type="INDEX_FO",
            derivative_type="OPT",
            expiry_ns=expiry_ns,
        ),
        Instrument(
            f"NIFTY {label} 23800 PE",
            f"NIFTY{label}23800PE",
            "NIFTY",
            nse,
            48_194,
            12_040,
            5,
            lot_size=75,
            asset_type="INDEX_FO",
            derivative_type="OPT",
            expiry_ns=expiry_ns,
        ),
        Instrument(
            f"BANKNIFTY {label} FUT",
            f"BANKNIFTY{label}FUT",
            "BANKNIFTY",
            nse,
            52_175,
            5_521_040,
            20,
            lot_size=35,
            asset_type="INDEX_FO",
            derivative_type="FUT",
            expiry_ns=expiry_ns,
        ),
        Instrument(
            f"CRUDEOIL {label} FUT",
            f"CRUDEOIL{label}FUT",
            "CRUDEOIL",
            mcx,
            441_230,
            531_100,
            100,
            lot_size=100,
            asset_type="COMMODITY",
            derivative_type="FUT",
            expiry_ns=expiry_ns,
        ),
    )


class Market:
    """The instruments' last prices, each walking at random, and order sizes in whole lots."""

    def __init__(self, rng: random.Random, start_ns: int) -> None:
        self._rng = rng
        self.instruments = instruments(start_ns)
        self._ltp = {inst.display_name: inst.price for inst in self.instruments}

    def pick(self, derivatives: bool | None = None) -> Instrument:
        pool = [
            inst
            for inst in self.instruments
            if derivatives is None or bool(inst.derivative_type) == derivatives
        ]
        return self._rng.choice(pool)

    def quote(self, inst: Instrument) -> int:
        """The instrument's last price after a small random step."""
        ltp = self._ltp[inst.display_name] + self._rng.randint(-6, 6) * inst.tick
        ltp = max(ltp, 20 * inst.tick)
        self._ltp[inst.display_name] = ltp
        return ltp

    def away(self, price: int, inst: Instrument, side: int, most: int) -> int:
        """A price up to `most` ticks on the side's better side of `price` (lower for a buy)."""
        ticks = self._rng.randint(0, most) * inst.tick
        return max(inst.tick, price - ticks if side == pb.ORDER_SIDE_BUY else price + ticks)

    def limit(self, inst: Instrument, side: int, most: int) -> int:
        """A limit price up to `most` ticks on the patient side of the market."""
        return self.away(self.quote(inst), inst, side, most)

    def qty(self, inst: Instrument) -> int:
        if inst.lot_size > 1:
            return inst.lot_size * self._rng.randint(1, 4)
        return self._rng.choice((1, 2, 5, 10, 15, 20, 25, 40, 50, 75, 100, 150, 200))

    def split(self, qty: int, parts: int, unit: int) -> list[int]:
        """`qty` as up to `parts` positive trades, each a multiple of `unit` (a lot)."""
        lots = qty // unit
        parts = max(1, min(parts, lots))
        cuts = sorted(self._rng.sample(range(1, lots), parts - 1))
        bounds = [0, *cuts, lots]
        return [(high - low) * unit for low, high in itertools.pairwise(bounds)]
