"""Figure 1: decode -> filter -> JSON line in process, and a bare protobuf parse of the same frames.

All loops run over the golden sample frames many times, taking turns, best of
many short runs (noise from other processes only ever slows a run down). The
pipeline is the product's own code, in the order `nubra watch --json` runs it,
writing each line to /dev/null through `JsonLinesSink` (so one flushed write
per event, as on stdout).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from operator import attrgetter

import orjson
from common import Figure, at_least, below, info
from frames import sample_frames
from google.protobuf.any_pb2 import Any as AnyMessage

from nubra_cli.filters import EventFilter
from nubra_cli.output.jsonl import JsonLinesSink
from nubra_cli.wire import decode
from nubra_cli.wire.codec import _READ as SCALARS_READ
from nubra_cli.wire.order_pb2 import Order

PIPELINE_TARGET = 100_000.0
RATIO_TARGET = 4.0


def pipeline_loop(frames: list[bytes], rounds: int) -> Callable[[], int]:
    """One run of decode -> filter -> sink over `rounds` passes of the frames."""
    # A filter that looks at every event and keeps them all, so the sink sees every event.
    keep = EventFilter.from_options(kinds=["order", "trade", "basket"])

    def run() -> int:
        written = 0
        with open(os.devnull, "wb") as null:
            sink = JsonLinesSink(null)
            for _ in range(rounds):
                for frame in frames:
                    event = decode(frame)
                    if event is not None and keep(event):
                        sink.write(event)
                        written += 1
        return written

    return run


def bare_parse_loop(frames: list[bytes], rounds: int) -> Callable[[], int]:
    """One run of the least any decoder must do: outer Any -> inner Any -> Order.FromString."""
    parse_any = AnyMessage.FromString
    parse_order = Order.FromString

    def run() -> int:
        parsed = 0
        for _ in range(rounds):
            for frame in frames:
                parse_order(parse_any(parse_any(frame).value).value)
                parsed += 1
        return parsed

    return run


def parse_and_read_loop(frames: list[bytes], rounds: int) -> Callable[[], int]:
    """The bare parse plus reading every scalar field once: the least a decoder that hands the
    values to Python can do (upb parses lazily; reading a field makes its Python object)."""
    parse_any = AnyMessage.FromString
    parse_order = Order.FromString
    scalars = [f.name for f in Order.DESCRIPTOR.fields if f.message_type is None]
    read = attrgetter(*scalars)

    def run() -> int:
        for _ in range(rounds):
            for frame in frames:
                read(parse_order(parse_any(parse_any(frame).value).value))
        return rounds * len(frames)

    return run


def floor_loop(frames: list[bytes], rounds: int) -> Callable[[], int]:
    """The least any pipeline from these frames to JSON lines can do: the bare parse, read the
    scalars `decode` reads, put them in a dict as they are (no nulls, no enum names, no nested
    messages, no kind), one orjson line, one write to /dev/null. Not a usable decoder: a floor."""
    parse_any = AnyMessage.FromString
    parse_order = Order.FromString
    read = attrgetter(*SCALARS_READ)
    dumps, option, write = orjson.dumps, orjson.OPT_APPEND_NEWLINE, os.write

    def run() -> int:
        with open(os.devnull, "wb") as null:
            fd = null.fileno()
            for _ in range(rounds):
                for frame in frames:
                    fields = read(parse_order(parse_any(parse_any(frame).value).value))
                    write(fd, dumps(dict(zip(SCALARS_READ, fields, strict=True)), option=option))
        return rounds * len(frames)

    return run


def decode_loop(frames: list[bytes], rounds: int) -> Callable[[], int]:
    """`decode` alone, to tell the decoder's share from the sink's."""

    def run() -> int:
        for _ in range(rounds):
            for frame in frames:
                decode(frame)
        return rounds * len(frames)

    return run


def best_rates(loops: dict[str, Callable[[], int]], repeats: int) -> dict[str, list[float]]:
    """Every run's events per second, the loops taking turns so a busy moment hits them alike."""
    rates: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(repeats):
        for name, run in loops.items():
            started = time.perf_counter()
            count = run()
            rates[name].append(count / (time.perf_counter() - started))
    return rates


def measure(quick: bool) -> list[Figure]:
    frames = sample_frames()
    rounds = 3_000  # about 0.2 s of the pipeline per run: short runs, many of them
    repeats = 5 if quick else 20
    pipeline_loop(frames, 200)()  # warm-up: first-call costs, caches
    runs = best_rates(
        {
            "pipeline": pipeline_loop(frames, rounds),
            "bare": bare_parse_loop(frames, rounds),
            "read": parse_and_read_loop(frames, rounds),
            "floor": floor_loop(frames, rounds),
            "decode": decode_loop(frames, rounds),
        },
        repeats,
    )
    pipeline, bare, read_all, floor, decoded = (
        max(runs[k]) for k in ("pipeline", "bare", "read", "floor", "decode")
    )
    ratio = bare / pipeline
    events = rounds * len(frames)
    note = f"{len(frames)} sample frames x {rounds:,} = {events:,} events, best of {repeats}"
    figures = [
        at_least(
            "inprocess.pipeline",
            "1. decode->filter->JSON line, in process",
            pipeline,
            "events/s",
            PIPELINE_TARGET,
            note,
        ),
        info("inprocess.bare_parse", "1. bare protobuf parse (Any->Any->Order)", bare, "events/s"),
        info(
            "inprocess.parse_and_read",
            "1. ... and read every scalar field once",
            read_all,
            "events/s",
            "a floor for any decoder that turns the fields into Python values",
        ),
        info(
            "inprocess.floor",
            "1. floor: parse, read, dict, orjson, write",
            floor,
            "events/s",
            f"the least any pipeline can do; bare parse / floor = {bare / floor:.2f} x",
        ),
        below(
            "inprocess.ratio",
            "1. bare parse / pipeline",
            ratio,
            "x",
            RATIO_TARGET,
            f"decode alone {decoded:,.0f} events/s",
        ),
    ]
    figures[0].details = {"runs": runs["pipeline"], "events_per_run": events}
    figures[1].details = {"runs": runs["bare"]}
    figures[2].details = {"runs": runs["read"]}
    figures[3].details = {"runs": runs["floor"]}
    figures[4].details = {"decode_only_best": decoded, "decode_only_runs": runs["decode"]}
    return figures
