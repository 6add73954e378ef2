"""Figure 2: a burst of N distinct events over loopback, drained by `nubra watch --json --count N`.

Each run starts a fresh server holding the whole burst, then times the
subprocess from start to exit (stdout to /dev/null). Start-up and login cost the
same for any N, so the marginal rate between two sizes, (N2 - N1) / (t2 - t1),
is the draining speed alone. Both ends share the machine's two cores: the
server runs in this process, the client in its own.

Besides the figure, the same method calibrates both ends: the simulator against
a reader that parses nothing (what the simulator can send), and `nubra` against
`rawws.BurstServer` (what the client can drain when the server is never the slow
side).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import NamedTuple

from common import BENCH_DIR, Figure, at_least, info, nubra_env, nubra_module_command
from frames import DistinctFrames, ws_wire_size
from rawws import TOKEN_VAR, BurstServer

from nubra_cli.auth import Credentials, open_session
from nubra_cli.settings import Endpoints
from nubra_cli.sim import DEMO_MPIN, DEMO_PHONE, DEMO_TOTP_SECRET, SimConfig, Simulator

TARGET = 40_000.0
RUN_TIMEOUT = 120.0

#: A server set-up: given the burst, yields (login API URL, order socket URL) while it runs.
Server = Callable[[list[bytes]], AbstractContextManager[tuple[str, str]]]


@contextmanager
def simulator(burst: list[bytes]) -> Iterator[tuple[str, str]]:
    """The project's simulator playing the burst as fast as the client reads."""
    with Simulator(SimConfig(frames=list(burst), rate=0)) as sim:
        yield sim.api_url, sim.ws_url


@contextmanager
def burst_server(burst: list[bytes]) -> Iterator[tuple[str, str]]:
    """The simulator for the login only, and `BurstServer` for the order socket."""
    with Simulator(SimConfig(frames=[])) as sim, BurstServer(burst) as server:
        yield sim.api_url, server.url


def watch_seconds(server: Server, burst: list[bytes], launcher: list[str]) -> float:
    """Wall time of `nubra watch --json --count N` draining the burst, start to exit."""
    count = len(burst)
    with server(burst) as (api_url, ws_url), nubra_env(api_url, ws_url) as env:
        started = time.perf_counter()
        done = subprocess.run(
            [*launcher, "watch", "--json", "--count", str(count)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        elapsed = time.perf_counter() - started
    if done.returncode != 0:  # --count N exits 0 only once N events were written
        tail = done.stderr.decode(errors="replace").strip()[-300:]
        raise RuntimeError(
            f"nubra watch did not drain {count} events (exit {done.returncode}):\n{tail}"
        )
    return elapsed


def raw_reader_seconds(server: Server, burst: list[bytes], launcher: list[str]) -> float:
    """Wall time of `rawws.py drain` reading the burst (the login is done before the clock)."""
    del launcher  # the reader is always the same
    with server(burst) as (api_url, ws_url):
        credentials = Credentials(phone=DEMO_PHONE, totp_secret=DEMO_TOTP_SECRET, mpin=DEMO_MPIN)
        token = open_session(Endpoints("uat", api_url, ws_url), credentials, None).session_token()
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                str(BENCH_DIR / "rawws.py"),
                "drain",
                ws_url,
                str(ws_wire_size(burst)),
            ],
            env={TOKEN_VAR: token},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"raw reader failed: {done.stderr.decode(errors='replace')[-300:]}")
    return elapsed


Runner = Callable[[Server, list[bytes], list[str]], float]


def marginal_rate(seconds: dict[int, list[float]]) -> float:
    """(N2 - N1) / (t2 - t1) over the two burst sizes, each t the best of its runs."""
    (small, t_small), (large, t_large) = sorted((n, min(ts)) for n, ts in seconds.items())
    return (large - small) / (t_large - t_small)


class Case(NamedTuple):
    """One line of figure 2: who sends, who drains, and what the line is for."""

    key: str
    name: str
    runner: Runner
    server: Server
    launcher: list[str]
    role: str  # "target", or what the line tells


def cases(quick: bool) -> list[Case]:
    stock = nubra_module_command()
    lines = [
        Case(
            "endtoend.sim",
            "2. end to end: sim -> nubra watch --json",
            watch_seconds,
            simulator,
            stock,
            "target",
        ),
        Case(
            "endtoend.sim_raw_reader",
            "2. calibration: sim -> raw reader",
            raw_reader_seconds,
            simulator,
            stock,
            "what the sim can send",
        ),
        Case(
            "endtoend.burst",
            "2. calibration: burst server -> nubra",
            watch_seconds,
            burst_server,
            stock,
            "what nubra can drain",
        ),
    ]
    return lines


def measure(quick: bool) -> list[Figure]:
    sizes = (10_000, 40_000) if quick else (20_000, 100_000)
    repeats = 2 if quick else 3
    frames = DistinctFrames()
    bursts = {n: frames.burst(n) for n in sizes}
    lines = cases(quick)
    seconds: dict[str, dict[int, list[float]]] = {
        case.key: {n: [] for n in sizes} for case in lines
    }
    for _ in range(repeats):  # round-robin, so a busy moment on the machine hits every line alike
        for case in lines:
            for n, burst in bursts.items():
                seconds[case.key][n].append(case.runner(case.server, burst, case.launcher))
    how = f"N = {sizes[0]:,} and {sizes[1]:,}, best of {repeats}"
    figures = []
    for case in lines:
        rate = marginal_rate(seconds[case.key])
        best = min(seconds[case.key][sizes[1]])
        note = f"{how}; {sizes[1]:,} in {best:.2f} s ({sizes[1] / best:,.0f}/s) overall"
        if case.role == "target":
            figure = at_least(case.key, case.name, rate, "events/s", TARGET, note)
        else:
            figure = info(case.key, case.name, rate, "events/s", f"{case.role}; {note}")
        figure.details = {"seconds_by_n": seconds[case.key]}
        figures.append(figure)
    return figures
