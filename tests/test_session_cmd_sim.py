"""End to end against the simulator: `nubra login`, then watches that reuse and renew the session.

Each test runs the real `nubra` in a subprocess against `Simulator` on port 0,
with state in tmp_path, and checks exit codes, private files and that no
secret reaches a file or the output.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nubra_cli.sim import DEMO_MPIN, DEMO_PHONE, DEMO_TOTP_SECRET, SimConfig, Simulator

CLEARED = (
    "NUBRA_PHONE NUBRA_TOTP_SECRET NUBRA_MPIN NUBRA_ENV NUBRA_API_URL NUBRA_WS_URL PHONE_NO MPIN"
)
DEMO = {"NUBRA_PHONE": DEMO_PHONE, "NUBRA_TOTP_SECRET": DEMO_TOTP_SECRET, "NUBRA_MPIN": DEMO_MPIN}
SECRETS = (DEMO_TOTP_SECRET, DEMO_PHONE)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """State in tmp_path, no credentials from the real environment, cwd without a .env."""
    monkeypatch.setenv("NUBRA_HOME", str(tmp_path / "home"))
    for name in CLEARED.split():
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(api_port=0, ws_port=0, loop=True)) as running:
        yield running


def env_for(sim: Simulator, **values: str) -> dict[str, str]:
    return dict(os.environ, NUBRA_API_URL=sim.api_url, NUBRA_WS_URL=sim.ws_url, **values)


def nubra(sim: Simulator, *args: str, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nubra_cli", *args],
        env=env_for(sim, **values),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "Traceback" not in text


def state_file(tmp_path: Path) -> Path:
    return tmp_path / "home" / "uat.json"


def test_login_from_dotenv_keeps_a_private_session(sim: Simulator, tmp_path: Path) -> None:
    Path(".env").write_text(
        f"PHONE_NO={DEMO_PHONE}\nNUBRA_TOTP_SECRET={DEMO_TOTP_SECRET}\nMPIN={DEMO_MPIN}\n"
    )
    done = nubra(sim, "login")
    assert done.returncode == 0, done.stderr
    path = state_file(tmp_path)
    assert done.stderr == (
        f"Logged in to UAT @ {sim.api_url} as ******2345; session kept in {path}\n"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    kept = json.loads(path.read_text())
    assert kept["api_url"] == sim.api_url and kept["session_token"]
    text = path.read_text()
    assert DEMO_TOTP_SECRET not in text and f'"{DEMO_MPIN}"' not in text
    assert_clean(text + done.stdout + done.stderr)
    assert sim.stats.logins == 1
    status = nubra(sim, "status")
    assert "session:     kept as ******2345 since" in status.stdout
    assert kept["session_token"] not in status.stdout + status.stderr


def test_watch_reuses_the_kept_session_without_any_credential(sim: Simulator) -> None:
    assert nubra(sim, "login", **DEMO).returncode == 0
    watch = nubra(sim, "watch", "--json", "--count", "3", "--timeout", "30s")
    assert watch.returncode == 0, watch.stderr
    assert [json.loads(line)["kind"] for line in watch.stdout.splitlines()]
    assert len(watch.stdout.splitlines()) == 3
    assert (sim.stats.logins, sim.stats.verifypins) == (1, 1)
    assert_clean(watch.stdout + watch.stderr)


def watch_through_expiry(sim: Simulator, expire: str, **values: str) -> tuple[int, str, str]:
    """Start a watch, expire tokens after its first event, and let it finish."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nubra_cli", "watch", "--json", "--count", "40"]
        + ["--timeout", "40s", "--max-retries", "3"],
        env=env_for(sim, **values),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    getattr(sim, expire)()
    rest, errors = process.communicate(timeout=60)
    return process.returncode, first + rest, errors


def test_session_expired_mid_stream_is_renewed_with_the_mpin_alone(sim: Simulator) -> None:
    assert nubra(sim, "login", **DEMO).returncode == 0
    code, out, err = watch_through_expiry(sim, "expire_sessions", NUBRA_MPIN=DEMO_MPIN)
    assert code == 0, err
    assert len(out.splitlines()) == 40
    assert (sim.stats.logins, sim.stats.verifypins) == (1, 2)
    assert_clean(out + err)


def test_auth_token_expired_mid_stream_is_renewed_with_totp(sim: Simulator) -> None:
    assert nubra(sim, "login", **DEMO).returncode == 0
    code, out, err = watch_through_expiry(sim, "expire_auth_tokens", **DEMO)
    assert code == 0, err
    assert len(out.splitlines()) == 40
    assert sim.stats.logins == 2
    assert_clean(out + err)


def test_expired_auth_token_without_secret_stops_with_run_login(sim: Simulator) -> None:
    assert nubra(sim, "login", **DEMO).returncode == 0
    code, out, err = watch_through_expiry(sim, "expire_auth_tokens", NUBRA_MPIN=DEMO_MPIN)
    assert code == 3, err
    assert "run `nubra login`" in err
    assert_clean(out + err)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"NUBRA_TOTP_SECRET": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}, "TOTP code rejected"),
        ({"NUBRA_MPIN": "9999"}, "MPIN rejected"),
        ({"NUBRA_PHONE": "9111111111"}, "unknown phone ******1111"),
    ],
)
def test_refusals_end_with_the_auth_exit_code(
    sim: Simulator, tmp_path: Path, values: dict[str, str], expected: str
) -> None:
    done = nubra(sim, "login", **{**DEMO, **values})
    assert done.returncode == 3
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nubra: error: {expected}")
    assert_clean(done.stdout + done.stderr)
    assert "9999" not in done.stderr
    kept = json.loads(state_file(tmp_path).read_text())  # the device id alone
    assert kept["auth_token"] is None and kept["session_token"] is None


def test_logout_ends_the_session_on_the_server(sim: Simulator, tmp_path: Path) -> None:
    assert nubra(sim, "login", **DEMO).returncode == 0
    device = json.loads(state_file(tmp_path).read_text())["device_id"]
    done = nubra(sim, "logout")
    assert done.returncode == 0
    assert done.stderr == f"Logged out of UAT @ {sim.api_url}; kept session forgotten.\n"
    assert sim.stats.logouts == 1
    kept = json.loads(state_file(tmp_path).read_text())
    assert kept["session_token"] is None and kept["device_id"] == device
    watch = nubra(sim, "watch", "--json", "--count", "1", "--timeout", "10s")
    assert watch.returncode == 3
    assert "no kept session for UAT @" in watch.stderr
