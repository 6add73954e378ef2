"""The login endpoints of protocol.md §2 (TOTP, then MPIN, and logout) served on loopback.

The routes are plain methods of `LoginApp` returning (status, body), so the
rules can be tested without HTTP; `LoginServer` puts them behind the stdlib
threading HTTP server, because the WebSocket library only serves GET.
"""

from __future__ import annotations

import hmac
import json
import secrets
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pyotp

from nubra_cli.sim.config import SimConfig, StatsRecorder

Reply = tuple[int, dict[str, Any]]

#: Request bodies above this size are refused: real ones are under 100 bytes.
_MAX_BODY_BYTES = 64 * 1024


class TokenBook:
    """Every auth and session token the simulator has issued and still honours."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._auth: set[str] = set()
        #: session token -> the auth token that minted it
        self._sessions: dict[str, str] = {}

    def issue_auth(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._auth.add(token)
        return token

    def issue_session(self, auth_token: str) -> str | None:
        """A new session token, or None when the auth token is unknown or expired."""
        with self._lock:
            if auth_token not in self._auth:
                return None
            token = secrets.token_urlsafe(32)
            self._sessions[token] = auth_token
            return token

    def auth_valid(self, token: str) -> bool:
        with self._lock:
            return token in self._auth

    def session_valid(self, token: str) -> bool:
        with self._lock:
            return token in self._sessions

    def expire_sessions(self) -> None:
        with self._lock:
            self._sessions.clear()

    def expire_auth(self) -> None:
        """Auth tokens go, and the sessions they minted with them."""
        with self._lock:
            self._auth.clear()
            self._sessions.clear()

    def logout(self, auth_token: str) -> set[str] | None:
        """Forget an auth token; the session tokens it minted, or None if it was unknown."""
        with self._lock:
            if auth_token not in self._auth:
                return None
            self._auth.discard(auth_token)
            revoked = {s for s, a in self._sessions.items() if a == auth_token}
            for session in revoked:
                del self._sessions[session]
            return revoked


def _message(status: HTTPStatus, text: str) -> Reply:
    return status, {"message": text}


def _totp_code(value: object) -> str | None:
    """The code as six digits: it arrives as a JSON number, so leading zeros are gone."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value <= 999_999:
        return f"{value:06d}"
    if isinstance(value, str) and value.isdigit() and len(value) <= 6:
        return value.zfill(6)
    return None


class LoginApp:
    """The rules of the three login routes, for the one account the simulator knows."""

    def __init__(
        self,
        config: SimConfig,
        tokens: TokenBook,
        stats: StatsRecorder,
        on_revoke: Callable[[set[str]], None] = lambda tokens: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._totp = pyotp.TOTP(config.totp_secret)
        self._tokens = tokens
        self._stats = stats
        self._on_revoke = on_revoke
        self._clock = clock

    def totp_login(self, body: dict[str, Any]) -> Reply:
        phone = body.get("phone")
        if not isinstance(phone, str) or not phone.strip():
            return _message(HTTPStatus.BAD_REQUEST, "phone is required")
        code = _totp_code(body.get("totp"))
        if code is None:
            return _message(HTTPStatus.BAD_REQUEST, "totp must be a 6-digit number")
        if not hmac.compare_digest(phone.strip().encode(), self._config.phone.encode()):
            return _message(HTTPStatus.NOT_FOUND, "no account is registered with this phone")
        if not self._totp.verify(code, for_time=self._clock(), valid_window=1):
            return _message(HTTPStatus.UNAUTHORIZED, "invalid TOTP code")
        self._stats.add("logins")
        return HTTPStatus.CREATED, {"auth_token": self._tokens.issue_auth()}

    def verify_pin(self, bearer: str | None, body: dict[str, Any]) -> Reply:
        if not bearer or not self._tokens.auth_valid(bearer):
            return _message(HTTPStatus.UNAUTHORIZED, "auth token is invalid or expired")
        pin = body.get("pin")
        if not isinstance(pin, str) or not pin:
            return _message(HTTPStatus.BAD_REQUEST, "pin is required")
        if not hmac.compare_digest(pin.encode(), self._config.mpin.encode()):
            return _message(HTTPStatus.FORBIDDEN, "invalid MPIN")
        session = self._tokens.issue_session(bearer)
        if session is None:  # expired between the two checks
            return _message(HTTPStatus.UNAUTHORIZED, "auth token is invalid or expired")
        self._stats.add("verifypins")
        return HTTPStatus.OK, {"session_token": session}

    def logout(self, bearer: str | None) -> Reply:
        revoked = self._tokens.logout(bearer) if bearer else None
        if revoked is None:
            return _message(HTTPStatus.UNAUTHORIZED, "auth token is invalid or expired")
        self._stats.add("logouts")
        if revoked:
            self._on_revoke(revoked)
        return _message(HTTPStatus.OK, "logged out")


class LoginServer(ThreadingHTTPServer):
    """The HTTP listener; skips the reverse DNS lookup `HTTPServer` does on bind."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: LoginApp) -> None:
        self.app = app
        super().__init__(address, _LoginHandler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], address: Any
    ) -> None:
        """A client that went away mid-request is not worth a traceback on stderr."""


class _LoginHandler(BaseHTTPRequestHandler):
    server: LoginServer
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        if path not in ("/totp/login", "/verifypin", "/logout"):
            self._reply(*_message(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}"))
            return
        if not self.headers.get("x-device-id", "").strip():
            self._reply(*_message(HTTPStatus.BAD_REQUEST, "the x-device-id header is required"))
            return
        body = self._json_body()
        if body is None:
            self._reply(*_message(HTTPStatus.BAD_REQUEST, "the body must be a JSON object"))
            return
        app = self.server.app
        if path == "/totp/login":
            self._reply(*app.totp_login(body))
        elif path == "/verifypin":
            self._reply(*app.verify_pin(self._bearer(), body))
        else:
            self._reply(*app.logout(self._bearer()))

    def do_GET(self) -> None:
        self._reply(*_message(HTTPStatus.METHOD_NOT_ALLOWED, "use POST"))

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _bearer(self) -> str | None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def _json_body(self) -> dict[str, Any] | None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return None
        if not 0 <= length <= _MAX_BODY_BYTES:
            return None
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():  # /logout carries no body; the other routes then miss fields
            return {}
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return body if isinstance(body, dict) else None

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: library code prints nothing, and request lines could carry tokens."""
