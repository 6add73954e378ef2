"""`nubra logout` and `nubra status` on a seeded session store, in-process through `run()`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import nubra_cli.auth
from nubra_cli.auth import Credentials, KeptSession, SessionManager, SessionStore
from nubra_cli.cli import run
from nubra_cli.errors import ExitCode
from nubra_cli.settings import Endpoints

UAT = "https://uatapi.nubra.io"
CLEARED = (
    "NUBRA_PHONE NUBRA_TOTP_SECRET NUBRA_MPIN NUBRA_ENV NUBRA_API_URL NUBRA_WS_URL PHONE_NO MPIN"
)
KEPT = KeptSession(
    environment="uat",
    api_url=UAT,
    device_id="device-1",
    auth_token="auth-token-xyz",
    session_token="session-token-xyz",
    created_at="2024-05-01T03:00:00+00:00",
    renewed_at="2024-05-01T03:00:00+00:00",
    phone_hint="******6655",
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """State in tmp_path, no credentials from the real environment, cwd without a .env."""
    monkeypatch.setenv("NUBRA_HOME", str(tmp_path / "home"))
    for name in CLEARED.split():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def logout_answer(monkeypatch: pytest.MonkeyPatch) -> list[Callable[[], httpx.Response]]:
    """What the fake broker does on /logout; tests swap the one entry."""
    answers: list[Callable[[], httpx.Response]] = [lambda: httpx.Response(200)]
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.path == "/logout"
        assert request.headers["authorization"] == "Bearer auth-token-xyz"
        assert request.headers["x-device-id"] == "device-1"
        return answers[0]()

    real_open = nubra_cli.auth.open_session

    def open_with_fake(
        endpoints: Endpoints, credentials: Credentials, store: SessionStore | None
    ) -> SessionManager:
        return real_open(endpoints, credentials, store, transport=httpx.MockTransport(handle))

    monkeypatch.setattr(nubra_cli.auth, "open_session", open_with_fake)
    return answers


def nubra(*args: str) -> tuple[int, str, str]:
    """Run the CLI as `main()` would: exit code, stdout, stderr."""
    with CliRunner().isolation() as (out, err, _):
        code = run(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return int(code), out.getvalue().decode(), err.getvalue().decode()


def kept_json(tmp_path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((tmp_path / "home" / "uat.json").read_text())
    return data


def test_logout_tells_the_server_and_forgets(
    logout_answer: list[Callable[[], httpx.Response]], tmp_path: Path
) -> None:
    SessionStore().save(KEPT)
    code, out, err = nubra("logout")
    assert (code, out) == (ExitCode.OK, "")
    assert err == "Logged out of UAT; kept session forgotten.\n"
    kept = kept_json(tmp_path)
    assert kept["auth_token"] is None and kept["session_token"] is None
    assert kept["device_id"] == "device-1"
    code, _, err = nubra("logout")
    assert code == ExitCode.OK and "nothing to log out" in err


def test_logout_forgets_when_the_server_refuses(
    logout_answer: list[Callable[[], httpx.Response]],
) -> None:
    SessionStore().save(KEPT)
    logout_answer[0] = lambda: httpx.Response(401)
    code, _, err = nubra("logout")
    assert code == ExitCode.OK and "answered HTTP 401" in err
    assert SessionStore().load("uat", UAT) is None


def test_logout_forgets_when_the_server_is_down(
    logout_answer: list[Callable[[], httpx.Response]],
) -> None:
    SessionStore().save(KEPT)

    def down() -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    logout_answer[0] = down
    code, _, err = nubra("logout", "--env", "uat")
    assert code == ExitCode.OK
    assert err.startswith("Forgot the kept session for UAT; the server was not told: cannot")
    assert SessionStore().load("uat", UAT) is None


def test_status_with_nothing_kept_creates_nothing(tmp_path: Path) -> None:
    code, out, err = nubra("status")
    assert (code, err) == (ExitCode.OK, "")
    assert out.splitlines() == [
        "environment: UAT",
        f"api_url:     {UAT}",
        "ws_url:      wss://uatapi.nubra.io/ws",
        "session:     none; run `nubra login`",
        "device_id:   none yet (made at login)",
        f"state_file:  {tmp_path / 'home' / 'uat.json'}",
    ]
    assert not (tmp_path / "home").exists()


def test_status_shows_the_kept_session_never_a_token() -> None:
    SessionStore().save(KEPT)
    code, out, err = nubra("status")
    assert code == ExitCode.OK
    assert "session:     kept as ******6655 since 2024-05-01T03:00:00+00:00\n" in out
    assert "device_id:   device-1" in out
    assert "token-xyz" not in out + err


def test_status_of_prod_names_it_unmistakably() -> None:
    code, out, _ = nubra("status", "--env", "prod")
    assert code == ExitCode.OK
    assert out.startswith("environment: PROD (live account, real money)\napi_url:     https://api")


def test_status_ignores_a_session_kept_for_another_url(monkeypatch: pytest.MonkeyPatch) -> None:
    SessionStore().save(KEPT)
    monkeypatch.setenv("NUBRA_API_URL", "http://127.0.0.1:9")
    _, out, _ = nubra("status")
    assert "environment: UAT @ http://127.0.0.1:9" in out
    assert f"none for this URL (the kept one is for {UAT})" in out


def test_bad_env_is_a_usage_error() -> None:
    code, _, err = nubra("status", "--env", "staging")
    assert code == ExitCode.USAGE
    assert "choose one of uat, prod" in err
