"""`nubra doctor` against real loopback servers: the simulator, closed ports, a skewed clock."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import subprocess_env
from typer.testing import CliRunner, Result

from nubra_cli.auth import KeptSession, SessionStore
from nubra_cli.cli import app
from nubra_cli.doctor import ApiAnswer, Level, check_clock, shown_url
from nubra_cli.errors import ExitCode
from nubra_cli.sim import SimConfig, Simulator

PHONE = "9988776655"
SECRET = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"  # distinctive, valid base32
MPIN = "918273"
TOKENS = ("auth-tok-3f9a7c", "sess-tok-b81d22")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(api_port=0, ws_port=0)) as running:
        yield running


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUBRA_PHONE", PHONE)
    monkeypatch.setenv("NUBRA_TOTP_SECRET", SECRET.lower()[:16] + " " + SECRET[16:])
    monkeypatch.setenv("NUBRA_MPIN", MPIN)


@pytest.fixture
def at_sim(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    point_at(monkeypatch, sim.api_url, sim.ws_url)
    return sim


def point_at(monkeypatch: pytest.MonkeyPatch, api_url: str, ws_url: str) -> None:
    monkeypatch.setenv("NUBRA_API_URL", api_url)
    monkeypatch.setenv("NUBRA_WS_URL", ws_url)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def doctor(*args: str, charset: str = "utf-8") -> Result:
    result = CliRunner(charset=charset).invoke(app, ["doctor", "--timeout", "2", *args])
    assert_clean(result.output)
    return result


def assert_clean(output: str) -> None:
    """No secret, no token, no full phone number, no traceback: ever."""
    for secret in (SECRET, SECRET.lower()[:16], SECRET[16:], MPIN, PHONE, *TOKENS):
        assert secret not in output
    assert "Traceback" not in output


def line(result: Result, name: str) -> str:
    """The one output line of the named check."""
    found = [text for text in result.output.splitlines() if text[2:].startswith(name + "  ")]
    assert len(found) == 1, result.output
    return found[0]


def test_all_pass_against_the_simulator(at_sim: Simulator, creds: None) -> None:
    result = doctor()
    assert result.exit_code == ExitCode.OK, result.output
    assert result.output.startswith(f"Checking UAT: {at_sim.api_url}, {at_sim.ws_url}\n")
    assert line(result, "NUBRA_PHONE") == "✓ NUBRA_PHONE        ******6655"
    assert line(result, "NUBRA_TOTP_SECRET").startswith("✓ NUBRA_TOTP_SECRET  set, valid base32")
    assert line(result, "NUBRA_MPIN").startswith("✓ NUBRA_MPIN")
    assert line(result, "state dir").startswith("• state dir")
    assert "none kept for UAT" in line(result, "session")
    assert line(result, "API").startswith(f"✓ API                {at_sim.api_url} reachable (HTTP")
    assert line(result, "WebSocket").startswith(f"✓ WebSocket          {at_sim.ws_url} opened")
    assert line(result, "clock").startswith("✓ clock")
    assert result.output.endswith("All checks passed.\n")


def test_closed_port_fails_with_a_clear_line(creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    port = closed_port()
    point_at(monkeypatch, f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws")
    result = doctor()
    assert result.exit_code == ExitCode.ERROR, result.output
    api = line(result, "API")
    assert api.startswith(f"✗ API                http://127.0.0.1:{port}: connection refused  → ")
    assert "NUBRA_API_URL" in api
    assert f"ws://127.0.0.1:{port}/ws: connection refused" in line(result, "WebSocket")
    assert "not compared: the API did not answer" in line(result, "clock")
    assert result.output.endswith("2 checks failed.\n")


def test_silent_server_is_named_a_timeout(creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never answers
        port = silent.getsockname()[1]
        point_at(monkeypatch, f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws")
        result = doctor("--timeout", "0.3")
    assert result.exit_code == ExitCode.ERROR
    assert "no answer within 0.3 s (timeout)" in line(result, "API")
    assert "no answer within 0.3 s (timeout)" in line(result, "WebSocket")


def test_tls_to_plain_ports(sim: Simulator, creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, sim.api_url.replace("http:", "https:"), sim.ws_url.replace("ws:", "wss:"))
    result = doctor()
    assert result.exit_code == ExitCode.ERROR
    assert "TLS handshake failed" in line(result, "API")
    assert "TLS handshake failed" in line(result, "WebSocket")


def test_http_at_socket_url(sim: Simulator, creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, sim.api_url, sim.api_url.replace("http:", "ws:") + "/ws")
    assert "instead of opening a WebSocket" in line(doctor(), "WebSocket")


class SkewedDate(BaseHTTPRequestHandler):
    """Answers every GET with 404 and a Date header `skew` seconds off the real time."""

    skew = 0.0

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def date_time_string(self, timestamp: float | None = None) -> str:
        return formatdate(time.time() + self.skew, usegmt=True)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize(("skew", "way"), [(-300.0, "ahead of"), (300.0, "behind")])
def test_skewed_server_date_fails_the_clock(
    sim: Simulator, creds: None, monkeypatch: pytest.MonkeyPatch, skew: float, way: str
) -> None:
    handler = type("Skewed", (SkewedDate,), {"skew": skew})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        point_at(monkeypatch, f"http://127.0.0.1:{server.server_address[1]}", sim.ws_url)
        result = doctor()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert result.exit_code == ExitCode.ERROR, result.output
    assert "(HTTP 404 in" in line(result, "API")
    clock = line(result, "clock")
    assert clock.startswith("✗ clock")
    seconds = int(clock.split("this clock is ")[1].split(" s ")[0])
    assert 298 <= seconds <= 302
    assert f"s {way} the server's" in clock
    assert "TOTP codes will be rejected" in clock
    assert result.output.endswith("1 check failed.\n")


@pytest.mark.parametrize(
    ("date", "level", "words"),
    [
        (formatdate(1_000_000_000.0, usegmt=True), Level.OK, "0.5 s behind"),
        (formatdate(1_000_000_000.0 - 7, usegmt=True), Level.WARN, "6.5 s ahead of"),
        (None, Level.WARN, "no Date header"),
        ("yesterday-ish", Level.WARN, "unreadable"),
    ],
)
def test_clock_levels(date: str | None, level: Level, words: str) -> None:
    check = check_clock(ApiAnswer(404, date, 1_000_000_000.0, 1_000_000_000.0))
    assert check.level is level
    assert words in check.detail


def test_missing_credentials_fail(at_sim: Simulator) -> None:
    result = doctor()
    assert result.exit_code == ExitCode.ERROR
    assert line(result, "NUBRA_PHONE").startswith("✗ NUBRA_PHONE        not set (nor PHONE_NO)")
    assert line(result, "NUBRA_TOTP_SECRET").startswith("! NUBRA_TOTP_SECRET  not set  → ")
    assert line(result, "NUBRA_MPIN").startswith("✗ NUBRA_MPIN         not set (nor MPIN)")
    assert result.output.endswith("2 checks failed and 1 warning.\n")


def test_bad_totp_secret_fails_but_the_rest_is_still_checked(
    at_sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = "NOT-BASE32-189!"
    monkeypatch.setenv("NUBRA_TOTP_SECRET", bad)
    (Path.cwd() / ".env").write_text(f"NUBRA_PHONE={PHONE}\nNUBRA_MPIN={MPIN}\n")
    result = doctor()
    assert bad not in result.output
    assert result.exit_code == ExitCode.ERROR
    assert "not a base32 TOTP secret" in line(result, "NUBRA_TOTP_SECRET")
    assert line(result, "NUBRA_PHONE") == "✓ NUBRA_PHONE        ******6655"
    assert line(result, "NUBRA_MPIN").startswith("✓ NUBRA_MPIN")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("broken.env", "malformed .env file {path}: cannot parse line 2"),
        ("nowhere.env", "not found"),
    ],
)
def test_env_file_trouble_is_one_clear_line(
    at_sim: Simulator, tmp_path: Path, name: str, says: str
) -> None:
    path = tmp_path / name
    if name == "broken.env":
        path.write_text(f"NUBRA_PHONE={PHONE}\nNUBRA_MPIN='{MPIN}\nNUBRA_TOTP_SECRET={SECRET}\n")
    result = doctor("--env-file", str(path))
    assert result.exit_code == ExitCode.ERROR
    assert says.format(path=path) in line(result, "credentials")
    assert "NUBRA_PHONE" not in result.output  # the per-variable lines wait for a readable file


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize(
    "case", [("session file", "uat.json", 0o644, "0600"), ("state dir", "", 0o755, "0700")]
)
def test_state_private_passes_and_open_to_others_fails(
    at_sim: Simulator, creds: None, isolated_state: Path, case: tuple[str, str, int, str]
) -> None:
    name, target, mode, wanted = case
    SessionStore().save(KeptSession("uat", at_sim.api_url, "dev-1", *TOKENS, "2026-01-02T03:04"))
    path = isolated_state / target if target else isolated_state
    result = doctor()
    assert result.exit_code == ExitCode.OK, result.output
    assert line(result, name) == f"✓ {name.ljust(17)}  {path} ({wanted})"
    assert "kept for UAT since 2026-01-02T03:04" in line(result, "session")
    path.chmod(mode)
    result = doctor()
    assert result.exit_code == ExitCode.ERROR
    assert line(result, name) == (
        f"✗ {name.ljust(17)}  {path} is {mode:04o}, open to other users; it must be {wanted}"
        f"  → chmod {wanted[1:]} {path}"
    )


def test_prod_named_passwords_hidden(creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    port = closed_port()
    monkeypatch.setenv("NUBRA_API_URL", f"http://user:hunter2@127.0.0.1:{port}")
    result = doctor("--env", "PROD")
    assert result.output.startswith("Checking PROD (live account, real money): ")
    assert "hunter2" not in result.output
    assert shown_url("wss://u:p@host:9/ws") == "wss://host:9/ws"


def test_marks_and_colour(at_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    ascii_lines = doctor(charset="ascii").output.splitlines()
    hint = "-> set NUBRA_PHONE in the environment or in .env"
    assert f"XX NUBRA_PHONE        not set (nor PHONE_NO)  {hint}" in ascii_lines
    assert "\x1b[" not in doctor().output
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[31m\x1b[1m✗\x1b[0m NUBRA_PHONE" in doctor().output
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in doctor().output


def test_help_has_examples_and_the_module_imports_nothing_heavy() -> None:
    result = CliRunner().invoke(app, ["doctor", "--help"])
    assert result.exit_code == 0
    assert "Examples:\n    nubra doctor  " in result.output
    code = "import sys, nubra_cli.commands.doctor; print('httpx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_real_executable_exit_codes(sim: Simulator) -> None:
    """End to end through `main()`: 0 when all pass, 1 when one fails."""
    urls = {"NUBRA_API_URL": sim.api_url, "NUBRA_WS_URL": sim.ws_url}
    good = subprocess_env(**urls, NUBRA_PHONE=PHONE, NUBRA_TOTP_SECRET=SECRET, NUBRA_MPIN=MPIN)
    command = [sys.executable, "-m", "nubra_cli", "doctor", "--timeout", "2"]
    done = subprocess.run(command, env=good, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_clean(done.stdout + done.stderr)
    bad = dict(good, NUBRA_WS_URL=f"ws://127.0.0.1:{closed_port()}/ws")
    done = subprocess.run(command, env=bad, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "connection refused" in done.stdout
    assert done.stderr == ""
