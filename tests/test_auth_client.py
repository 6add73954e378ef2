"""Every answer of protocol §2, and every way the network fails, through `httpx.MockTransport`."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from nubra_cli import __version__
from nubra_cli.auth import AuthTokenExpired, LoginClient
from nubra_cli.auth.errors import reason_text
from nubra_cli.errors import AuthError, ExitCode, ServerError

API = "https://uatapi.nubra.io"
PHONE = "9876543210"
MPIN = "4321"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CLEARED = (
    "NUBRA_PHONE NUBRA_TOTP_SECRET NUBRA_MPIN NUBRA_ENV NUBRA_API_URL NUBRA_WS_URL PHONE_NO MPIN"
)

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """State goes to tmp_path, and no credential leaks in from the real environment."""
    monkeypatch.setenv("NUBRA_HOME", str(tmp_path))
    for name in CLEARED.split():
        monkeypatch.delenv(name, raising=False)


def client(handler: Handler) -> LoginClient:
    return LoginClient(API, "device-1", transport=httpx.MockTransport(handler))


def answer(status: int, body: object = None, text: str | None = None) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text)
        return httpx.Response(status, json=body)

    return handle


def raising(error: Exception) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        raise error

    return handle


def login(handler: Handler, *, typed: bool = False) -> str:
    with client(handler) as c:
        return c.totp_login(PHONE, "012345", typed=typed, secrets=(SECRET, MPIN))


def verify(handler: Handler) -> str:
    with client(handler) as c:
        return c.verify_pin("auth-token", MPIN, secrets=(SECRET,))


def test_totp_login_request_shape_and_201() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"auth_token": "auth-1"})

    assert login(handle) == "auth-1"
    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == f"{API}/totp/login"
    assert json.loads(request.content) == {"phone": PHONE, "totp": 12345, "otp": ""}
    assert request.headers["x-device-id"] == "device-1"
    assert request.headers["cookie"] == "deviceId=device-1"
    assert request.headers["x-device-os"]
    assert request.headers["x-app-version"] == f"nubra/{__version__}"
    assert request.headers["content-type"] == "application/json"


def test_client_has_timeouts_and_verifies_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[dict[str, object]] = []
    real_init = httpx.Client.__init__

    def spy(self: httpx.Client, **kwargs: object) -> None:
        made.append(kwargs)
        real_init(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.Client, "__init__", spy)
    LoginClient(API, "device-1").close()
    [kwargs] = made
    assert kwargs["verify"] is True
    timeout = kwargs["timeout"]
    assert isinstance(timeout, httpx.Timeout)
    assert None not in (timeout.connect, timeout.read, timeout.write, timeout.pool)


@pytest.mark.parametrize("status", [200, 202])
def test_totp_login_other_success_codes_are_failures(status: int) -> None:
    with pytest.raises(AuthError, match=f"HTTP {status}"):
        login(answer(status, {"auth_token": "a"}))


def test_totp_login_201_without_token_is_a_server_error() -> None:
    with pytest.raises(ServerError, match="sent no auth token"):
        login(answer(201, text="ok"))


@pytest.mark.parametrize(
    ("typed", "hint"),
    [(False, "clock and NUBRA_TOTP_SECRET"), (True, "authenticator app")],
)
def test_wrong_totp_code(typed: bool, hint: str) -> None:
    with pytest.raises(AuthError, match=f"TOTP code rejected .*Invalid TOTP.*{hint}") as caught:
        login(answer(400, {"message": "Invalid TOTP"}), typed=typed)
    assert caught.value.exit_code == ExitCode.AUTH


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"message": "User not found"}),
        (404, {"error": "phone number not registered"}),
        (400, {"detail": "No such user"}),
        (422, {"message": "Invalid phone number"}),
        (400, "unknown user"),
    ],
)
def test_unknown_phone(status: int, body: object) -> None:
    handler = answer(status, text=body) if isinstance(body, str) else answer(status, body)
    with pytest.raises(AuthError, match=r"unknown phone \*+3210 .*check NUBRA_PHONE") as caught:
        login(handler)
    assert PHONE not in str(caught.value)


def test_totp_not_enabled() -> None:
    with pytest.raises(AuthError, match="TOTP login is not enabled for \\*+3210"):
        login(answer(400, {"message": "TOTP is not enabled for this user"}))


def test_too_many_attempts() -> None:
    with pytest.raises(AuthError, match="too many login attempts"):
        login(answer(429, {"message": "slow down"}))


def test_missing_endpoint_points_at_the_url() -> None:
    with pytest.raises(ServerError, match="no /totp/login endpoint .*NUBRA_API_URL"):
        login(answer(404, text="<html>Not Found</html>"))


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_fault_on_login(status: int) -> None:
    with pytest.raises(ServerError, match=f"failed during the TOTP login \\(HTTP {status}") as e:
        login(answer(status, text="upstream exploded"))
    assert e.value.exit_code == ExitCode.ERROR


def test_verify_pin_request_shape_and_session_token() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"session_token": "session-1"})

    assert verify(handle) == "session-1"
    [request] = seen
    assert str(request.url) == f"{API}/verifypin"
    assert request.headers["authorization"] == "Bearer auth-token"
    assert request.headers["x-device-id"] == "device-1"
    assert json.loads(request.content) == {"pin": MPIN}


def test_verify_pin_data_token_form() -> None:
    assert verify(answer(200, {"data": {"token": "session-2"}})) == "session-2"


def test_verify_pin_200_without_token_is_a_server_error() -> None:
    with pytest.raises(ServerError, match="sent no session token"):
        verify(answer(200, {"data": {}}))


@pytest.mark.parametrize("status", [401, 440])
def test_expired_auth_token(status: int) -> None:
    with pytest.raises(AuthTokenExpired, match=f"auth token has expired \\(HTTP {status}") as e:
        verify(answer(status, {"message": "token expired"}))
    assert e.value.exit_code == ExitCode.AUTH


@pytest.mark.parametrize("status", [400, 403])
def test_wrong_mpin(status: int) -> None:
    with pytest.raises(AuthError, match="MPIN rejected .*Invalid pin.*check NUBRA_MPIN") as e:
        verify(answer(status, {"message": "Invalid pin"}))
    assert not isinstance(e.value, AuthTokenExpired)
    assert MPIN not in str(e.value)


def test_server_fault_on_verify_pin() -> None:
    with pytest.raises(ServerError, match="failed during the MPIN check \\(HTTP 503"):
        verify(answer(503, text=""))


@pytest.mark.parametrize("status", [200, 401])
def test_logout_reports_the_status(status: int) -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status)

    with client(handle) as c:
        assert c.logout("auth-token") == status
    assert str(seen[0].url) == f"{API}/logout"
    assert seen[0].headers["authorization"] == "Bearer auth-token"
    assert seen[0].headers["x-device-id"] == "device-1"


def connect_error(message: str, cause: BaseException | None = None) -> httpx.ConnectError:
    error = httpx.ConnectError(message)
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectTimeout("timed out"), "did not answer the TOTP login within 10 s"),
        (httpx.ReadTimeout("timed out"), r"\(timeout\)"),
        (connect_error("[Errno -2] Name or service not known"), "cannot resolve uatapi"),
        (connect_error("failed", socket.gaierror(-3, "Temporary failure")), "DNS failure"),
        (
            connect_error("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
            "TLS failure talking to uatapi.nubra.io \\(certificate verify failed\\)",
        ),
        (connect_error("boom", ssl.SSLError(1, "WRONG_VERSION_NUMBER")), "TLS failure"),
        (connect_error("[Errno 111] Connection refused"), "cannot connect to .*refused"),
        (httpx.RemoteProtocolError("peer closed"), "connection to .* failed"),
    ],
)
def test_transport_failures_are_one_line_server_errors(
    error: httpx.TransportError, expected: str
) -> None:
    with pytest.raises(ServerError, match=expected) as caught:
        login(raising(error))
    assert "\n" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_reason_is_short_printable_and_without_secrets() -> None:
    long = "x" * 500
    assert len(reason_text(long)) == 120
    assert reason_text("bad\x1b[31m\nthing\t here") == "bad [31m thing here"
    said = reason_text(json.dumps({"message": f"pin {MPIN} wrong for {SECRET}"}), (MPIN, SECRET))
    assert said == "pin *** wrong for ***"
    assert reason_text("<html><body>502</body></html>") == ""
    assert reason_text(json.dumps({"data": {"error": {"message": "deep"}}})) == "deep"
    assert reason_text("") == ""


def test_secrets_never_reach_error_messages() -> None:
    body = {"message": f"Invalid TOTP 012345 for {PHONE} pin {MPIN} secret {SECRET}"}
    with pytest.raises(AuthError) as caught:
        login(answer(400, body))
    message = str(caught.value)
    for secret in (PHONE, MPIN, SECRET, "012345"):
        assert secret not in message
