"""Helpers for end-to-end tests: the simulator on port 0 and `nubra` as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

import orjson

from nubra_cli.dedupe import RecentEvents
from nubra_cli.sim import DEMO_MPIN, DEMO_PHONE, DEMO_TOTP_SECRET, Simulator
from nubra_cli.wire import WireError, decode

#: A fixed start for generated sessions, so a test can compute what the simulator plays.
START_NS = 1_763_880_000_000_000_000


def nubra_env(
    sim: Simulator | None = None, credentials: bool = True, **extra: str
) -> dict[str, str]:
    """The environment of a `nubra` subprocess pointed at `sim`, with the demo account."""
    env = dict(os.environ)
    if sim is not None:
        env["NUBRA_API_URL"] = sim.api_url
        env["NUBRA_WS_URL"] = sim.ws_url
    if credentials:
        env.update(NUBRA_PHONE=DEMO_PHONE, NUBRA_TOTP_SECRET=DEMO_TOTP_SECRET, NUBRA_MPIN=DEMO_MPIN)
    env.update(extra)
    return env


def run_nubra(
    *args: str, env: dict[str, str], timeout: float = 60.0, stdin: Any = subprocess.DEVNULL
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m nubra_cli ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "nubra_cli", *args],
        env=env,
        capture_output=True,
        timeout=timeout,
        stdin=stdin,
    )


def start_nubra(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start `python -m nubra_cli ARGS` in the background, output piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "nubra_cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )


def json_lines(output: bytes) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in output.splitlines() if line.strip()]


def expected_events(frames: Iterable[bytes | str]) -> list[dict[str, Any]]:
    """What a perfect client emits for these frames: decoded, in order, repeats dropped."""
    recent = RecentEvents(capacity=1 << 20)
    events = []
    for frame in frames:
        if isinstance(frame, str):
            continue
        try:
            event = decode(frame)
        except WireError:
            continue
        if event is not None and not recent.seen_before(event):
            events.append(event)
    return events
