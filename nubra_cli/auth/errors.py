"""Broker refusals and network failures, each as one line a trader can act on.

The server's own words are kept (short, printable, with any secret blanked out)
because "invalid totp" and "user not found" need different fixes.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
from collections.abc import Iterable
from typing import Final

import httpx

from nubra_cli.errors import AuthError, ServerError

REASON_LIMIT: Final = 120
_REASON_KEYS: Final = ("message", "error", "detail", "msg", "reason", "description")
_WHO: Final = r"(user|phone|account|mobile|number|client)"
_UNKNOWN_PHONE: Final = re.compile(
    rf"{_WHO}\b.{{0,40}}\b(not\s+(found|exists?|registered)|does\s*n[o']?t\s+exist)"
    rf"|\bno\s+(such\s+)?{_WHO}|\b(unknown|unregistered)\s+{_WHO}",
    re.IGNORECASE,
)
_INVALID_PHONE: Final = re.compile(
    r"\binvalid\s+(phone|mobile|user)|\b(phone|mobile)\b.{0,20}\binvalid", re.IGNORECASE
)
_MENTIONS_CODE: Final = re.compile(r"\b(t?otp|code)\b", re.IGNORECASE)
_TOTP_DISABLED: Final = re.compile(
    r"totp.{0,30}(not\s+(enabled|set\s*up|configured|active)|disabled)", re.IGNORECASE
)
_DNS_WORDS: Final = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo",
    "temporary failure in name resolution",
    "no address associated",
    "name resolution",
)
_TLS_WORDS: Final = ("ssl", "tls", "certificate", "handshake")


def endpoint_missing(status: int, text: str) -> bool:
    """A 404 that names no user or phone is a wrong base URL, not an unknown account."""
    return status in (404, 405) and not re.search(_WHO, text, re.IGNORECASE)


class AuthTokenExpired(AuthError):
    """`/verifypin` answered 401 or 440: the auth token is spent and TOTP must start over."""


def reason_text(text: str, hidden: Iterable[str] = ()) -> str:
    """The server's reason, short and printable, with every known secret blanked out."""
    reason = text.strip()
    try:
        data = json.loads(reason)
    except ValueError:
        data = None
    if isinstance(data, dict):
        reason = _first_message(data) or ""
    elif reason.startswith("<"):
        reason = ""  # an HTML error page from a proxy says nothing useful in one line
    reason = " ".join("".join(c if c.isprintable() else " " for c in reason).split())
    for secret in sorted((s for s in hidden if s and len(s) >= 3), key=len, reverse=True):
        reason = reason.replace(secret, "***")
    if len(reason) > REASON_LIMIT:
        reason = reason[: REASON_LIMIT - 1].rstrip() + "…"
    return reason


def _first_message(data: dict[str, object]) -> str | None:
    for key in _REASON_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, dict):
            nested = _first_message(value)
            if nested:
                return nested
    inner = data.get("data")
    return _first_message(inner) if isinstance(inner, dict) else None


def totp_refusal(
    status: int, text: str, phone: str, typed: bool, hidden: Iterable[str]
) -> AuthError:
    """Tell an unknown phone, TOTP not enabled and a wrong code apart from status and text."""
    from nubra_cli.auth.credentials import mask_phone

    reason = reason_text(text, hidden)
    said = f"HTTP {status}: {reason}" if reason else f"HTTP {status}"
    raw = " ".join(text.split())
    if status == 429:
        return AuthError(f"too many login attempts ({said}): wait a minute before trying again")
    if _TOTP_DISABLED.search(raw):
        return AuthError(
            f"TOTP login is not enabled for {mask_phone(phone)} ({said}): "
            "enable TOTP in the Nubra app first"
        )
    weak = _INVALID_PHONE.search(raw) and not _MENTIONS_CODE.search(raw)
    if status == 404 or _UNKNOWN_PHONE.search(raw) or weak:
        return AuthError(
            f"unknown phone {mask_phone(phone)} ({said}): check NUBRA_PHONE "
            "(the number registered with Nubra, digits only)"
        )
    hint = (
        "check the code in your authenticator app and retry (codes change every 30 s)"
        if typed
        else "check this device's clock and NUBRA_TOTP_SECRET"
    )
    return AuthError(f"TOTP code rejected ({said}): {hint}")


def transport_failure(
    error: httpx.TransportError, host: str, what: str, timeout: float
) -> ServerError:
    """Timeout, DNS, TLS or refused connection, named as such instead of an httpx traceback."""
    if isinstance(error, httpx.TimeoutException):
        return ServerError(f"{host} did not answer {what} within {timeout:g} s (timeout)")
    chain = list(_causes(error))
    words = " ".join(str(link) for link in chain).lower()
    if any(isinstance(link, socket.gaierror) for link in chain) or any(
        word in words for word in _DNS_WORDS
    ):
        return ServerError(f"cannot resolve {host} (DNS failure): check the URL and the network")
    if any(isinstance(link, ssl.SSLError) for link in chain) or any(
        word in words for word in _TLS_WORDS
    ):
        detail = "certificate verify failed" if "certificate" in words else "handshake failed"
        return ServerError(
            f"TLS failure talking to {host} ({detail}): check the URL, the system clock, "
            "and any proxy that intercepts HTTPS"
        )
    if isinstance(error, httpx.ConnectError):
        return ServerError(
            f"cannot connect to {host} for {what}: {_short(str(error)) or 'refused'}"
        )
    return ServerError(f"connection to {host} failed during {what} ({type(error).__name__})")


def _causes(error: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"
