"""Backoff, duplicate memory and the rate-limited reporter, without sockets."""

from __future__ import annotations

import io
import itertools
import random
from collections import Counter

from rich.console import Console

from nubra_cli.backoff import exponential_backoff
from nubra_cli.dedupe import RecentEvents
from nubra_cli.report import StderrReporter, format_duration
from nubra_cli.settings import Endpoints
from nubra_cli.stream import StreamStats


def test_backoff_grows_is_capped_and_jittered() -> None:
    delays = list(itertools.islice(exponential_backoff(1.0, 2.0, 8.0, 0.25, random.Random(1)), 8))
    assert 0.75 <= delays[0] <= 1.25
    assert 1.5 <= delays[1] <= 2.5
    assert all(d <= 8.0 for d in delays)
    assert delays[-1] >= 6.0
    assert len(set(delays)) == len(delays)


def test_repeats_are_recognised_and_memory_is_bounded() -> None:
    recent = RecentEvents(capacity=3)
    first = {
        "kind": "order",
        "order_id": 1,
        "order_status": "ORDER_STATUS_OPEN",
        "last_modified": 1,
    }
    assert not recent.seen_before(first)
    assert recent.seen_before(dict(first))
    assert not recent.seen_before({**first, "last_modified": 2})
    for n in range(10):
        recent.seen_before({**first, "order_id": 100 + n})
    assert len(recent) == 3
    assert not recent.seen_before(first)


def test_distinct_fills_at_the_same_time_are_not_repeats() -> None:
    recent = RecentEvents()
    fill = {"kind": "trade", "order_id": 1, "trade_qty": 4, "filled_qty": 4, "last_modified": 9}
    assert not recent.seen_before(fill)
    assert not recent.seen_before({**fill, "filled_qty": 8})


def _reporter(clock: list[float]) -> tuple[StderrReporter, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    return StderrReporter(console, burst=2, window=10.0, clock=lambda: clock[0]), out


def test_problem_floods_are_capped_and_counted() -> None:
    clock = [0.0]
    reporter, out = _reporter(clock)
    for n in range(50):
        reporter.problem(f"bad frame {n}")
    clock[0] = 11.0
    reporter.problem("later")
    lines = out.getvalue().splitlines()
    assert lines == [
        "nubra: warning: bad frame 0",
        "nubra: warning: bad frame 1",
        "nubra: warning: 48 more problems not shown",
        "nubra: warning: later",
    ]


def test_reconnects_are_one_line_each_and_prod_is_loud() -> None:
    clock = [0.0]
    reporter, out = _reporter(clock)
    states: list[str] = []
    reporter = StderrReporter(reporter._console, on_state=states.append)
    reporter.banner(Endpoints("prod", "https://api.nubra.io", "wss://api.nubra.io/ws"))
    for state in (
        "connecting",
        "connected",
        "reconnecting in 0.5s: connection lost",
        "connecting",
        "connected",
    ):
        reporter.connection(state)
    lines = out.getvalue().splitlines()
    assert "PROD" in lines[0] and "LIVE MONEY" in lines[0]
    assert lines[1:] == ["nubra: reconnecting in 0.5s: connection lost", "nubra: reconnected"]
    assert states[-1] == "connected"


def test_summary_line() -> None:
    clock = [0.0]
    reporter, out = _reporter(clock)
    stats = StreamStats(started=0.0, wire_errors=2, reconnects=1, duplicates=3)
    reporter.summary(Counter(order=5, trade=2), stats, now=65.0)
    assert out.getvalue().strip() == (
        "nubra: 7 events (5 order, 2 trade, 0 basket), 2 errors, 1 reconnect, "
        "3 repeated frames dropped, 1m05s"
    )
    assert format_duration(7300) == "2h01m"


def test_url_overrides_are_checked() -> None:
    import pytest

    from nubra_cli.errors import ConfigError
    from nubra_cli.settings import resolve_endpoints

    good = resolve_endpoints(
        "prod",
        {"NUBRA_API_URL": "http://127.0.0.1:8770/", "NUBRA_WS_URL": "ws://127.0.0.1:8771/ws"},
    )
    assert (good.api_url, good.ws_url, good.is_prod) == (
        "http://127.0.0.1:8770",
        "ws://127.0.0.1:8771/ws",
        True,
    )
    assert good.label == "PROD @ http://127.0.0.1:8770"
    assert resolve_endpoints(None, {}).label == "UAT"
    with pytest.raises(ConfigError, match="NUBRA_API_URL must be a http:// or https:// URL"):
        resolve_endpoints(None, {"NUBRA_API_URL": "notaurl"})
    with pytest.raises(ConfigError, match="NUBRA_WS_URL must be a ws:// or wss://"):
        resolve_endpoints(None, {"NUBRA_WS_URL": "http://127.0.0.1/ws"})
    with pytest.raises(ConfigError, match="unknown environment 'live'"):
        resolve_endpoints(None, {"NUBRA_ENV": "live"})
