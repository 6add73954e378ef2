"""Chaos: each kind of fault is observable on the socket, and none of them loses a frame."""

from __future__ import annotations

import time

import pytest
import websocket
from test_sim import connected, login, new_session, receive

from nubra_cli.sim import GARBAGE_KINDS, ChaosConfig, SimConfig, Simulator, session_frames
from nubra_cli.sim.chaos import OVERSIZED_BYTES, ChaosSchedule
from nubra_cli.wire import TextKind, WireError, classify_text, decode

#: Distinct order frames: `duplicate` repeats the last of these, `truncated` cuts it short.
ORDERS: list[bytes | str] = [frame for frame in session_frames(2) if decode(frame) is not None]


def _sim(*kinds: str, every: int, seed: int = 1, **options: object) -> Simulator:
    chaos = ChaosConfig(kinds=frozenset(kinds), every=every, **options)  # type: ignore[arg-type]
    return Simulator(SimConfig(frames=ORDERS, rate=0, seed=seed, chaos=chaos))


def _closed_without_close_frame(ws: websocket.WebSocket) -> bool:
    try:
        opcode, _ = ws.recv_data()
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        return True
    return opcode != websocket.ABNF.OPCODE_CLOSE and _closed_without_close_frame(ws)


@pytest.mark.parametrize("kind", sorted(GARBAGE_KINDS))
def test_garbage_of_each_kind(kind: str) -> None:
    with _sim("garbage", every=2, garbage=frozenset({kind})) as sim:
        _, session = login(sim)
        with connected(sim, session) as ws:
            first, last_order, bad, after = receive(ws, 4)
        stats = sim.stats
    assert [first, last_order, after] == ORDERS[:3]
    if kind == "error_text":
        assert isinstance(bad, str) and classify_text(bad) is TextKind.ERROR
    else:
        assert isinstance(bad, bytes)
        with pytest.raises(WireError):
            decode(bad)
    if kind == "truncated":
        assert isinstance(last_order, bytes) and last_order.startswith(bad) and bad != last_order
    assert (kind == "empty") == (bad == b"")
    assert (kind == "oversized") == (len(bad) == OVERSIZED_BYTES)
    assert stats.chaos["garbage"] == stats.garbage[kind] >= 1
    assert stats.frames_sent == stats.events_played


def test_duplicate_repeats_the_last_order_frame() -> None:
    with _sim("duplicate", every=2) as sim:
        _, session = login(sim)
        with connected(sim, session) as ws:
            frames = receive(ws, 6)
        assert sim.stats.chaos["duplicate"] >= 2
    a, b, c, d = ORDERS[:4]
    assert frames == [a, b, b, c, d, d]


def test_expire_says_invalid_token_and_waits_for_a_new_session() -> None:
    with _sim("expire", every=3) as sim:
        auth, session = login(sim)
        with connected(sim, session) as ws:
            assert receive(ws, 4) == [*ORDERS[:3], "Invalid Token"]
            ws.send(f"subscribe {session} notifications notification")
            assert receive(ws, 1) == ["Invalid Token"]
            ws.send(f"subscribe {new_session(sim, auth)} notifications notification")
            assert receive(ws, 1) == ORDERS[3:4]
        assert set(sim.stats.chaos) == {"expire"}


def test_drop_cuts_the_connection_and_the_stream_carries_on() -> None:
    with _sim("drop", every=3) as sim:
        _, session = login(sim)
        for start in (0, 3):
            with connected(sim, session) as ws:
                assert receive(ws, 3) == ORDERS[start : start + 3]
                assert _closed_without_close_frame(ws)
        assert sim.stats.chaos == {"drop": 2}


def test_stall_goes_quiet_then_resumes_the_same_connection() -> None:
    with _sim("stall", every=2, stall_seconds=0.5) as sim:
        _, session = login(sim)
        with connected(sim, session) as ws:
            assert receive(ws, 2) == ORDERS[:2]
            stalled_at = time.monotonic()
            ws.ping(b"anyone?")
            ws.settimeout(0.3)
            with pytest.raises(websocket.WebSocketTimeoutException):
                ws.recv_data(control_frame=True)  # no pong, no frame
            ws.settimeout(3)
            assert receive(ws, 1) == ORDERS[2:3]  # answering the server's ping revives it
            assert time.monotonic() - stalled_at >= 0.45
        assert sim.stats.chaos["stall"] >= 1


def test_a_client_that_reconnects_during_a_stall_goes_on_at_once() -> None:
    with _sim("stall", every=2, stall_seconds=30) as sim:
        _, session = login(sim)
        with connected(sim, session) as stalled:
            assert receive(stalled, 2) == ORDERS[:2]
            started = time.monotonic()
            with connected(sim, session) as fresh:
                assert receive(fresh, 2) == ORDERS[2:4]
            assert time.monotonic() - started < 2


def test_the_schedule_is_seeded() -> None:
    config = ChaosConfig(every=1)
    runs = []
    for _ in range(2):
        schedule = ChaosSchedule(config, seed=9)
        runs.append([schedule.after_event() for _ in range(60)])
    assert runs[0] == runs[1] and set(runs[0]) == set(config.kinds)
    every_third = ChaosSchedule(ChaosConfig(every=3), seed=9)
    assert [every_third.after_event() is not None for _ in range(6)] == [False, False, True] * 2


def test_nothing_is_lost_under_every_kind_of_chaos() -> None:
    """A plain client that reconnects and renews gets every frame once, in order."""
    # Seed 2 draws every kind within this short stream.
    with _sim(*ChaosConfig().kinds, every=3, seed=2, stall_seconds=0.2) as sim:
        auth, session = login(sim)
        got: list[bytes | str] = []
        deadline = time.monotonic() + 20
        while len(got) < len(ORDERS) and time.monotonic() < deadline:
            session = _follow(sim, auth, session, got)
        stats = sim.stats
    assert got == ORDERS
    assert set(stats.chaos) == set(ChaosConfig().kinds)


def _follow(sim: Simulator, auth: str, session: str, got: list[bytes | str]) -> str:
    """Read one connection until it fails; return the session token to go on with."""
    with connected(sim, session) as ws:
        while len(got) < len(ORDERS):
            try:
                opcode, data = ws.recv_data()
            except (websocket.WebSocketException, ConnectionError):
                return session
            if opcode == websocket.ABNF.OPCODE_TEXT:
                if data == b"Invalid Token":
                    return new_session(sim, auth)
                continue
            try:
                fresh = decode(data) is not None and (not got or data != got[-1])
            except WireError:
                continue
            if fresh:
                got.append(data)
    return session
