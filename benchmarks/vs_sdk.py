"""Figure 7 (optional): `nubra watch --json` against the broker's official SDK, one websocat burst.

    python benchmarks/vs_sdk.py                 # N = 20,000 and 60,000, 3 rounds
    python benchmarks/vs_sdk.py --quick         # N = 5,000 and 20,000
    python benchmarks/vs_sdk.py --sdk-python .venv-sdk/bin/python --websocat PATH

The server is websocat, which no one here wrote: one process per client run,
listening on a free port of 127.0.0.1, stdin a file of `B<base64>` lines, so
`-t --binary-prefix B --base64` turns each line into one binary message. It
sends the whole burst as soon as a client connects, holds the connection open
(`-n`), answers pings, and writes whatever the client sends (a subscribe line)
to /dev/null: it checks no token and needs no subscription.

Both clients get the same N distinct frames (`frames.DistinctFrames`: nubra
drops repeated events) and write JSON lines to a file:

- nubra: `python -m nubra_cli watch --json --count N`, logging in to the
  project's simulator (outside the clock's concern: the same for any N) with
  `NUBRA_WS_URL` pointing at websocat.
- the SDK: `sdk_driver.py` run by the SDK's own interpreter (never the
  project's venv): nubra-sdk's `OrderUpdate`, callbacks printing `json.dumps`
  of each update, exiting after N.

Each run is timed from start to exit; the marginal rate between the two sizes,
(N2 - N1) / (t2 - t1) with each t the median of its runs, leaves start-up,
imports and login out. The runs take turns (round-robin, the first client
alternating), so a slow moment of the machine hits both. A raw reader that
parses nothing (`rawws.py drain`) drains the same websocat bursts too, to show
that websocat is never the slow side.

Every run is checked: exactly N lines, each JSON, carrying exactly the ids of
the burst; anything else fails the benchmark. Known differences, none of which
changes what is counted: the SDK fills `last_modified` from `ack_time`, gives
trades no `traded_price`, prints baskets ahead of orders still queued for its
dispatcher thread (the lines come out of frame order; how many is in the
note), and prints through a block-buffered `print` where nubra writes each
line as it goes (which flatters the SDK).
nubra-sdk 0.5.0 and later read no `Order` frames at all, so 0.4.5 is the SDK
measured (see sdk_driver.py); an SDK that cannot read the burst is reported as
unavailable, never measured.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from common import (
    BENCH_DIR,
    ROOT,
    Figure,
    at_least,
    info,
    median,
    nubra_env,
    nubra_module_command,
    reaped,
)
from frames import ID_BASE, DistinctFrames, ws_wire_size
from rawws import TOKEN_VAR

from nubra_cli.sim import SimConfig, Simulator

TARGET_RATIO = 3.0
SIZES = (20_000, 60_000)
QUICK_SIZES = (5_000, 20_000)
ROUNDS = 3
RUN_TIMEOUT = 300.0
LISTEN_TIMEOUT = 10.0
DRIVER = BENCH_DIR / "sdk_driver.py"


@dataclass(frozen=True)
class Tools:
    """The SDK's interpreter and the websocat binary, both found on this machine."""

    sdk_python: Path
    websocat: Path
    sdk_version: str
    websocat_version: str


def find_sdk_python(given: str | None = None) -> Path | None:
    """--sdk-python, else $NUBRA_SDK_PYTHON, else .venv-sdk/bin/python at the repository root."""
    candidate = given or os.environ.get("NUBRA_SDK_PYTHON") or str(ROOT / ".venv-sdk/bin/python")
    path = Path(candidate)
    return path if path.is_file() and os.access(path, os.X_OK) else None


