"""`nubra watch` against websocat, an order-update socket server that no one here wrote.

The login API stays the project's simulator (websocat serves sockets only); every
order-update connection is one websocat process serving one client on 127.0.0.1
(`ForeignServer` in e2e.py), which reads back what nubra subscribes with.
"""

from __future__ import annotations

import random
import re
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import load_samples, sample_bytes
from e2e import (
    START_NS,
    ForeignServer,
    expected_events,
    foreign_server,
    free_port,
    json_lines,
    nubra_env,
    nubra_watch,
    simulator_accepts,
    subscribed_token,
    websocat_binary,
)
from test_watch_e2e import GOLDEN, ORDER_NAMES, _values

from nubra_cli.filters import EventFilter
from nubra_cli.sim import SimConfig, Simulator, session_frames
from nubra_cli.sim.chaos import garbage_frame
from nubra_cli.wire import WireError, decode

SAMPLES = {sample["name"]: sample for sample in load_samples()}
KIND_OF_MODEL = {"OrderInfoWrapper": "order", "AckInfoWrapper": "trade", "BasketWrapper": "basket"}


# a. The golden frames, replayed by websocat.


def watch_golden(*options: str, then_drop: bool = False) -> subprocess.CompletedProcess[bytes]:
    """nubra, logged in by the simulator, watching websocat play GOLDEN after the subscribe."""
    with (
        Simulator(SimConfig(frames=[])) as sim,
        foreign_server(websocat_binary(), free_port()) as server,
        nubra_watch(nubra_env(sim, NUBRA_WS_URL=server.url), *options) as nubra,
    ):
        taken = simulator_accepts(sim, subscribed_token(server.client_line()))
        assert taken, "nubra subscribed with a token the simulator refuses"
        server.send(GOLDEN)
        if then_drop:
            server.drop()
        return nubra.finish()


def official_fields(name: str) -> dict[str, Any]:
    """What the SDK hands its callback for one golden sample, plus our `kind`."""
    sample = SAMPLES[name]
    (expected,) = sample["expected"]
    fields = dict(expected["fields"], kind=KIND_OF_MODEL[expected["model"]])
    # protocol.md §5: the SDK copies ack_time into last_modified, we keep the wire's own.
    fields["last_modified"] = int(sample["wire"]["last_modified"])
    return fields


def test_golden_replay_gives_the_sdk_fields() -> None:
    every_sample = [sample_bytes(s) if "binary" in s else s["text"] for s in SAMPLES.values()]
    assert sorted(GOLDEN, key=repr) == sorted(every_sample, key=repr)
    result = watch_golden("--count", "7")
    assert result.returncode == 0, result.stderr
    events = json_lines(result.stdout)
    assert events == expected_events(GOLDEN)
    for event, name in zip(events, ORDER_NAMES, strict=True):
        official = official_fields(name)
        assert {key: event[key] for key in official} == official, name
    stderr = result.stderr.decode()
    assert sum("does not parse" in line for line in stderr.splitlines()) == 1
    assert stderr.count("server says: Error: subscription failed\n") == 1
    assert "Traceback" not in stderr and "7 events" in stderr and "2 errors" in stderr


@pytest.mark.parametrize(
    "options",
    [
        ["--status", "open,cancelled"],
        ["--side", "sell", "--kind", "order"],
        ["--kind", "trade", "--tag", "swing_a"],
    ],
    ids=["open-or-cancelled", "sell-orders", "swing-trades"],
)
def test_filters_pick_exactly_the_matching_golden_events(options: list[str]) -> None:
    keep = EventFilter.from_options(
        statuses=_values(options, "--status"),
        sides=_values(options, "--side"),
        tags=_values(options, "--tag"),
        kinds=_values(options, "--kind"),
    )
    wanted = [event for event in expected_events(GOLDEN) if keep(event)]
    assert 0 < len(wanted) < 7
    # The server drops the socket after the last frame and nubra may not retry, so every
    # frame is judged before it exits: nothing after the last match can slip through.
    result = watch_golden(*options, "--max-retries", "0", then_drop=True)
    assert result.returncode == 4, result.stderr
    assert b"gave up after 0 retries: connection lost" in result.stderr
    assert json_lines(result.stdout) == wanted


# b. Four abrupt drops, an expired session and garbage, one websocat after another.

BURST_SEED = 23
BURST_EVENTS = 30
#: How each connection ends; a last, spare websocat then listens and must hear no one.
ENDINGS = ("drop", "drop", "expire", "drop", "drop", "last")
#: Frames of the previous connection that each new one plays again first.
OVERLAP = 3


def burst() -> list[bytes]:
    """The first frames of a seeded session, up to its 30th distinct event."""
    frames: list[bytes] = []
    for frame in session_frames(BURST_SEED, start_ns=START_NS, rounds=None):
        frames.append(frame)
        if len(expected_events(frames)) == BURST_EVENTS:
            return frames
    raise AssertionError("unreachable: the session never ends")


