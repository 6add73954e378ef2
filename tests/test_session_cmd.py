"""`nubra login` run in-process through the real exit-code wrapper, against a fake broker."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
import pytest
from typer.testing import CliRunner

import nubra_cli.auth
from nubra_cli.auth import Credentials, SessionManager, SessionStore
from nubra_cli.cli import app, run
from nubra_cli.commands import session as session_cmd
from nubra_cli.errors import ExitCode
from nubra_cli.settings import Endpoints

PHONE = "9988776655"
MPIN = "4321"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CLEARED = (
    "NUBRA_PHONE NUBRA_TOTP_SECRET NUBRA_MPIN NUBRA_ENV NUBRA_API_URL NUBRA_WS_URL PHONE_NO MPIN"
)
SECRETS = (PHONE, MPIN, SECRET)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Broker:
    """Just enough of protocol §2 for the commands; `canned` overrides an endpoint's answer."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.canned: dict[str, Callable[[], httpx.Response]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append(path)
        if path in self.canned:
            return self.canned[path]()
        body = json.loads(request.content or b"{}")
        if path == "/totp/login":
            if not pyotp.TOTP(SECRET).verify(f"{body['totp']:06d}", valid_window=1):
                return httpx.Response(401, json={"message": "Invalid TOTP"})
            return httpx.Response(201, json={"auth_token": "auth-token-xyz"})
        if path == "/verifypin":
            if body["pin"] != MPIN:
                return httpx.Response(400, json={"message": "Invalid MPIN"})
            return httpx.Response(200, json={"data": {"token": "session-token-xyz"}})
        return httpx.Response(200 if path == "/logout" else 404)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """State in tmp_path, no credentials from the real environment, cwd without a .env."""
    monkeypatch.setenv("NUBRA_HOME", str(tmp_path / "home"))
    for name in CLEARED.split():
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(session_cmd, "stdin_is_terminal", lambda: False)


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    """Route every login request of the commands to a fake broker."""
    fake = Broker()
    real_open = nubra_cli.auth.open_session

    def open_with_fake(
        endpoints: Endpoints, credentials: Credentials, store: SessionStore | None
    ) -> SessionManager:
        return real_open(endpoints, credentials, store, transport=httpx.MockTransport(fake))

    monkeypatch.setattr(nubra_cli.auth, "open_session", open_with_fake)
    return fake


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUBRA_PHONE", PHONE)
    monkeypatch.setenv("NUBRA_TOTP_SECRET", SECRET)
    monkeypatch.setenv("NUBRA_MPIN", MPIN)


