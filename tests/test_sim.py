"""The simulator's socket as clients meet it, on real loopback servers; shared client helpers."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pyotp
import pytest
import websocket
from conftest import load_samples, sample_bytes

from nubra_cli.errors import ConfigError
from nubra_cli.sim import (
    DEMO_MPIN,
    DEMO_PHONE,
    DEMO_TOTP_SECRET,
    ChaosConfig,
    SimConfig,
    Simulator,
)
from nubra_cli.wire import TextKind, classify_text, decode

DEVICE = {"x-device-id": "test-device"}
SAMPLES = load_samples()
GOLDEN: list[bytes | str] = [sample_bytes(s) if "binary" in s else s["text"] for s in SAMPLES]


# Helpers, also used by the other test_sim_*.py modules.


def numbered(count: int) -> list[bytes | str]:
    """Frames that say where they are in the stream (the simulator does not parse them)."""
    return [f"#{index}".encode() for index in range(count)]


def login(sim: Simulator) -> tuple[str, str]:
    """(auth token, session token) for the demo account, the way a client gets them."""
    with httpx.Client(base_url=sim.api_url, headers=DEVICE, timeout=5) as client:
        code = int(pyotp.TOTP(DEMO_TOTP_SECRET).now())
        reply = client.post("/totp/login", json={"phone": DEMO_PHONE, "totp": code, "otp": ""})
        assert reply.status_code == 201, reply.text
        auth = reply.json()["auth_token"]
        reply = client.post("/verifypin", json={"pin": DEMO_MPIN}, headers=bearer(auth))
        assert reply.status_code == 200, reply.text
        return auth, reply.json()["session_token"]


def new_session(sim: Simulator, auth: str) -> str:
    reply = post(sim, "/verifypin", {"pin": DEMO_MPIN}, bearer(auth))
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["session_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post(
    sim: Simulator, path: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    with httpx.Client(base_url=sim.api_url, timeout=5) as client:
        return client.post(path, content=content, headers={**DEVICE, **(headers or {})})


@contextmanager
def connected(sim: Simulator, token: str | None = None) -> Iterator[websocket.WebSocket]:
    """A socket to the simulator, subscribed with `token` when one is given."""
    ws = websocket.create_connection(sim.ws_url, timeout=3)
    try:
        if token is not None:
            ws.send(f"subscribe {token} notifications notification")
        yield ws
    finally:
        ws.close(timeout=0.2)
        ws.shutdown()  # close() skips the socket once a close frame was answered


def receive(ws: websocket.WebSocket, count: int) -> list[bytes | str]:
    """The next `count` frames: bytes for binary frames, str for text frames."""
    frames: list[bytes | str] = []
    while len(frames) < count:
        opcode, data = ws.recv_data()
        assert opcode in (websocket.ABNF.OPCODE_BINARY, websocket.ABNF.OPCODE_TEXT), opcode
        frames.append(data.decode() if opcode == websocket.ABNF.OPCODE_TEXT else data)
    return frames


def wait_for(predicate: Any, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(frames=numbered(10_000), rate=0)) as running:
        yield running


def until_text(ws: websocket.WebSocket) -> str:
    """Read past binary frames to the next text frame."""
    while True:
        (frame,) = receive(ws, 1)
        if isinstance(frame, str):
            return frame


# The socket (protocol.md §3).


def test_a_bad_token_is_told_and_the_connection_stays_open(sim: Simulator) -> None:
    _, session = login(sim)
    with connected(sim, "not-a-token") as ws:
        assert receive(ws, 1) == ["Invalid Token"]
        ws.send("hello")
        assert classify_text(receive(ws, 1)[0]) is TextKind.ERROR
        ws.send(f"subscribe {session} notifications notification")
        assert receive(ws, 2) == [b"#0", b"#1"]
    stats = sim.stats
    assert (stats.subscribe_tokens_rejected, stats.subscriptions, stats.connections) == (1, 1, 1)


def test_the_socket_lives_at_slash_ws_only(sim: Simulator) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as raised:
        websocket.create_connection(sim.ws_url.removesuffix("/ws") + "/other", timeout=3)
    assert raised.value.status_code == 404


def test_golden_frames_replay_byte_exact() -> None:
    with Simulator(SimConfig(frames=GOLDEN, rate=0)) as sim:
        _, session = login(sim)
        with connected(sim, session) as ws:
            assert receive(ws, len(GOLDEN)) == GOLDEN
            assert sim.wait_done(timeout=3)
        assert sim.stats.frames_sent == sim.stats.events_played == len(GOLDEN)
    kinds = []
    for sample in SAMPLES:
        if sample.get("wire"):
            event = decode(sample_bytes(sample))
            assert event is not None
            kinds.append(event["kind"])
    assert sorted(set(kinds)) == ["basket", "order", "trade"]


def test_looping_frames_start_over() -> None:
    with Simulator(SimConfig(frames=[b"a", "b"], rate=0, loop=True)) as sim:
        _, session = login(sim)
        with connected(sim, session) as ws:
            assert receive(ws, 5) == [b"a", "b", b"a", "b", b"a"]
        assert not sim.done


def test_the_clock_stands_still_while_nobody_listens(sim: Simulator) -> None:
    _, session = login(sim)
    with connected(sim, session) as ws:
        receive(ws, 5)
    wait_for(lambda: sim.stats.connections == 1 and _still(sim))
    paused_at = sim.stats.events_played
    with connected(sim, session) as ws:
        assert receive(ws, 1) == [f"#{paused_at}".encode()]


def _still(sim: Simulator) -> bool:
    before = sim.stats.events_played
    time.sleep(0.1)
    return sim.stats.events_played == before


def test_every_subscriber_gets_each_frame_from_one_clock() -> None:
    frames = numbered(30)
    with Simulator(SimConfig(frames=frames, rate=100)) as sim:
        _, session = login(sim)
        with connected(sim, session) as first:
            early = receive(first, 5)
            with connected(sim, session) as second:
                (joined,) = receive(second, 1)
                start = frames.index(joined)
                assert receive(second, 29 - start) == frames[start + 1 :]
            assert early + receive(first, 25) == frames
        assert start >= 5
        assert sim.stats.frames_sent == 30 + 30 - start


def test_rate_paces_the_stream() -> None:
    with Simulator(SimConfig(frames=numbered(6), rate=20)) as sim:
        _, session = login(sim)
        with connected(sim, session) as ws:
            receive(ws, 1)
            started = time.monotonic()
            receive(ws, 5)
        assert time.monotonic() - started >= 0.2


def test_expire_sessions_says_invalid_token_once(sim: Simulator) -> None:
    auth, session = login(sim)
    with connected(sim, session) as ws:
        receive(ws, 2)
        sim.expire_sessions()
        assert until_text(ws) == "Invalid Token"
        played = sim.stats.events_played
        ws.send(f"subscribe {session} notifications notification")
        assert receive(ws, 1) == ["Invalid Token"]
        assert sim.stats.events_played == played
        ws.send(f"subscribe {new_session(sim, auth)} notifications notification")
        assert receive(ws, 1) == [f"#{played}".encode()]


def test_drop_connections_cuts_without_a_close_frame() -> None:
    with Simulator(SimConfig(frames=numbered(100), rate=100)) as sim:
        _, session = login(sim)
        with connected(sim, session) as ws:
            receive(ws, 2)
            sim.drop_connections()
            with pytest.raises(websocket.WebSocketConnectionClosedException):
                while True:
                    opcode, _ = ws.recv_data()
                    assert opcode != websocket.ABNF.OPCODE_CLOSE
        with connected(sim, session) as ws:  # the session token still holds
            receive(ws, 1)


# Configuration.


def test_bad_configuration_is_refused_without_echoing_secrets() -> None:
    with pytest.raises(ConfigError, match="base32") as raised:
        SimConfig(totp_secret="not base32 at all!")
    assert "not base32 at all" not in str(raised.value)
    with pytest.raises(ConfigError, match="too short") as raised:
        SimConfig(totp_secret="JBSWY3DPEHPK3PXP")
    assert "JBSW" not in str(raised.value)
    assert SimConfig(totp_secret="nubr adem ototp secr etfo rsim ulat or2").totp_secret == (
        DEMO_TOTP_SECRET
    )
    with pytest.raises(ValueError, match="wobble"):
        ChaosConfig(kinds=frozenset({"drop", "wobble"}))
    with pytest.raises(ValueError):
        SimConfig(rate=-1)


def test_a_port_in_use_is_a_config_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for config in (SimConfig(api_port=port), SimConfig(ws_port=port)):
            with pytest.raises(ConfigError, match=f"127.0.0.1:{port}.*0 for a free one"):
                Simulator(config).start()


def test_stats_are_a_copy(sim: Simulator) -> None:
    stats = sim.stats
    stats.logins = 99
    stats.chaos["drop"] = 1
    assert sim.stats.logins == 0 and sim.stats.chaos == {}
