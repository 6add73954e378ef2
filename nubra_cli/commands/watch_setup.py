"""The wiring behind `nubra watch`: credentials, stream, filters and sinks, put together once."""

from __future__ import annotations

import sys
import time
from collections import Counter
from contextlib import ExitStack, closing
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO

import typer
from rich.console import Console

from nubra_cli.errors import ConfigError
from nubra_cli.filters import EventFilter, FilterValueError, parse_statuses
from nubra_cli.output.jsonl import JsonLinesSink
from nubra_cli.report import StderrReporter
from nubra_cli.runner import ExitConditions, Sink, parse_duration, pump
from nubra_cli.settings import ENVIRONMENTS, Endpoints, resolve_endpoints
from nubra_cli.signals import sigterm_stops
from nubra_cli.stream import OrderStream, StreamConfig, TokenSource

#: Events per second the demo simulator plays: lively, yet readable in a table.
DEMO_RATE = 4.0


@dataclass(frozen=True)
class WatchOptions:
    """Every `nubra watch` option, as parsed by Typer."""

    env: str | None
    output_format: Enum | None
    json_conflict: bool
    demo: bool
    statuses: list[str]
    sides: list[str]
    tags: list[str]
    kinds: list[str]
    order_ids: list[str]
    count: int | None
    timeout: str | None
    until: str | None
    rows: int
    record: Path | None
    color: str
    max_retries: int | None
    stall_timeout: float
    ping_interval: float
    env_file: Path | None


def make_console(color: str, stderr: bool) -> Console:
    """A console honouring --color; NO_COLOR and FORCE_COLOR are honoured by Rich itself."""
    if color == "always":
        return Console(stderr=stderr, force_terminal=True, highlight=False)
    if color == "never":
        return Console(stderr=stderr, color_system=None, no_color=True, highlight=False)
    return Console(stderr=stderr, highlight=False)


def _usage(message: str, option: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=option)


def _event_filter(opts: WatchOptions) -> EventFilter:
    try:
        return EventFilter.from_options(
            opts.statuses, opts.sides, opts.tags, opts.kinds, opts.order_ids
        )
    except FilterValueError as error:
        raise _usage(str(error), error.option) from None


def _exit_conditions(opts: WatchOptions, keep: EventFilter) -> ExitConditions:
    timeout = None
    if opts.timeout is not None:
        try:
            timeout = parse_duration(opts.timeout)
        except ValueError as error:
            raise _usage(str(error), "--timeout") from None
    until = order_id = None
    if opts.until is not None:
        if len(keep.order_ids) != 1:
            raise _usage("--until needs exactly one --order-id", "--until")
        try:
            (until,) = parse_statuses([opts.until])
        except FilterValueError as error:
            raise _usage(str(error), "--until") from None
        (order_id,) = keep.order_ids
    return ExitConditions(opts.count, timeout, order_id, until if isinstance(until, str) else None)


def _wants_table(opts: WatchOptions) -> bool:
    if opts.json_conflict:
        raise _usage("--json and --format table contradict each other", "--json")
    if opts.output_format is not None:
        return bool(opts.output_format.value == "table")
    return sys.stdout.isatty()


def _connect(opts: WatchOptions, stack: ExitStack) -> tuple[Endpoints, TokenSource]:
    """The endpoints and a session: the in-process simulator for --demo, the broker otherwise."""
    from nubra_cli.auth import SessionStore, load_credentials, open_session

    if opts.demo:
        from nubra_cli.auth import Credentials
        from nubra_cli.sim import DEMO_MPIN, DEMO_PHONE, DEMO_TOTP_SECRET, SimConfig, Simulator

        sim = stack.enter_context(
            Simulator(SimConfig(api_port=0, ws_port=0, rate=DEMO_RATE, loop=True))
        )
        endpoints = Endpoints("uat", sim.api_url, sim.ws_url)
        credentials = Credentials(phone=DEMO_PHONE, totp_secret=DEMO_TOTP_SECRET, mpin=DEMO_MPIN)
        return endpoints, open_session(endpoints, credentials, store=None)
    endpoints = resolve_endpoints(opts.env)
    credentials = load_credentials(env_file=opts.env_file)
    return endpoints, open_session(endpoints, credentials, store=SessionStore())


def _open_journal(path: Path) -> BinaryIO:
    """The --record file, opened for appending; a path that cannot be written is one line."""
    try:
        return path.expanduser().open("ab")
    except OSError as error:
        raise ConfigError(f"cannot write --record file {path}: {error.strerror}") from None


def run_watch(opts: WatchOptions) -> None:
    """Wire everything together and stream until an exit condition, an error or a signal."""
    if opts.env is not None and opts.env.strip().lower() not in ENVIRONMENTS:
        raise _usage(f"unknown environment {opts.env!r}: choose uat or prod", "--env")
    keep = _event_filter(opts)
    conditions = _exit_conditions(opts, keep)
    table_wanted = _wants_table(opts)
    errors = make_console(opts.color, stderr=True)
    emitted: Counter[str] = Counter()
    with ExitStack() as stack:
        stack.enter_context(sigterm_stops())
        endpoints, tokens = _connect(opts, stack)
        sinks: list[Sink] = []
        on_state = None
        if table_wanted:
            from nubra_cli.output.table import TableSink

            label = "DEMO (local simulator)" if opts.demo else endpoints.label
            table = TableSink(
                make_console(opts.color, stderr=False), label, endpoints.is_prod, max_rows=opts.rows
            )
            sinks.append(table)
            on_state = table.connection
        else:
            sinks.append(JsonLinesSink(sys.stdout.buffer))
        if opts.record is not None:
            sinks.append(JsonLinesSink(stack.enter_context(_open_journal(opts.record))))
        reporter = StderrReporter(errors, on_state=on_state)
        reporter.banner(endpoints, demo=opts.demo)
        config = StreamConfig(
            ws_url=endpoints.ws_url,
            ping_interval=opts.ping_interval,
            pong_timeout=opts.stall_timeout,
            max_retries=opts.max_retries,
        )
        stream = OrderStream(config, tokens, reporter)
        stack.callback(lambda: reporter.summary(emitted, stream.stats, time.monotonic()))
        if table_wanted:
            stack.enter_context(table)
        events = stack.enter_context(closing(stream.events()))
        pump(events, keep, sinks, conditions, emitted)