def nubra(*args: str, input: str | None = None) -> Outcome:
    """Run the CLI as `main()` would, capturing its streams; tracebacks would fail the test."""
    with CliRunner().isolation(input=input) as (out, err, _):
        code = run(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return Outcome(int(code), out.getvalue().decode(), err.getvalue().decode())


def fails(error: Exception) -> Callable[[], httpx.Response]:
    def answer() -> httpx.Response:
        raise error

    return answer


def assert_clean(outcome: Outcome) -> None:
    for secret in SECRETS:
        assert secret not in outcome.output
    assert "Traceback" not in outcome.output
    assert "token-xyz" not in outcome.output


def state_file(tmp_path: Path, env: str = "uat") -> Path:
    return tmp_path / "home" / f"{env}.json"


@pytest.mark.parametrize("command", ["login", "logout", "status"])
def test_help_has_an_example(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"nubra {command}" in result.output


def test_session_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, nubra_cli.commands.session as s; "
        "print(sorted(m for m in ('httpx', 'pyotp', 'nubra_cli.auth') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_login_from_environment(broker: Broker, creds: None, tmp_path: Path) -> None:
    done = nubra("login")
    assert done.code == ExitCode.OK, done.output
    path = state_file(tmp_path)
    assert done.stderr.strip() == f"Logged in to UAT as ******6655; session kept in {path}"
    assert done.stdout == ""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert SECRET not in text and f'"{MPIN}"' not in text and PHONE not in text
    assert broker.calls == ["/totp/login", "/verifypin"]
    assert_clean(done)


def test_login_from_dotenv_and_env_file(broker: Broker, tmp_path: Path) -> None:
    Path(".env").write_text(f"PHONE_NO={PHONE}\nNUBRA_TOTP_SECRET={SECRET}\nMPIN={MPIN}\n")
    assert nubra("login").code == ExitCode.OK
    other = tmp_path / "creds.env"
    Path(".env").rename(other)
    assert nubra("login", "--env-file", str(other)).code == ExitCode.OK


def test_login_to_prod_is_unmistakable(broker: Broker, creds: None, tmp_path: Path) -> None:
    done = nubra("login", "--env", "PROD")
    assert done.code == ExitCode.OK
    assert "PROD (live account, real money)" in done.stderr
    assert state_file(tmp_path, "prod").exists()


def test_login_with_a_typed_code(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUBRA_PHONE", PHONE)
    monkeypatch.setenv("MPIN", MPIN)
    code = pyotp.TOTP(SECRET).now()
    done = nubra("login", "--totp", code)
    assert done.code == ExitCode.OK, done.output
    assert code not in done.output


@pytest.mark.parametrize("args", [("--totp", "12345"), ("--totp", "abcdef"), ("--env", "staging")])
def test_bad_options_are_usage_errors(broker: Broker, args: tuple[str, ...]) -> None:
    done = nubra("login", *args)
    assert done.code == ExitCode.USAGE
    assert broker.calls == []


def test_missing_credentials_without_a_terminal_name_the_variable(broker: Broker) -> None:
    done = nubra("login")
    assert done.code == ExitCode.ERROR
    assert "NUBRA_PHONE (or PHONE_NO), NUBRA_TOTP_SECRET, NUBRA_MPIN (or MPIN) not set" in (
        done.stderr
    )
    assert "--totp CODE" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_missing_credentials_are_prompted_on_a_terminal(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_cmd, "stdin_is_terminal", lambda: True)
    code = pyotp.TOTP(SECRET).now()
    done = nubra("login", input=f"{PHONE}\n{code}\n{MPIN}\n")
    assert done.code == ExitCode.OK, done.output
    assert "Phone number" in done.stderr and "MPIN" in done.stderr
    for hidden in (code, MPIN):
        assert hidden not in done.output


def test_prompted_secret_is_hidden_and_checked(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_cmd, "stdin_is_terminal", lambda: True)
    monkeypatch.setenv("NUBRA_PHONE", PHONE)
    monkeypatch.setenv("NUBRA_MPIN", MPIN)
    done = nubra("login", input=f"{SECRET.lower()}\n")
    assert done.code == ExitCode.OK, done.output
    assert_clean(done)
    bad = nubra("login", input="not a secret!\n")
    assert bad.code == ExitCode.ERROR
    assert "not a base32 TOTP secret" in bad.stderr


def test_wrong_totp_code_is_an_auth_failure(broker: Broker, creds: None) -> None:
    broker.canned["/totp/login"] = lambda: httpx.Response(401, json={"message": "Invalid TOTP"})
    done = nubra("login")
    assert done.code == ExitCode.AUTH
    assert done.stderr.startswith("nubra: error: TOTP code rejected (HTTP 401: Invalid TOTP)")
    assert "clock" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert_clean(done)


def test_wrong_mpin_is_an_auth_failure(broker: Broker, creds: None, tmp_path: Path) -> None:
    broker.canned["/verifypin"] = lambda: httpx.Response(403, json={"message": "Wrong MPIN"})
    done = nubra("login")
    assert done.code == ExitCode.AUTH
    assert "MPIN rejected" in done.stderr
    assert_clean(done)
    assert SessionStore().load("uat", "https://uatapi.nubra.io") is None


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (lambda: httpx.Response(503, text="maintenance"), "HTTP 503: maintenance"),
        (fails(httpx.ConnectTimeout("slow")), "timeout"),
        (fails(httpx.ConnectError("getaddrinfo failed")), "DNS"),
        (fails(httpx.ConnectError("[SSL] certificate")), "TLS"),
    ],
)
def test_server_and_network_failures(
    broker: Broker, creds: None, answer: Callable[[], httpx.Response], expected: str
) -> None:
    broker.canned["/totp/login"] = answer
    done = nubra("login")
    assert done.code == ExitCode.ERROR
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert_clean(done)


@pytest.mark.parametrize(
    ("dotenv", "expected"),
    [
        ("NUBRA_PHONE=1\ngarbage here\n", "malformed .env file"),
        (
            f"NUBRA_PHONE={PHONE}\nNUBRA_TOTP_SECRET=not-base32!\nNUBRA_MPIN={MPIN}\n",
            "NUBRA_TOTP_SECRET is not a base32 TOTP secret",
        ),
    ],
)
def test_config_errors(broker: Broker, dotenv: str, expected: str) -> None:
    Path(".env").write_text(dotenv)
    done = nubra("login")
    assert done.code == ExitCode.ERROR
    assert expected in done.stderr
    assert broker.calls == []
    assert_clean(done)
