"""`nubra watch` as a real subprocess against `nubra sim` on port 0."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import load_samples, sample_bytes
from e2e import START_NS, expected_events, json_lines, nubra_env, run_nubra, start_nubra

from nubra_cli.events import validate_event
from nubra_cli.filters import EventFilter
from nubra_cli.sim import ChaosConfig, SimConfig, Simulator, session_frames

SAMPLES = {s["name"]: s for s in load_samples()}
ORDER_NAMES = [
    "new_order_open",
    "partial_fill_trade",
    "complete_fill_trade",
    "sell_cancelled",
    "rejected_with_message",
    "basket_filled",
    "stoploss_triggered_with_algo",
]
GOLDEN: list[bytes | str] = [
    sample_bytes(SAMPLES["garbage_bytes"]),
    SAMPLES["server_error_text"]["text"],
    sample_bytes(SAMPLES["not_an_order_message"]),
    *(sample_bytes(SAMPLES[name]) for name in ORDER_NAMES),
]


@pytest.fixture
def golden_sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(frames=GOLDEN, rate=0)) as sim:
        yield sim


def _session(seed: int, count: int) -> list[dict[str, Any]]:
    frames = itertools.islice(session_frames(seed, start_ns=START_NS, rounds=None), count * 3)
    return expected_events(frames)


def test_golden_frames_come_out_as_the_sdk_fields(golden_sim: Simulator) -> None:
    result = run_nubra("watch", "--json", "--count", "7", env=nubra_env(golden_sim))
    assert result.returncode == 0, result.stderr
    events = json_lines(result.stdout)
    assert events == expected_events(GOLDEN)
    assert [e["kind"] for e in events] == [
        "order",
        "trade",
        "trade",
        "order",
        "order",
        "basket",
        "order",
    ]
    stderr = result.stderr.decode()
    assert "does not parse" in stderr and "server says: Error: subscription failed" in stderr
    assert "Traceback" not in stderr
    assert "2 errors" in stderr and "7 events" in stderr


def test_table_output_into_a_pipe_when_asked(golden_sim: Simulator) -> None:
    result = run_nubra(
        "watch",
        "--format",
        "table",
        "--color",
        "never",
        "--count",
        "7",
        env=nubra_env(golden_sim, COLUMNS="160"),
    )
    assert result.returncode == 0, result.stderr
    table = result.stdout.decode()
    assert "RELIANCE" in table and "₹1,250.50" in table and "10/10" in table
    assert "RMS: price outside circuit band" in table
    assert "\x1b[" not in table


@pytest.mark.parametrize(
    "options",
    [
        ["--status", "filled", "--side", "buy"],
        ["--kind", "trade", "--tag", "scalp,hedge"],
        ["--status", "open", "--status", "cancelled", "--side", "SELL"],
        ["--kind", "basket"],
    ],
    ids=["filled-buys", "trades-by-tag", "open-or-cancelled-sells", "baskets"],
)
def test_filters_pick_exactly_the_matching_events(options: list[str]) -> None:
    keep = EventFilter.from_options(
        statuses=_values(options, "--status"),
        sides=_values(options, "--side"),
        tags=_values(options, "--tag"),
        kinds=_values(options, "--kind"),
    )
    wanted = [e for e in _session(11, 400) if keep(e)][:3]
    assert len(wanted) == 3
    with Simulator(SimConfig(seed=11, rate=0, loop=True, start_ns=START_NS)) as sim:
        result = run_nubra("watch", "--json", "--count", "3", *options, env=nubra_env(sim))
    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout) == wanted


def _values(options: list[str], name: str) -> list[str]:
    return [options[i + 1] for i, option in enumerate(options) if option == name]


def test_demo_needs_no_account() -> None:
    result = run_nubra(
        "watch", "--demo", "--json", "--count", "3", env=nubra_env(credentials=False)
    )
    assert result.returncode == 0, result.stderr
    events = json_lines(result.stdout)
    assert len(events) == 3
    for event in events:
        validate_event(event)
    assert b"DEMO" in result.stderr


def test_chaos_every_event_once_in_order_with_valid_tokens_only() -> None:
    chaos = ChaosConfig(every=3, stall_seconds=1.0)
    config = SimConfig(seed=5, rate=0, loop=True, start_ns=START_NS, chaos=chaos)
    with Simulator(config) as sim:
        result = run_nubra(
            "watch",
            "--json",
            "--count",
            "40",
            "--ping-interval",
            "0.2",
            "--stall-timeout",
            "0.5",
            env=nubra_env(sim),
            timeout=90,
        )
        stats = sim.stats
    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout) == _session(5, 40)[:40]
    assert stats.subscribe_tokens_rejected == 0
    assert set(stats.chaos) == {"drop", "expire", "garbage", "duplicate", "stall"}
    stderr = result.stderr.decode()
    assert "reconnect" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(
    ("order_id", "until", "code", "message"),
    [
        ("90001", "filled", 0, ""),
        ("90003", "filled", 5, "order 90003 ended rejected: RMS: price outside circuit band"),
        ("90002", "FILLED", 5, "order 90002 ended cancelled"),
        ("90004", "triggered", 0, ""),
    ],
)
def test_until_an_order_settles(
    golden_sim: Simulator, order_id: str, until: str, code: int, message: str
) -> None:
    result = run_nubra(
        "watch",
        "--json",
        "--order-id",
        order_id,
        "--until",
        until,
        "--timeout",
        "20s",
        env=nubra_env(golden_sim),
    )
    assert result.returncode == code, result.stderr
    assert message in result.stderr.decode()
    assert {e["order_id"] for e in json_lines(result.stdout)} == {int(order_id)}


def test_timeout_exits_124(golden_sim: Simulator) -> None:
    result = run_nubra(
        "watch",
        "--json",
        "--order-id",
        "4242",
        "--until",
        "filled",
        "--timeout",
        "1.5s",
        env=nubra_env(golden_sim),
    )
    assert result.returncode == 124, result.stderr
    assert b"within 1.5s" in result.stderr


def test_without_a_session_or_credentials_it_says_to_log_in(golden_sim: Simulator) -> None:
    result = run_nubra("watch", "--json", env=nubra_env(golden_sim, credentials=False))
    assert result.returncode == 3
    assert result.stderr.decode().strip().endswith("run `nubra login`")
    assert b"Traceback" not in result.stderr


def test_max_retries_gives_up_with_exit_4() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Simulator(SimConfig(frames=[])) as sim:
        env = nubra_env(sim, NUBRA_WS_URL=f"ws://127.0.0.1:{port}/ws")
        result = run_nubra("watch", "--json", "--max-retries", "1", env=env)
    assert result.returncode == 4, result.stderr
    assert b"gave up after 1 retries: connection refused" in result.stderr


def test_head_ends_quietly(golden_sim: Simulator) -> None:
    command = f"{sys.executable} -m nubra_cli watch --json | head -1"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        env=nubra_env(golden_sim),
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    assert b"Traceback" not in result.stderr and b"BrokenPipe" not in result.stderr


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_close_cleanly(signum: int, code: int) -> None:
    with Simulator(SimConfig(seed=3, rate=50, loop=True)) as sim:
        process = start_nubra("watch", "--json", env=nubra_env(sim))
        assert process.stdout is not None
        first = process.stdout.readline()
        process.send_signal(signum)
        out, err = process.communicate(timeout=20)
    assert first.startswith(b'{"kind":')
    assert process.returncode == code, err
    assert b"Traceback" not in err
    assert b" event" in err and b"0 errors" in err


def test_head_does_not_hang_when_the_feed_goes_quiet() -> None:
    with Simulator(SimConfig(frames=[sample_bytes(SAMPLES["new_order_open"])])) as sim:
        command = f"{sys.executable} -m nubra_cli watch --json | head -1"
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            env=nubra_env(sim),
            capture_output=True,
            timeout=30,
        )
    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout)[0]["order_id"] == 90001


def test_record_keeps_a_journal_while_the_table_runs(golden_sim: Simulator, tmp_path: Any) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(b'{"kind":"earlier"}\n')
    result = run_nubra(
        "watch",
        "--format",
        "table",
        "--record",
        str(journal),
        "--count",
        "7",
        env=nubra_env(golden_sim),
    )
    assert result.returncode == 0, result.stderr
    lines = json_lines(journal.read_bytes())
    assert lines[0] == {"kind": "earlier"}
    assert lines[1:] == expected_events(GOLDEN)


def test_a_terminal_gets_the_live_table_by_default(golden_sim: Simulator) -> None:
    import os
    import pty

    leader, follower = pty.openpty()
    env = nubra_env(golden_sim, COLUMNS="150", LINES="40", TERM="xterm-256color")
    process = subprocess.Popen(
        [sys.executable, "-m", "nubra_cli", "watch", "--count", "7"],
        env=env,
        stdout=follower,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)
    assert process.wait(timeout=30) == 0
    assert process.stderr is not None
    process.stderr.close()
    text = screen.decode("utf-8", "replace")
    assert "UAT @ http://127.0.0.1" in text and "RELIANCE" in text and "₹1,250.50" in text
    assert "\x1b[" in text
    assert not text.lstrip().startswith("{")


def test_an_unwritable_record_file_is_one_line(golden_sim: Simulator, tmp_path: Any) -> None:
    target = tmp_path / "missing-dir" / "journal.jsonl"
    result = run_nubra(
        "watch", "--json", "--record", str(target), "--count", "1", env=nubra_env(golden_sim)
    )
    assert result.returncode == 1
    assert result.stderr.decode().strip().splitlines()[-1] == (
        f"nubra: error: cannot write --record file {target}: No such file or directory"
    )