def garbage(index: int, sample: bytes) -> bytes:
    """A binary frame that does not parse, of a different kind for each connection."""
    kind = ("random", "truncated", "bad_utf8")[index % 3]
    frame = garbage_frame(kind, random.Random(index), sample)
    assert isinstance(frame, bytes)
    with pytest.raises(WireError):
        decode(frame)
    return frame


def slices(frames: list[bytes], parts: int) -> list[list[bytes]]:
    """`frames` in `parts` runs, one per connection, each with a garbage frame in its middle.

    Each run after the first starts by replaying the last frames of the one before, as a
    server might after a reconnect.
    """
    size = -(-len(frames) // parts)
    chunks = [frames[i * size : (i + 1) * size] for i in range(parts)]
    assert all(expected_events(chunk) for chunk in chunks)  # each brings new events
    runs = []
    for index, chunk in enumerate(chunks):
        run = (chunks[index - 1][-OVERLAP:] if index else []) + chunk
        middle = len(run) // 2
        runs.append([*run[:middle], garbage(index, chunk[0]), *run[middle:]])
    return runs


@dataclass(frozen=True)
class Connection:
    """One websocat connection as the controller saw it."""

    ending: str
    token: str
    #: Whether the simulator took the token at the moment the client subscribed with it.
    valid: bool
    #: Whatever the client sent after its subscribe line.
    rest: list[str]


def play_connections(
    stack: ExitStack, binary: Path, server: ForeignServer, sim: Simulator, runs: list[list[bytes]]
) -> tuple[list[Connection], ForeignServer]:
    """Play each run on its own websocat, ending it as ENDINGS says, on one port.

    The next websocat listens before the current connection ends, so nubra's reconnect
    finds it; returns the connections and the spare websocat listening after the last.
    """
    connections = []
    for ending, run in zip(ENDINGS, runs, strict=True):
        token = subscribed_token(server.client_line())
        valid = simulator_accepts(sim, token)
        following = stack.enter_context(foreign_server(binary, server.port))
        server.send(run)
        if ending == "drop":
            server.drop()
        elif ending == "expire":
            sim.expire_sessions()
            server.send(["Invalid Token"])
        server.wait()  # a drop ends here; otherwise nubra hangs up (renewing, or done)
        connections.append(Connection(ending, token, valid, server.rest()))
        server = following
    return connections, server


def test_drops_expiry_and_garbage_every_event_once_in_order() -> None:
    binary, port = websocat_binary(), free_port()
    frames = burst()
    wanted = expected_events(frames)
    assert len({event["last_modified"] for event in wanted}) == BURST_EVENTS  # all distinct
    runs = slices(frames, len(ENDINGS))
    assert expected_events([frame for run in runs for frame in run]) == wanted
    with ExitStack() as stack:
        sim = stack.enter_context(Simulator(SimConfig(frames=[])))
        first = stack.enter_context(foreign_server(binary, port))
        env = nubra_env(sim, NUBRA_WS_URL=first.url)
        nubra = stack.enter_context(nubra_watch(env, "--count", str(BURST_EVENTS)))
        connections, spare = play_connections(stack, binary, first, sim, runs)
        result = nubra.finish()
        assert spare.listening_alone(), "nubra connected once more after its last event"
        tokens = [connection.token for connection in connections]
        first_refused_now = not simulator_accepts(sim, tokens[0])
        last_taken_now = simulator_accepts(sim, tokens[-1])
        stats = sim.stats
    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout) == wanted
    assert [c.valid for c in connections] == [True] * len(ENDINGS)
    assert [c.rest for c in connections] == [[]] * len(ENDINGS)  # one subscribe each
    # Drops keep the session; after the expiry every subscribe carries the renewed token.
    renewed = ENDINGS.index("expire") + 1
    first_use = [tokens.index(token) for token in tokens]  # never shows a token
    assert first_use == [0] * renewed + [renewed] * (len(ENDINGS) - renewed)
    assert first_refused_now and last_taken_now
    assert (stats.logins, stats.verifypins) == (1, 2)  # one TOTP login, one renewal
    stderr = result.stderr.decode()
    drops = re.findall(r"^nubra: reconnecting in [\d.]+s: connection lost$", stderr, re.M)
    assert len(drops) == ENDINGS.count("drop"), stderr
    assert "closed the connection" not in stderr  # no close frame came
    assert stderr.count("nubra: session expired: renewing and reconnecting\n") == 1
    assert stderr.count("nubra: reconnected\n") == len(ENDINGS) - 1
    assert "does not parse" in stderr and "Traceback" not in stderr
    summary = " ".join(stderr.split())  # Rich wraps long lines at 80 columns in a pipe
    assert f"{BURST_EVENTS} events" in summary and f"{len(ENDINGS) - 1} reconnects" in summary
