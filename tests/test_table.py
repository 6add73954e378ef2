"""The live table: golden frames rendered into a captured console, layout, throttle and idle."""

from __future__ import annotations

import base64
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console

from nubra_cli.output.table import TableSink
from nubra_cli.wire import Event, decode

FRAMES = Path(__file__).resolve().parents[2] / "shared" / "wire-samples" / "frames.json"


def golden_events() -> dict[str, Event]:
    """The sample frames that carry an event, decoded, by sample name."""
    events: dict[str, Event] = {}
    for sample in json.loads(FRAMES.read_text()):
        if sample["name"] in {"not_an_order_message", "garbage_bytes"} or not sample.get("binary"):
            continue
        event = decode(base64.b64decode(sample["binary"]))
        assert event is not None
        events[sample["name"]] = event
    return events


class FakeClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_console(width: int = 160, height: int = 60, **kwargs: Any) -> Console:
    kwargs.setdefault("color_system", None)
    return Console(width=width, height=height, file=io.StringIO(), force_terminal=True, **kwargs)


def order(order_id: int, **fields: Any) -> Event:
    """A synthetic order event with plausible defaults."""
    event: Event = {
        "kind": "order",
        "order_id": order_id,
        "display_name": f"SYM{order_id}",
        "side": "ORDER_SIDE_BUY",
        "order_status": "ORDER_STATUS_OPEN",
        "order_qty": 10,
        "order_price": 10000,
        "filled_qty": None,
        "avg_price": None,
        "last_modified": 1_763_880_000_000_000_000 + order_id,
        "tag": None,
        "update_msg": None,
    }
    event.update(fields)
    return event


def shown(sink: TableSink) -> str:
    """The view as plain text, printed on the sink's own console outside Live."""
    console = sink.console
    console.begin_capture()
    console.print(sink.render())
    return console.end_capture()


