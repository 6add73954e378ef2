"""The three login endpoints of protocol §2 over httpx, each failure turned into one clear line.

Every broker answer and transport failure becomes an `AuthError` (the broker
said no) or a `ServerError` (it could not answer), so commands and the stream
never see an httpx exception or a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from nubra_cli import __version__
from nubra_cli.auth.errors import (
    AuthTokenExpired,
    endpoint_missing,
    reason_text,
    totp_refusal,
    transport_failure,
)
from nubra_cli.errors import AuthError, ServerError

TIMEOUT_SECONDS: Final = 10.0
# The broker knows its SDK's clients as device OS "sdk"; a programmatic client is what we are.
DEVICE_OS: Final = "sdk"


class LoginClient:
    """One HTTP client for one environment and device id; use it in a `with` block."""

    def __init__(
        self,
        api_url: str,
        device_id: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.host = urlsplit(self.api_url).netloc or self.api_url
        self.timeout = timeout
        self._client = httpx.Client(
            base_url=self.api_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            verify=True,
            follow_redirects=False,
            headers={
                "x-device-id": device_id,
                "Cookie": f"deviceId={device_id}",
                "x-device-os": DEVICE_OS,
                "x-app-version": f"nubra/{__version__}",
                "Accept": "application/json",
            },
        )

    def __enter__(self) -> LoginClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def totp_login(self, phone: str, code: str, *, typed: bool, secrets: Iterable[str]) -> str:
        """Step 1: phone and TOTP code for an auth token (201 `{"auth_token"}`)."""
        response = self._post(
            "/totp/login", "the TOTP login", json={"phone": phone, "totp": int(code), "otp": ""}
        )
        hidden = (phone, code, *secrets)
        if response.status_code != 201:
            self._raise_for_server_fault(response, "the TOTP login", hidden, "/totp/login")
            raise totp_refusal(response.status_code, response.text, phone, typed, hidden)
        token = _string_at(_json(response), ("auth_token",), ("data", "auth_token"))
        if token is None:
            raise ServerError(f"{self.host} accepted the TOTP login but sent no auth token")
        return token

    def verify_pin(self, auth_token: str, mpin: str, *, secrets: Iterable[str] = ()) -> str:
        """Step 2: auth token and MPIN for a session token; AuthTokenExpired on 401/440."""
        response = self._post(
            "/verifypin",
            "the MPIN check",
            json={"pin": mpin},
            headers={"Authorization": f"Bearer {auth_token}"},
        )
        hidden = (auth_token, mpin, *secrets)
        if response.status_code in (401, 440):
            raise AuthTokenExpired(
                "the kept auth token has expired (HTTP "
                f"{response.status_code}{_said(response.text, hidden)}): log in again with TOTP"
            )
        if response.status_code != 200:
            self._raise_for_server_fault(response, "the MPIN check", hidden, "/verifypin")
            raise AuthError(
                f"MPIN rejected (HTTP {response.status_code}{_said(response.text, hidden)}): "
                "check NUBRA_MPIN"
            )
        token = _string_at(_json(response), ("session_token",), ("data", "token"))
        if token is None:
            raise ServerError(f"{self.host} accepted the MPIN but sent no session token")
        return token

    def logout(self, auth_token: str) -> int:
        """Step 4: ask the server to forget the session; returns its status (200 = forgotten)."""
        response = self._post(
            "/logout", "the logout", headers={"Authorization": f"Bearer {auth_token}"}
        )
        return response.status_code

    def _post(
        self,
        path: str,
        what: str,
        *,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            return self._client.post(path, json=json, headers=headers)
        except httpx.TransportError as error:
            raise transport_failure(error, self.host, what, self.timeout) from None

    def _raise_for_server_fault(
        self, response: httpx.Response, what: str, hidden: Iterable[str], path: str
    ) -> None:
        """5xx, redirects and a missing endpoint are the server's (or the URL's) fault, not ours."""
        status = response.status_code
        if endpoint_missing(status, response.text):
            raise ServerError(
                f"{self.host} has no {path} endpoint (HTTP {status}): check NUBRA_API_URL"
            )
        if status >= 500 or 300 <= status < 400:
            raise ServerError(
                f"{self.host} failed during {what} (HTTP {status}"
                f"{_said(response.text, hidden)}): try again later"
            )


def _said(text: str, hidden: Iterable[str]) -> str:
    reason = reason_text(text, hidden)
    return f": {reason}" if reason else ""


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _string_at(data: Any, *paths: tuple[str, ...]) -> str | None:
    """The first non-empty string found at one of the key paths of a JSON object."""
    for path in paths:
        node = data
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str) and node:
            return node
    return None
