"""Figure 5: resident memory while a million distinct events go through the table and through JSON.

Each sink gets a fresh interpreter (`python memory.py --sink table --events N`),
so nothing else the harness did sits in the numbers. Frames are encoded one at
a time with their own order id, then go the way `nubra watch` takes them:
decode, de-duplicate (`RecentEvents`, as the stream does), filter, sink. The
table draws on an offscreen console at its real throttle (monotonic clock); the
JSON lines go to /dev/null. RSS is sampled along the way; the figure is the
largest sample after the warm-up minus the sample at its end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from typing import Any

from common import BENCH_DIR, Figure, below, rss_bytes
from frames import DistinctFrames

TARGET_MB = 10.0
SAMPLE_EVERY = 25_000


def run_sink(sink_name: str, events: int, warmup: int) -> dict[str, Any]:
    """Push `events` distinct events through one sink; RSS samples and the rate."""
    from rich.console import Console

    from nubra_cli.dedupe import RecentEvents
    from nubra_cli.filters import EventFilter
    from nubra_cli.output.jsonl import JsonLinesSink
    from nubra_cli.output.table import TableSink
    from nubra_cli.runner import Sink
    from nubra_cli.stream import StreamConfig
    from nubra_cli.wire import decode

    frames = DistinctFrames()
    recent = RecentEvents(StreamConfig(ws_url="").dedupe_capacity)
    keep = EventFilter()
    samples: list[tuple[int, int]] = []
    table: TableSink | None = None
    with ExitStack() as stack:
        null = stack.enter_context(open(os.devnull, "w"))
        sink: Sink
        if sink_name == "table":
            console = Console(file=null, width=160, height=50, force_terminal=True)
            table = TableSink(console, "UAT", is_prod=False)
            sink = stack.enter_context(table)
        else:
            sink = JsonLinesSink(stack.enter_context(open(os.devnull, "wb")))
        started = time.perf_counter()
        for i, frame in enumerate(frames.stream(events)):
            event = decode(frame)
            if event is not None and not recent.seen_before(event) and keep(event):
                sink.write(event)
            if i % SAMPLE_EVERY == 0 or i == warmup:
                samples.append((i, rss_bytes()))
        elapsed = time.perf_counter() - started
    samples.append((events, rss_bytes()))
    baseline = next(rss for i, rss in samples if i == warmup)
    after = [rss for i, rss in samples if i >= warmup]
    return {
        "sink": sink_name,
        "events": events,
        "warmup": warmup,
        "rate": events / elapsed,
        "baseline_mb": baseline / 2**20,
        "growth_mb": (max(after) - baseline) / 2**20,
        "samples_mb": [(i, round(rss / 2**20, 2)) for i, rss in samples],
        "redraws": None if table is None else table.refreshes,
        "dedupe_size": len(recent),
    }


def measure(quick: bool) -> list[Figure]:
    events = 200_000 if quick else 1_000_000
    warmup = 50_000 if quick else 100_000
    figures = []
    for sink_name in ("table", "json"):
        done = subprocess.run(
            [sys.executable, str(BENCH_DIR / "memory.py"), "--sink", sink_name]
            + ["--events", str(events), "--warmup", str(warmup)],
            capture_output=True,
            check=True,
            timeout=600,
        )
        result = json.loads(done.stdout)
        note = (
            f"{events:,} events after {warmup:,} warm-up, base {result['baseline_mb']:.1f} MB, "
            f"{result['rate']:,.0f} events/s incl. encoding"
        )
        if result["redraws"] is not None:
            note += f", {result['redraws']} redraws"
        figure = below(
            f"memory.{sink_name}",
            f"5. memory: RSS growth, {sink_name}",
            result["growth_mb"],
            "MB",
            TARGET_MB,
            note,
        )
        figure.details = result
        figures.append(figure)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sink", choices=("table", "json"), required=True)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--warmup", type=int, default=100_000)
    args = parser.parse_args()
    if not 0 <= args.warmup < args.events:
        parser.error("--warmup must be below --events")
    print(json.dumps(run_sink(args.sink, args.events, args.warmup)))


if __name__ == "__main__":
    main()
