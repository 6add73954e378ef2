"""Figure 3: how long after the simulator sends a frame its JSON line can be read from `nubra`.

The simulator runs in this process and notes `perf_counter_ns()` just before it
writes each frame; `nubra watch --json` runs as a subprocess with stdout on a
pipe; this process reads the pipe line by line and notes the time each line
arrives. Each frame carries its sequence number in its order id, so a line is
matched to its send time. What the delta contains, honestly: the simulator's
WebSocket write, loopback TCP, the client's receive, decode, filter and write,
the pipe, and this process's reader waking up (it shares a GIL with the
simulator's thread). The first frames are a warm-up and are left out.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from typing import IO

import orjson
from common import Figure, below, info, nubra_env, nubra_module_command, percentile, reaped
from frames import DistinctFrames, sequence_of

from nubra_cli.sim import SimConfig, Simulator

RATE = 1_000.0
TARGET_P99_MS = 2.0
#: Events at the start left out of the figure: connection set-up, first-call costs.
WARMUP_EVENTS = 300


class StampingSimulator(Simulator):
    """The simulator, noting when it hands each frame of its list to the socket.

    It overrides the private `_frames` source: the feed pulls the next frame just
    before it broadcasts it, so the stamp is taken a few microseconds before the
    write (the first frame is pulled before anyone subscribes: a warm-up event).
    """

    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        self.sent_ns = [0] * len(config.frames or [])

    def _frames(self) -> Iterator[bytes | str]:
        clock = time.perf_counter_ns
        for index, frame in enumerate(self.config.frames or []):
            self.sent_ns[index] = clock()
            yield frame


def read_lines(stream: IO[bytes], arrivals: list[tuple[int, bytes]]) -> None:
    """Stamp each line of `stream` as it arrives, until it closes."""
    clock = time.perf_counter_ns
    for line in iter(stream.readline, b""):
        arrivals.append((clock(), line))


def measure(quick: bool) -> list[Figure]:
    seconds = 2.0 if quick else 5.0
    count = WARMUP_EVENTS + int(RATE * seconds)
    burst = DistinctFrames().burst(count)
    arrivals: list[tuple[int, bytes]] = []
    sim = StampingSimulator(SimConfig(frames=list(burst), rate=RATE))
    with sim, nubra_env(sim.api_url, sim.ws_url) as env:
        process = subprocess.Popen(
            [*nubra_module_command(), "watch", "--json", "--count", str(count)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        with reaped(process):
            assert process.stdout is not None
            reader = threading.Thread(target=read_lines, args=(process.stdout, arrivals))
            reader.start()
            reader.join(timeout=seconds + 60)
            process.wait(timeout=10)
    delays_ms = []
    for arrived, line in arrivals:
        sequence = sequence_of(orjson.loads(line))
        if sequence is not None and sequence >= WARMUP_EVENTS:
            delays_ms.append((arrived - sim.sent_ns[sequence]) / 1e6)
    delays_ms.sort()
    measured = len(delays_ms)
    expected = count - WARMUP_EVENTS
    note = f"{measured:,} of {expected:,} events at {RATE:,.0f}/s over {seconds:g} s"
    p99 = percentile(delays_ms, 0.99)
    figures = [
        info(
            "latency.p50",
            "3. latency frame sent -> line read, p50",
            percentile(delays_ms, 0.5),
            "ms",
        ),
        below(
            "latency.p99", "3. latency frame sent -> line read, p99", p99, "ms", TARGET_P99_MS, note
        ),
        info(
            "latency.max",
            "3. latency frame sent -> line read, max",
            delays_ms[-1] if delays_ms else float("nan"),
            "ms",
        ),
    ]
    if measured < expected:
        figures[1].met = False
        figures[1].note += " (lines missing)"
    figures[1].details = {"p90": percentile(delays_ms, 0.9), "p999": percentile(delays_ms, 0.999)}
    return figures
