"""`nubra sim` as a user runs it: a real subprocess, its output lines, its exit codes."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest
import websocket
from test_sim import connected, login

from nubra_cli.cli import run
from nubra_cli.events import validate_event
from nubra_cli.settings import Endpoints
from nubra_cli.sim import DEMO_MPIN, DEMO_PHONE, DEMO_TOTP_SECRET
from nubra_cli.wire import decode


def _start(*args: str) -> tuple[subprocess.Popen[bytes], Endpoints]:
    """`nubra sim ARGS` in the background, and the endpoints its first two lines export."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nubra_cli", "sim", "--port", "0", "--ws-port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    exports = dict(
        process.stdout.readline().decode().removeprefix("export ").strip().split("=", 1)
        for _ in range(2)
    )
    return process, Endpoints("uat", exports["NUBRA_API_URL"], exports["NUBRA_WS_URL"])


def test_a_single_session_serves_the_demo_account_then_exits_0() -> None:
    process, endpoints = _start("--no-loop", "--rate", "0")
    try:
        assert endpoints.api_url.startswith("http://127.0.0.1:")
        assert endpoints.ws_url.startswith("ws://127.0.0.1:") and endpoints.ws_url.endswith("/ws")
        _, session = login(endpoints)
        with connected(endpoints, session) as ws:
            frames = []
            while True:
                opcode, data = ws.recv_data()
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    break
                frames.append(data)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, err
    assert out == b""  # the two export lines were already read
    assert f"phone {DEMO_PHONE}".encode() in err and b"nubra sim --help" in err
    assert DEMO_TOTP_SECRET.encode() not in err and b"Traceback" not in err
    events = [decode(frame) for frame in frames]
    assert len(events) > 20
    for event in events:
        if event is not None:
            validate_event(event)


def test_ctrl_c_stops_quietly_and_overridden_credentials_stay_unsaid() -> None:
    account = ("9111111111", "JBSWY3DPEHPK3PXPJBSWY3DP", "9876")
    process, endpoints = _start(
        "--chaos",
        "all",
        "--chaos-every",
        "50",
        "--phone",
        account[0],
        "--totp-secret",
        account[1],
        "--mpin",
        account[2],
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
        process.wait()
    err = banner + err
    assert process.returncode == 130, err
    assert b"chaos: drop, duplicate, expire, garbage, stall" in err
    assert b"Traceback" not in err and b"Exception" not in err
    for value in (*account, DEMO_PHONE):
        assert value.encode() not in out + err


def test_a_port_in_use_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run(["sim", "--port", str(port), "--ws-port", "0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "0 for a free one" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--chaos", "drop,wobble"], "wobble"),
        (["--chaos", ","], "--chaos"),
        (["--totp-secret", "not*base32"], "base32"),
        (["--totp-secret", "JBSWY3DPEHPK3PXP"], "too short"),
        (["--rate", "-1"], "--rate"),
    ],
)
def test_bad_options_are_usage_errors(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["sim", *args]) == 2
    err = capsys.readouterr().err
    assert words in err and "not*base32" not in err and "JBSW" not in err


def test_help_documents_the_demo_account(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sim", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for value in (DEMO_PHONE, DEMO_TOTP_SECRET, DEMO_MPIN, "--chaos all", "--no-loop"):
        assert value in text


def test_sigterm_stops_the_simulator_cleanly() -> None:
    process, endpoints = _start()
    try:
        assert process.stderr is not None
        process.stderr.readline()
        client = websocket.create_connection(endpoints.ws_url, timeout=5)
        try:
            client.send("subscribe nobody notifications notification")
            assert client.recv() == "Invalid Token"
        finally:
            client.close()
            client.shutdown()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 143, err
    assert err.strip() == b"nubra: stopped by SIGTERM"