def body_lines(text: str) -> list[str]:
    """The row lines of a rendered view: after the header rule, before the status line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("─")) + 1
    end = next(i for i, line in enumerate(lines) if " · " in line)
    return [line for line in lines[start:end] if line.strip()]


def fed(events: list[Event], **kwargs: Any) -> TableSink:
    kwargs.setdefault("clock", FakeClock())
    sink = TableSink(kwargs.pop("console", make_console()), kwargs.pop("env", "UAT"), **kwargs)
    for event in events:
        sink.write(event)
    return sink


def test_golden_frames_show_one_row_per_order_in_rupees() -> None:
    events = golden_events()
    sink = fed(list(events.values()), is_prod=False)
    rows = body_lines(shown(sink))
    assert [row.split("  ")[1].strip() for row in rows] == [
        "NIFTY 25DEC 24000 CE",
        "basket 7001",
        "TCS",
        "INFY",
        "RELIANCE",
    ]
    nifty, basket, tcs, infy, reliance = rows
    for text in ("BUY", "FILLED", "10/10", "₹1,250.50", "₹1,250.20", "6 @ ₹1,250.33", "swing_a"):
        assert text in reliance
    for text in ("SELL", "CANCELLED", "0/50", "₹999.00", "hedge", "Cancelled by user"):
        assert text in infy
    for text in ("REJECTED", "0/1", "₹0.01", "RMS: price outside circuit band"):
        assert text in tcs
    assert "FILLED" in basket
    for text in ("SELL", "TRIGGERED", "0/25", "₹450.00", "sl_ladder"):
        assert text in nifty
    when = time.strftime("%H:%M:%S", time.localtime(1_763_880_000))
    assert all(row.startswith(when) for row in rows)


def test_partial_fill_then_fill_updates_the_row_in_place() -> None:
    events = golden_events()
    sink = fed([events["new_order_open"]], is_prod=False)
    (row,) = body_lines(shown(sink))
    assert "OPEN" in row and "0/10" in row and "₹1,250.50" in row and " @ " not in row
    sink.write(events["partial_fill_trade"])
    (row,) = body_lines(shown(sink))
    assert "OPEN" in row and "4/10" in row and "4 @ ₹1,250.00" in row
    sink.write(events["complete_fill_trade"])
    (row,) = body_lines(shown(sink))
    assert "FILLED" in row and "10/10" in row and "6 @ ₹1,250.33" in row and "₹1,250.20" in row
    assert len(sink.book) == 1


def test_newest_updated_first_and_eviction_at_max_rows() -> None:
    sink = fed([order(n) for n in range(1, 6)], is_prod=False, max_rows=3)
    assert [row.split()[1] for row in body_lines(shown(sink))] == ["SYM5", "SYM4", "SYM3"]
    sink.write(order(4, order_status="ORDER_STATUS_CANCELLED", last_modified=2 * 10**18))
    assert [row.split()[1] for row in body_lines(shown(sink))] == ["SYM4", "SYM5", "SYM3"]
    assert (len(sink.book), sink.book.evicted, sink.book.orders) == (3, 2, 5)


def test_unknown_status_number_is_shown_as_is() -> None:
    (row,) = body_lines(shown(fed([order(1, order_status=9)], is_prod=False)))
    assert " 9 " in row


def test_stale_event_does_not_move_status_back() -> None:
    filled = order(1, order_status="ORDER_STATUS_FILLED", filled_qty=10, last_modified=2000)
    late_open = order(1, order_status="ORDER_STATUS_OPEN", filled_qty=None, last_modified=1000)
    (row,) = body_lines(shown(fed([filled, late_open], is_prod=False)))
    assert "FILLED" in row and "10/10" in row


def test_status_line_counts_and_connection() -> None:
    sink = fed(list(golden_events().values()), is_prod=False)
    sink.connection("reconnecting (attempt 3)")
    status = shown(sink).splitlines()[-1]
    assert status == (
        "UAT · reconnecting (attempt 3) · last event 0s ago · 4 orders · 2 trades · "
        "1 basket · 7 events seen"
    )


def test_empty_table_says_it_is_waiting() -> None:
    text = shown(fed([], is_prod=False))
    assert "waiting for order updates" in text
    assert "connecting · no events yet · 0 orders" in text


def test_prod_title_is_unmistakable_and_uat_is_calm() -> None:
    prod = fed([], is_prod=True, env="PROD", console=make_console(color_system="standard"))
    title = shown(prod).splitlines()[0]
    assert title.startswith("\x1b[1;37;41m") and " PROD — LIVE MONEY " in title
    uat = shown(fed([], is_prod=False, env="UAT @ http://127.0.0.1:8000"))
    assert uat.splitlines()[0].strip() == "UAT @ http://127.0.0.1:8000"
    assert "LIVE MONEY" not in uat


@pytest.mark.parametrize(
    ("width", "present", "absent"),
    [
        (160, ["Time", "Symbol", "Status", "Price", "Avg", "Last fill", "Tag", "Message"], []),
        (100, ["Time", "Symbol", "Avg", "Last fill"], ["Message"]),
        (60, ["Time", "Symbol", "Side", "Status", "Filled", "Price"], ["Message", "Tag", "Avg"]),
        (40, ["Symbol", "Side", "Status", "Filled"], ["Last fill", "Time", "Price"]),
    ],
)
def test_narrow_terminals_drop_columns_instead_of_wrapping(
    width: int, present: list[str], absent: list[str]
) -> None:
    sink = fed(list(golden_events().values()), is_prod=False, console=make_console(width))
    text = shown(sink)
    header = text.splitlines()[1].split()
    for name in present:
        assert name.split()[0] in header
    for name in absent:
        assert name.split()[-1] not in header
    rows = body_lines(text)
    assert len(rows) == 5  # nothing wrapped onto a second line
    assert all(len(line) <= width for line in text.splitlines()[:-2])


def test_short_terminal_shows_the_newest_rows_and_says_how_many_are_hidden() -> None:
    sink = fed([order(n) for n in range(30)], is_prod=False, console=make_console(height=12))
    text = shown(sink)
    assert len(body_lines(text)) == 12 - 6 + 1  # the caption line is counted with the rows
    assert "24 older rows not shown" in text


def test_writes_are_throttled_to_the_refresh_rate() -> None:
    clock = FakeClock()
    with TableSink(make_console(), "UAT", False, clock=clock, max_refresh_per_second=10) as sink:
        assert sink.refreshes == 1  # the first, empty, frame
        for n in range(500):  # a burst within 50 ms
            clock.now += 0.0001
            sink.write(order(n % 20))
        assert sink.refreshes == 1
        clock.now += 0.1
        sink.write(order(1))
        assert sink.refreshes == 2
        clock.now += 0.01
        sink.write(order(2))
        sink.idle()
        assert sink.refreshes == 2  # pending, not yet due
        clock.now += 0.1
        sink.idle()
        assert sink.refreshes == 3  # the pending write drawn by idle
        sink.idle()
        assert sink.refreshes == 3


def test_idle_redraws_only_when_the_age_text_changes() -> None:
    clock = FakeClock()
    with TableSink(make_console(), "UAT", False, clock=clock) as sink:
        sink.write(order(1))
        clock.now += 0.1
        sink.idle()
        start = sink.refreshes
        for _ in range(10 * 180):  # three idle minutes, ticking ten times a second
            clock.now += 0.1
            sink.idle()
        # 0s..59s redraw each second, then 1m, 2m and 3m once each
        assert sink.refreshes - start == 59 + 3


def test_connection_change_and_resize_redraw() -> None:
    clock = FakeClock()
    console = make_console(width=120)
    with TableSink(console, "UAT", False, clock=clock) as sink:
        clock.now += 0.5
        sink.connection("connected")
        assert sink.refreshes == 2
        sink.connection("connected")
        clock.now += 0.5
        sink.idle()
        assert sink.refreshes == 2
        console.width = 80
        sink.idle()
        assert sink.refreshes == 3


def test_leaving_the_context_keeps_the_final_table_and_restores_stdout() -> None:
    console = make_console(height=10)
    stdout = sys.stdout
    with pytest.raises(KeyboardInterrupt), TableSink(console, "UAT", False) as sink:
        for n in range(30):
            sink.write(order(n))
        raise KeyboardInterrupt
    assert sys.stdout is stdout
    assert isinstance(console.file, io.StringIO)
    final_frame = console.file.getvalue().rsplit("\x1b[2K", 1)[1]
    assert all(f"SYM{n} " in final_frame for n in range(30))  # every row, not only those that fit
    assert "not shown" not in final_frame


def test_styles_land_on_their_cells() -> None:
    sink = fed(
        list(golden_events().values()), is_prod=False, console=make_console(color_system="standard")
    )
    text = shown(sink)
    for coloured in (
        "\x1b[1;32mBUY\x1b[0m",
        "\x1b[1;31mSELL\x1b[0m",
        "\x1b[1;32mFILLED\x1b[0m",
        "\x1b[33mCANCELLED\x1b[0m",
        "\x1b[1;31mREJECTED\x1b[0m",
        "\x1b[35mTRIGGERED\x1b[0m",
        "\x1b[31mRMS: price outside circuit band\x1b[0m",
        "\x1b[2mCancelled by user\x1b[0m",
    ):
        assert coloured in text


def test_wide_symbols_are_cut_with_an_ellipsis_by_cell_width() -> None:
    sink = fed([order(1, display_name="日本株" * 10)], is_prod=False, console=make_console(40))
    text = shown(sink)
    (row,) = body_lines(text)
    assert "…" in row and "日本株" in row
    assert max(cell_len(line) for line in text.splitlines()) <= 40
