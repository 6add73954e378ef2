"""`nubra watch`: options in, pieces wired together; the work lives in stream, runner and output."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class ColorMode(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


_FILTERS = "Filters (repeat or comma-separate a filter to OR; different filters AND)"
_EXIT = "Exit conditions"
_CONN = "Connection"


def watch(
    env: Annotated[
        str | None,
        typer.Option(
            "--env", "-e", metavar="uat|prod", help="uat or prod (default: $NUBRA_ENV, else uat)."
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            metavar="table|json",
            help="table or json (default: table on a terminal).",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="Start the built-in simulator and watch it.")
    ] = False,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            "-s",
            metavar="STATUS",
            help="filled, open, cancelled, rejected, pending, sent, triggered.",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    side: Annotated[
        list[str] | None,
        typer.Option("--side", metavar="buy|sell", help="buy or sell.", rich_help_panel=_FILTERS),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", "-t", metavar="TAG", help="Order tag, exact.", rich_help_panel=_FILTERS
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind", "-k", metavar="KIND", help="order, trade or basket.", rich_help_panel=_FILTERS
        ),
    ] = None,
    order_id: Annotated[
        list[str] | None,
        typer.Option(
            "--order-id", metavar="ID", help="Only this order id.", rich_help_panel=_FILTERS
        ),
    ] = None,
    count: Annotated[
        int | None,
        typer.Option(
            "--count",
            "-n",
            metavar="N",
            min=1,
            help="Exit 0 after N events.",
            rich_help_panel=_EXIT,
        ),
    ] = None,
    timeout: Annotated[
        str | None,
        typer.Option(
            "--timeout",
            metavar="DURATION",
            help="Give up after this long (90s, 5m, 1h30m): exit 124.",
            rich_help_panel=_EXIT,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="STATUS",
            help="With one --order-id: exit 0 when it reaches this status, 5 if it ends otherwise.",
            rich_help_panel=_EXIT,
        ),
    ] = None,
    rows: Annotated[
        int, typer.Option("--rows", metavar="N", min=1, max=1000, help="Orders kept in the table.")
    ] = 30,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record", metavar="FILE", help="Also append every shown event as JSON to this file."
        ),
    ] = None,
    color: Annotated[
        ColorMode,
        typer.Option(
            "--color",
            metavar="auto|always|never",
            help="auto, always or never (NO_COLOR is honoured).",
        ),
    ] = ColorMode.auto,
    max_retries: Annotated[
        int | None,
        typer.Option(
            "--max-retries",
            metavar="N",
            min=0,
            help="Give up after N failed reconnects: exit 4 (default: never).",
            rich_help_panel=_CONN,
        ),
    ] = None,
    stall_timeout: Annotated[
        float,
        typer.Option(
            "--stall-timeout",
            metavar="SECONDS",
            min=0.1,
            help="Seconds to wait for a ping's answer before replacing a silent socket.",
            rich_help_panel=_CONN,
        ),
    ] = 10.0,
    ping_interval: Annotated[
        float,
        typer.Option(
            "--ping-interval",
            metavar="SECONDS",
            min=0.1,
            help="Seconds between pings.",
            rich_help_panel=_CONN,
        ),
    ] = 20.0,
    env_file: Annotated[
        Path | None,
        typer.Option(
            "--env-file", metavar="PATH", help="Read credentials from this .env file.", exists=True
        ),
    ] = None,
) -> None:
    """Stream order and trade updates: a live table on a terminal, JSON lines in a pipe.

    Filters: the same filter repeated (or comma-separated) means OR, different
    filters AND. Exit codes: 0 done, 1 error, 2 usage, 3 login needed, 4 gave up
    reconnecting, 5 the --until order ended otherwise, 124 --timeout, 130 Ctrl-C.

    \b
    Examples:
      nubra watch --demo                    # no account needed
      nubra watch --json | jq -c 'select(.kind == "trade")'
      nubra watch --status filled,rejected --side buy --tag swing_a
      nubra watch --order-id 90001 --until filled --timeout 5m && notify-send filled
      nubra watch --env prod --record ~/journal/$(date +%F).jsonl
    """
    from nubra_cli.commands.watch_setup import WatchOptions, run_watch

    run_watch(
        WatchOptions(
            env=env,
            output_format=(OutputFormat.json if json_output else output_format),
            json_conflict=json_output and output_format is OutputFormat.table,
            demo=demo,
            statuses=status or [],
            sides=side or [],
            tags=tag or [],
            kinds=kind or [],
            order_ids=order_id or [],
            count=count,
            timeout=timeout,
            until=until,
            rows=rows,
            record=record,
            color=color.value,
            max_retries=max_retries,
            stall_timeout=stall_timeout,
            ping_interval=ping_interval,
            env_file=env_file,
        )
    )
