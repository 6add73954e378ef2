"""The order stream in-process against the simulator: renewal, stalls, repeats, giving up."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from conftest import load_samples, sample_bytes
from google.protobuf.any_pb2 import Any

from nubra_cli.auth import Credentials, open_session
from nubra_cli.errors import AuthError, ConfigError, GaveUpError
from nubra_cli.settings import Endpoints
from nubra_cli.sim import DEMO_MPIN, DEMO_PHONE, DEMO_TOTP_SECRET, ChaosConfig, SimConfig, Simulator
from nubra_cli.stream import OrderStream, StreamConfig
from nubra_cli.wire import encode_order
from nubra_cli.wire.order_pb2 import Order

SAMPLES = {s["name"]: s for s in load_samples()}
DEMO = Credentials(phone=DEMO_PHONE, totp_secret=DEMO_TOTP_SECRET, mpin=DEMO_MPIN)


class Recorder:
    """Collects what the stream tells its observer."""

    def __init__(self) -> None:
        self.states: list[str] = []
        self.problems: list[str] = []

    def connection(self, state: str) -> None:
        self.states.append(state)

    def problem(self, message: str) -> None:
        self.problems.append(message)


def _no_wait() -> Iterator[float]:
    return itertools.repeat(0.01)


def _stream(
    sim: Simulator, ws_url: str | None = None, **options: float | int | None
) -> tuple[OrderStream, Recorder]:
    endpoints = Endpoints("uat", sim.api_url, ws_url or sim.ws_url)
    recorder = Recorder()
    config = StreamConfig(ws_url=endpoints.ws_url, backoff=_no_wait, **options)  # type: ignore[arg-type]
    return OrderStream(config, open_session(endpoints, DEMO, store=None), recorder), recorder


def _take(stream: OrderStream, count: int) -> list[dict[str, object]]:
    events = []
    generator = stream.events()
    try:
        for event in generator:
            if event is not None:
                events.append(event)
                if len(events) == count:
                    break
    finally:
        generator.close()
    return events


def test_expired_session_and_auth_token_renew_with_a_full_login() -> None:
    with Simulator(SimConfig(seed=2, rate=200, loop=True)) as sim:
        stream, recorder = _stream(sim)
        generator = stream.events()
        seen = []
        for event in generator:
            if event is None:
                continue
            seen.append(event)
            if len(seen) == 5:
                sim.expire_auth_tokens()
                sim.expire_sessions()
            if len(seen) == 15:
                break
        generator.close()
        stats = sim.stats
    assert stats.logins == 2 and stats.subscribe_tokens_rejected == 0
    assert stream.stats.renewals == 1
    assert "renewing session" in recorder.states


def test_a_token_the_server_keeps_refusing_ends_in_an_auth_error() -> None:
    class Bogus:
        def session_token(self) -> str:
            return "bogus"

        def renew(self) -> str:
            return "still-bogus"

    with Simulator(SimConfig(frames=[])) as sim:
        stream = OrderStream(StreamConfig(ws_url=sim.ws_url, backoff=_no_wait), Bogus(), Recorder())
        with pytest.raises(AuthError, match="nubra login"):
            _take(stream, 1)
        assert sim.stats.subscribe_tokens_rejected == 4


def test_a_stalled_socket_is_replaced() -> None:
    chaos = ChaosConfig(kinds=frozenset({"stall"}), every=3, stall_seconds=5.0)
    with Simulator(SimConfig(seed=4, rate=0, loop=True, chaos=chaos)) as sim:
        stream, recorder = _stream(sim, ping_interval=0.1, pong_timeout=0.3)
        events = _take(stream, 30)
    assert len(events) == 30
    assert stream.stats.reconnects >= 2
    assert any("no answer to ping" in state for state in recorder.states)


def test_repeated_frames_are_dropped_and_counted() -> None:
    frame = sample_bytes(SAMPLES["new_order_open"])
    other = sample_bytes(SAMPLES["sell_cancelled"])
    with Simulator(SimConfig(frames=[frame, frame, frame, other])) as sim:
        stream, _ = _stream(sim)
        events = _take(stream, 2)
    assert [e["order_id"] for e in events] == [90001, 90002]
    assert stream.stats.duplicates == 2


def test_garbage_is_reported_and_the_next_event_is_intact() -> None:
    frames: list[bytes | str] = [b"", b"\xff\x00junk", sample_bytes(SAMPLES["new_order_open"])]
    with Simulator(SimConfig(frames=frames)) as sim:
        stream, recorder = _stream(sim)
        (event,) = _take(stream, 1)
    assert event["order_id"] == 90001 and event["tag"] == "swing_a"
    assert stream.stats.wire_errors == 2 and len(recorder.problems) == 2


def test_a_wrong_socket_path_is_a_configuration_error() -> None:
    with Simulator(SimConfig(frames=[])) as sim:
        stream, _ = _stream(sim, ws_url=sim.ws_url.replace("/ws", "/nope"))
        with pytest.raises(ConfigError, match="HTTP 404"):
            _take(stream, 1)


def test_giving_up_after_max_retries() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Simulator(SimConfig(frames=[])) as sim:
        stream, recorder = _stream(sim, ws_url=f"ws://127.0.0.1:{port}/ws", max_retries=2)
        with pytest.raises(GaveUpError, match="gave up after 2 retries"):
            _take(stream, 1)
    assert sum("reconnecting" in state for state in recorder.states) == 2


def test_a_burst_of_frames_of_every_size_arrives_whole_and_in_order() -> None:
    """Frames from a few bytes to well over the 64 KiB read buffer, back to back: every one
    cut out exactly, however the reads split them."""
    template = Order.FromString(
        Any.FromString(Any.FromString(sample_bytes(SAMPLES["new_order_open"])).value).value
    )
    sizes = [
        0,
        1,
        125,
        126,
        65_535,
        65_536,
        65_537,
        200_000,
        *(n * 7_919 % 90_000 for n in range(200)),
    ]
    frames: list[bytes | str] = []
    for number, size in enumerate(sizes):
        order = Order()
        order.CopyFrom(template)
        order.order_id = 500_000 + number
        order.update_msg = "x" * size
        frames.append(encode_order(order))
    with Simulator(SimConfig(frames=frames, rate=0)) as sim:
        stream, recorder = _stream(sim)
        events = _take(stream, len(sizes))
    assert [(e["order_id"], len(e["update_msg"] or "")) for e in events] == [
        (500_000 + number, size) for number, size in enumerate(sizes)
    ]
    assert stream.stats.wire_errors == 0 and recorder.problems == []