def find_websocat(given: str | None, sdk_python: Path | None) -> Path | None:
    """--websocat, else $NUBRA_WEBSOCAT, else next to the SDK's python, else on PATH."""
    for candidate in (
        given,
        os.environ.get("NUBRA_WEBSOCAT"),
        str(sdk_python.with_name("websocat")) if sdk_python else None,
        shutil.which("websocat"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def _output_of(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL
    )


def find_tools(sdk_python: str | None = None, websocat: str | None = None) -> Tools | str:
    """Both tools and their versions, or one line saying why the figure cannot run."""
    python = find_sdk_python(sdk_python)
    if python is None:
        return (
            "no SDK python (--sdk-python, $NUBRA_SDK_PYTHON or .venv-sdk/bin/python): "
            "see benchmarks/README.md"
        )
    binary = find_websocat(websocat, python)
    if binary is None:
        return "no websocat (--websocat, $NUBRA_WEBSOCAT, next to the SDK python, or on PATH)"
    check = _output_of([str(python), str(DRIVER), "--check"])
    if check.returncode != 0:
        reason = (check.stderr.strip().splitlines() or ["no output"])[-1]
        return f"the SDK at {python} cannot run: {reason}"
    version = _output_of([str(binary), "--version"]).stdout.strip()
    return Tools(python, binary, check.stdout.strip(), version)


def unavailable() -> str | None:
    """Why `run.py` must skip this figure on this machine, or None when it can run."""
    found = find_tools()
    return found if isinstance(found, str) else None


# The server: websocat playing one burst file.


@dataclass(frozen=True)
class Burst:
    """N distinct frames as websocat's input file, and the bytes they take on the wire."""

    file: Path
    count: int
    wire_bytes: int


def write_burst(frames: Sequence[bytes], path: Path) -> Burst:
    """One `B<base64>` line per frame: websocat sends each as one binary message."""
    with path.open("w", encoding="ascii") as out:
        for frame in frames:
            out.write("B" + base64.b64encode(frame).decode("ascii") + "\n")
    return Burst(path, len(frames), ws_wire_size(list(frames)))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    """Whether 127.0.0.1:port is in LISTEN state (from /proc: a probe would use up --oneshot)."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp", encoding="ascii") as table:
        return any(
            fields[1] == wanted and fields[3] == "0A" for fields in (line.split() for line in table)
        )


@contextmanager
def websocat_server(websocat: Path, burst_file: Path) -> Iterator[str]:
    """websocat serving the burst to one client on a free port; yields its ws:// URL."""
    port = _free_port()
    command = [
        str(websocat),
        *("--text", "--no-close", "--oneshot", "--binary-prefix", "B", "--base64"),
        f"ws-l:127.0.0.1:{port}",
        "-",
    ]
    with burst_file.open("rb") as stdin, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=errors)
        with reaped(process):
            deadline = time.monotonic() + LISTEN_TIMEOUT
            while not _listening(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    tail = errors.read().decode(errors="replace")[-300:]
                    raise RuntimeError(f"websocat is not listening on {port}: {tail}")
                time.sleep(0.01)
            yield f"ws://127.0.0.1:{port}/ws"


# The clients: each drains one websocat run, timed from start to exit.


def _timed(command: list[str], env: dict[str, str] | None, out: Path, what: str) -> float:
    with out.open("wb") as sink:
        started = time.perf_counter()
        done = subprocess.run(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.PIPE,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip()[-400:]
        raise RuntimeError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return elapsed


def nubra_seconds(tools: Tools, burst: Burst, out: Path) -> float:
    """`nubra watch --json --count N`, logged in by the simulator, streaming from websocat."""
    with (
        Simulator(SimConfig(frames=[])) as sim,
        websocat_server(tools.websocat, burst.file) as ws_url,
        nubra_env(sim.api_url, ws_url) as env,
    ):
        command = [*nubra_module_command(), "watch", "--json", "--count", str(burst.count)]
        return _timed(command, env, out, "nubra watch")


def sdk_seconds(tools: Tools, burst: Burst, out: Path) -> float:
    """The SDK's `OrderUpdate` in `sdk_driver.py`, streaming from websocat."""
    with websocat_server(tools.websocat, burst.file) as ws_url:
        command = [str(tools.sdk_python), str(DRIVER), ws_url, str(burst.count)]
        return _timed(command, None, out, f"the SDK driver ({tools.sdk_python})")


def raw_seconds(tools: Tools, burst: Burst, out: Path) -> float:
    """`rawws.py drain`: reads the burst's bytes from websocat and parses nothing."""
    with websocat_server(tools.websocat, burst.file) as ws_url:
        command = [sys.executable, str(BENCH_DIR / "rawws.py"), "drain", ws_url]
        command.append(str(burst.wire_bytes))
        return _timed(command, {TOKEN_VAR: "unchecked"}, out, "the raw reader")


# Checks: every run wrote exactly the burst's events.


def check_lines(out: Path, count: int, who: str) -> int:
    """Fail unless `out` holds exactly the burst's `count` events; return lines out of order."""
    ids: list[int] = []
    with out.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            try:
                event = json.loads(line)
                ids.append(int(event.get("order_id") or event.get("basket_id")) - ID_BASE)
            except (ValueError, TypeError) as error:
                raise RuntimeError(
                    f"{who}: line {number} is no event of the burst: {error}"
                ) from None
    if len(ids) != count:
        raise RuntimeError(f"{who}: {len(ids)} lines for a burst of {count} events")
    if sorted(ids) != list(range(count)):
        raise RuntimeError(f"{who}: {count} lines, but not the burst's {count} distinct events")
    return sum(1 for before, after in zip(ids, ids[1:], strict=False) if after < before)


# The round-robin and the figure.

Runner = Callable[[Tools, Burst, Path], float]
CLIENTS: dict[str, Runner] = {"nubra": nubra_seconds, "sdk": sdk_seconds, "raw": raw_seconds}


@dataclass
class Measured:
    """Seconds per client and size, in run order, and lines out of frame order per client."""

    sizes: tuple[int, int]
    seconds: dict[str, dict[int, list[float]]]
    out_of_order: dict[str, int]

    def rate(self, client: str, round_index: int | None = None) -> float:
        """Marginal events/s between the sizes: of one round, or of the medians (None)."""
        small, large = self.sizes
        runs = self.seconds[client]
        pick = median if round_index is None else (lambda ts: ts[round_index])
        return (large - small) / (pick(runs[large]) - pick(runs[small]))


def run_rounds(tools: Tools, sizes: tuple[int, int], rounds: int) -> Measured:
    """Every client on every size, taking turns, `rounds` times; every run checked."""
    frames = DistinctFrames()
    measured = Measured(
        sizes, {c: {n: [] for n in sizes} for c in CLIENTS}, dict.fromkeys(CLIENTS, 0)
    )
    with tempfile.TemporaryDirectory(prefix="nubra-vs-sdk-") as scratch:
        bursts = {n: write_burst(frames.burst(n), Path(scratch) / f"burst-{n}.txt") for n in sizes}
        out = Path(scratch) / "out.jsonl"
        for round_index in range(rounds):
            order = ["nubra", "sdk"] if round_index % 2 == 0 else ["sdk", "nubra"]
            for n in sizes:
                for client in [*order, "raw"]:
                    seconds = CLIENTS[client](tools, bursts[n], out)
                    measured.seconds[client][n].append(seconds)
                    if client != "raw":
                        late = check_lines(out, n, f"{client}, N = {n:,}")
                        measured.out_of_order[client] = max(measured.out_of_order[client], late)
                    print(f"    {client:5} N = {n:>7,}: {seconds:6.2f} s", file=sys.stderr)
    return measured


def figures_of(measured: Measured, tools: Tools, rounds: int) -> list[Figure]:
    nubra, sdk, raw = (measured.rate(client) for client in ("nubra", "sdk", "raw"))
    small, large = measured.sizes
    how = f"websocat burst, N = {small:,} and {large:,}, median of {rounds} rounds"
    sdk_name = f"nubra-sdk {tools.sdk_version}"
    ratio = at_least(
        "vs_sdk.ratio",
        f"7. nubra watch --json vs {sdk_name}",
        nubra / sdk,
        "x",
        TARGET_RATIO,
        f"{nubra:,.0f} / {sdk:,.0f} events/s; {how}",
    )
    lines = [
        ratio,
        info("vs_sdk.nubra", "7. websocat -> nubra watch --json", nubra, "events/s", how),
        info(
            "vs_sdk.sdk",
            f"7. websocat -> {sdk_name} OrderUpdate, json.dumps",
            sdk,
            "events/s",
            f"{how}; lines out of frame order: up to {measured.out_of_order['sdk']:,} "
            "(baskets overtake queued orders), last_modified from ack_time",
        ),
        info("vs_sdk.raw", "7. calibration: websocat -> raw reader", raw, "events/s", how),
    ]
    by_round = [
        {client: measured.rate(client, index) for client in CLIENTS} for index in range(rounds)
    ]
    for figure in lines:
        figure.details = {
            "seconds_by_n": measured.seconds,
            "rates_by_round": by_round,
            "out_of_order": measured.out_of_order,
            "sdk_python": str(tools.sdk_python),
            "websocat": f"{tools.websocat} ({tools.websocat_version})",
        }
    return lines


def measure(quick: bool) -> list[Figure]:
    """For run.py: the figure with the tools found by default (run.py skips it without them)."""
    tools = find_tools()
    if isinstance(tools, str):
        raise RuntimeError(tools)
    return figures_of(run_rounds(tools, QUICK_SIZES if quick else SIZES, ROUNDS), tools, ROUNDS)


# Run alone: the per-round table.


def print_rounds(measured: Measured, rounds: int) -> None:
    headers = ("round", "nubra ev/s", "SDK ev/s", "ratio", "raw ev/s")
    print("  ".join(f"{h:>12}" for h in headers))
    for index in [*range(rounds), None]:
        nubra, sdk, raw = (measured.rate(c, index) for c in ("nubra", "sdk", "raw"))
        label = "medians" if index is None else str(index + 1)
        cells = (label, f"{nubra:,.0f}", f"{sdk:,.0f}", f"{nubra / sdk:.2f}x", f"{raw:,.0f}")
        print("  ".join(f"{cell:>12}" for cell in cells))
    print(f"medians: from the median time of each size; target: nubra >= {TARGET_RATIO:g}x the SDK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_SIZES}")
    parser.add_argument("--sizes", help="two burst sizes, comma-separated (default 20000,60000)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="runs of each client and size")
    parser.add_argument("--sdk-python", help="the interpreter with nubra-sdk installed")
    parser.add_argument("--websocat", help="the websocat binary")
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else SIZES
    if args.sizes:
        small, large = sorted(int(n) for n in args.sizes.split(","))
        sizes = (small, large)
    tools = find_tools(args.sdk_python, args.websocat)
    if isinstance(tools, str):
        print(f"vs_sdk: cannot run: {tools}", file=sys.stderr)
        return 1
    print(f"command: {shlex.join(['python', *sys.argv])}")
    print(f"sdk:     nubra-sdk {tools.sdk_version} ({tools.sdk_python})")
    print(f"server:  {tools.websocat_version} ({tools.websocat})")
    print(f"load:    {' '.join(f'{x:.2f}' for x in os.getloadavg())} (nproc {os.cpu_count()})")
    measured = run_rounds(tools, sizes, args.rounds)
    print(f"N = {sizes[0]:,} and {sizes[1]:,}: marginal events/s, each line checked")
    print_rounds(measured, args.rounds)
    for figure in figures_of(measured, tools, args.rounds):
        print(f"{figure.name}: {figure.value:,.2f} {figure.unit} {figure.target} {figure.verdict}")
        print(f"    {figure.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
