"""What every benchmark shares: the result record, `nubra` as a subprocess, and /proc readings.

Nothing here times anything; each figure's module does its own measuring and
hands back `Figure` records for `run.py` to print and save.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nubra_cli.sim import DEMO_MPIN, DEMO_PHONE, DEMO_TOTP_SECRET

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

#: Variables of the caller's shell that would change what `nubra` does or where it keeps state.
_INHERITED_NOISE = (
    "NUBRA_ENV",
    "NUBRA_API_URL",
    "NUBRA_WS_URL",
    "NUBRA_PHONE",
    "NUBRA_TOTP_SECRET",
    "NUBRA_MPIN",
    "NUBRA_HOME",
    "NO_COLOR",
    "FORCE_COLOR",
)


@dataclass
class Figure:
    """One measured number, its target, and whether the target was met (None: no target)."""

    key: str
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.met is None:
            return "-"
        return "met" if self.met else "MISSED"


def at_least(key: str, name: str, value: float, unit: str, target: float, note: str = "") -> Figure:
    return Figure(key, name, value, unit, f">= {format_value(target, unit)}", value >= target, note)


def below(key: str, name: str, value: float, unit: str, target: float, note: str = "") -> Figure:
    return Figure(key, name, value, unit, f"< {format_value(target, unit)}", value < target, note)


def info(key: str, name: str, value: float, unit: str, note: str = "") -> Figure:
    return Figure(key, name, value, unit, "", None, note)


def format_value(value: float, unit: str) -> str:
    """`123,456 events/s`, `1.23 ms`, `4.1 MB`: thousands grouped, decimals only when small."""
    if value != value:  # NaN: nothing was measured
        return "n/a"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip()


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted values lie (nearest rank)."""
    if not sorted_values:
        return float("nan")
    rank = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


def median(values: Sequence[float]) -> float:
    return percentile(sorted(values), 0.5)


# `nubra` as a subprocess.


def nubra_module_command() -> list[str]:
    """`python -m nubra_cli`, with the interpreter running the harness (as the e2e tests do)."""
    return [sys.executable, "-m", "nubra_cli"]


def nubra_script_command() -> list[str]:
    """The `nubra` console script next to the interpreter (what a user types), else -m."""
    script = Path(sys.executable).with_name("nubra")
    return [str(script)] if script.exists() else nubra_module_command()


def base_env() -> dict[str, str]:
    """This environment without anything that would point `nubra` elsewhere."""
    env = dict(os.environ)
    for name in _INHERITED_NOISE:
        env.pop(name, None)
    return env


@contextmanager
def nubra_env(api_url: str, ws_url: str, **extra: str) -> Iterator[dict[str, str]]:
    """Environment for a `nubra` subprocess: the demo account, these URLs, a throwaway home."""
    with tempfile.TemporaryDirectory(prefix="nubra-bench-") as home:
        env = base_env()
        env.update(
            NUBRA_API_URL=api_url,
            NUBRA_WS_URL=ws_url,
            NUBRA_PHONE=DEMO_PHONE,
            NUBRA_TOTP_SECRET=DEMO_TOTP_SECRET,
            NUBRA_MPIN=DEMO_MPIN,
            NUBRA_HOME=home,
        )
        env.update(extra)
        yield env


@contextmanager
def reaped(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Make sure a started process is gone when the block ends, however it ends."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()


# Readings from /proc: the benchmarks need Linux (and a pty for figure 6).


def rss_bytes() -> int:
    """This process's resident set size, from /proc/self/status."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS line in /proc/self/status")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time consumed so far by process `pid` (all its threads)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rpartition(")")[2].split()
    # After the command name, fields[0] is the state (field 3 of man 5 proc): utime is 14, stime 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def context_switches(pid: int) -> int:
    """Voluntary plus involuntary context switches of `pid`'s main thread: its wake-ups."""
    total = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name.endswith("ctxt_switches"):
                total += int(value)
    return total
