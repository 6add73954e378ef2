"""Run nubra's benchmarks and print one table: each figure, its target, met or missed.

    python benchmarks/run.py            # every figure at full size (a few minutes)
    python benchmarks/run.py --quick    # a smoke run under a minute, for CI as a report
    python benchmarks/run.py --only latency,idle
    python benchmarks/run.py --only vs_sdk   # needs the SDK's venv (benchmarks/README.md)

The results also go to benchmarks/results/latest.json. A missed target never
makes the exit status non-zero (benchmarks are reports, not tests); a benchmark
that could not run does. A group that needs tools from outside the project
(vs_sdk: the broker's SDK and websocat) is skipped, with the reason, when they
are not there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import endtoend
import idle
import inprocess
import latency
import memory
import startup
import vs_sdk
from common import BENCH_DIR, ROOT, Figure, format_value
from frames import samples_source

GROUPS: dict[str, Callable[[bool], list[Figure]]] = {
    "inprocess": inprocess.measure,
    "endtoend": endtoend.measure,
    "latency": latency.measure,
    "startup": startup.measure,
    "memory": memory.measure,
    "idle": idle.measure,
    "vs_sdk": vs_sdk.measure,
}
#: Groups that need tools from outside the project: each says why it cannot run here, or None.
OPTIONAL: dict[str, Callable[[], str | None]] = {"vs_sdk": vs_sdk.unavailable}
DEFAULT_OUTPUT = BENCH_DIR / "results" / "latest.json"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except OSError:
        return ""
    return done.stdout.strip()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """What the numbers depend on: cores, CPU, Python, the hot path's libraries, the load."""
    from importlib.metadata import version

    from google.protobuf.internal import api_implementation

    libraries = ("protobuf", "websocket-client", "orjson", "rich", "typer", "websockets")
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "protobuf_backend": api_implementation.Type(),
        "libraries": {name: version(name) for name in libraries},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": _git("rev-parse", "--short", "HEAD")
        + (" (dirty)" if _git("status", "--porcelain") else ""),
    }


def print_table(figures: list[Figure]) -> None:
    headers = ("figure", "measured", "target", "result")
    rows = [(f.name, format_value(f.value, f.unit), f.target, f.verdict) for f in figures]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * width for width in widths)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print(line)
    for figure, row in zip(figures, rows, strict=True):
        name, value, target, verdict = row
        print(
            f"{name.ljust(widths[0])}  {value.rjust(widths[1])}  "
            f"{target.ljust(widths[2])}  {verdict}"
        )
        if figure.note:
            print(f"    {figure.note}")
    print(line)


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    """NaN (nothing measured) as null, so the file stays strict JSON."""
    value = record["value"]
    return {**record, "value": None if value != value else value}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run under a minute")
    parser.add_argument(
        "--only", default=",".join(GROUPS), help=f"comma-separated groups of: {', '.join(GROUPS)}"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where the JSON goes")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}: choose from {', '.join(GROUPS)}")

    command = shlex.join(["python", *sys.argv])
    started_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    about = machine()
    print(f"command: {command}")
    print(
        f"machine: nproc={about['nproc']}, {about['cpu']}, {about['python']} "
        f"(protobuf {about['libraries']['protobuf']}/{about['protobuf_backend']}), "
        f"load average {' '.join(map(str, about['load_average']))}, commit {about['commit']}"
    )
    print(f"frames:  {samples_source()}", flush=True)

    figures: list[Figure] = []
    failures: dict[str, str] = {}
    skipped: dict[str, str] = {}
    started = time.monotonic()
    for name in chosen:
        reason = OPTIONAL[name]() if name in OPTIONAL else None
        if reason:
            skipped[name] = reason
            print(f"--- {name} skipped: {reason}", file=sys.stderr, flush=True)
            figures.append(Figure(name, f"{name}: skipped", float("nan"), "", note=reason))
            continue
        print(f"... {name}", file=sys.stderr, flush=True)
        group_started = time.monotonic()
        try:
            figures += GROUPS[name](args.quick)
        except Exception:
            failures[name] = traceback.format_exc()
            print(f"!!! {name} failed:\n{failures[name]}", file=sys.stderr, flush=True)
            figures.append(Figure(name, f"{name}: could not run", float("nan"), "", met=False))
        print(f"    {name}: {time.monotonic() - group_started:.1f} s", file=sys.stderr, flush=True)
    duration = time.monotonic() - started

    print()
    print_table(figures)
    missed = [f.name for f in figures if f.met is False]
    about["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(
        f"{len(figures)} figures in {duration:.0f} s; targets missed: {len(missed)}; "
        f"load average after: {' '.join(map(str, about['load_average_after']))}"
    )
    report = {
        "command": command,
        "quick": args.quick,
        "started": started_at,
        "duration_s": round(duration, 1),
        "machine": about,
        "figures": [_jsonable(asdict(figure)) for figure in figures],
        "failures": failures,
        "skipped": skipped,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"results: {args.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
