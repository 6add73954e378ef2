"""The checks behind `nubra doctor`: what a login and a stream need, each turned into one verdict.

Every check returns `Check` values and never prints, so the command decides how
they look and tests read them directly. No check ever puts a TOTP secret, an
MPIN, a token or a full phone number into a `Check`.
"""

from __future__ import annotations

import os
import socket
import ssl
import stat
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import IntEnum
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from nubra_cli.auth import SessionStore, load_credentials, mask_phone
from nubra_cli.auth.store import DIR_MODE, FILE_MODE
from nubra_cli.errors import ConfigError
from nubra_cli.settings import ENVIRONMENTS, Endpoints

#: Seconds each network probe may take: long enough for a slow link, short enough to wait for.
DEFAULT_TIMEOUT: Final = 5.0
#: Clock skew (seconds) beyond which TOTP codes are rejected outright, and where some start to be.
SKEW_FAIL: Final = 10.0
SKEW_WARN: Final = 5.0

#: A valid base32 stand-in, used only to read the other credentials past a malformed secret.
_PLACEHOLDER_SECRET: Final = "A" * 32


class Level(IntEnum):
    """How a check came out, in rising order of trouble; only FAIL makes the doctor exit 1."""

    OK = 0
    INFO = 1
    WARN = 2
    FAIL = 3


@dataclass(frozen=True)
class Check:
    """One verdict: what was checked, how it came out, what was seen, and what to do."""

    name: str
    level: Level
    detail: str
    hint: str = ""


@dataclass(frozen=True)
class ApiAnswer:
    """The API's answer to the probe, kept for the clock check: its Date and when it came."""

    status: int
    date: str | None
    sent_at: float
    received_at: float


def run_checks(
    endpoints: Endpoints,
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    store: SessionStore | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Check]:
    """Every check, in the order a person would fix things: credentials, files, network, clock."""
    checks = check_credentials(env_file, environ)
    checks += check_state(endpoints, store if store is not None else SessionStore())
    api, answer = check_api(endpoints.api_url, timeout)
    checks += [api, check_websocket(endpoints.ws_url, timeout), check_clock(answer)]
    return checks


def check_credentials(env_file: Path | None, environ: Mapping[str, str] | None) -> list[Check]:
    """Phone (masked), TOTP secret (valid base32) and MPIN present; values never shown."""
    environ = os.environ if environ is None else environ
    secret_problem = None
    try:
        credentials = load_credentials(env_file=env_file, environ=environ)
    except ConfigError as error:
        try:  # was it only the secret? read the rest with a valid stand-in in front of it
            stand_in = {**environ, "NUBRA_TOTP_SECRET": _PLACEHOLDER_SECRET}
            credentials = load_credentials(env_file=env_file, environ=stand_in)
        except ConfigError:
            if env_file is not None and not env_file.is_file():
                hint = "check the --env-file path"
            else:
                hint = "fix that line (NAME=value), or point --env-file at another file"
            return [Check("credentials", Level.FAIL, str(error), hint)]
        secret_problem = str(error)
    checks = []
    if credentials.phone:
        checks.append(Check("NUBRA_PHONE", Level.OK, mask_phone(credentials.phone)))
    else:
        checks.append(_missing("NUBRA_PHONE", "PHONE_NO"))
    if secret_problem is not None:
        detail = secret_problem.removeprefix("NUBRA_TOTP_SECRET is ")
        hint = "copy the secret again from Nubra's TOTP set-up"
        checks.append(Check("NUBRA_TOTP_SECRET", Level.FAIL, detail, hint))
    elif credentials.totp_secret:
        checks.append(Check("NUBRA_TOTP_SECRET", Level.OK, "set, valid base32 (never shown)"))
    else:
        hint = "`nubra login --totp CODE` works without it; `nubra watch` cannot log in by itself"
        checks.append(Check("NUBRA_TOTP_SECRET", Level.WARN, "not set", hint))
    if credentials.mpin:
        checks.append(Check("NUBRA_MPIN", Level.OK, "set (never shown)"))
    else:
        checks.append(_missing("NUBRA_MPIN", "MPIN"))
    return checks


def _missing(name: str, alias: str) -> Check:
    hint = f"set {name} in the environment or in .env"
    return Check(name, Level.FAIL, f"not set (nor {alias})", hint)


def check_state(endpoints: Endpoints, store: SessionStore) -> list[Check]:
    """The state directory is private (0700), its session files are 0600, and what is kept."""
    root = store.root
    if not root.exists():
        detail = f"{root} not made yet; the first `nubra login` makes it"
        return [Check("state dir", Level.INFO, detail), _session(endpoints, store)]
    if not root.is_dir():
        hint = "move it away, or set NUBRA_HOME to a directory"
        return [Check("state dir", Level.FAIL, f"{root} is not a directory", hint)]
    checks = [_private(root, DIR_MODE, "state dir", f"chmod 700 {root}")]
    for environment in ENVIRONMENTS:
        path = store.path_for(environment)
        if path.exists():
            checks.append(_private(path, FILE_MODE, "session file", f"chmod 600 {path}"))
    checks.append(_session(endpoints, store))
    return checks


def _private(path: Path, wanted: int, name: str, fix: str) -> Check:
    """Owned by this user, nothing for group or others, and everything the owner needs."""
    if os.name != "posix":
        return Check(name, Level.INFO, f"{path} (permissions not checked on this system)")
    info = path.stat()
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.getuid():
        return Check(name, Level.FAIL, f"{path} belongs to uid {info.st_uid}, not you", fix)
    if mode & 0o077:
        detail = f"{path} is {mode:04o}, open to other users; it must be {wanted:04o}"
        return Check(name, Level.FAIL, detail, fix)
    if mode & wanted != wanted:
        return Check(name, Level.FAIL, f"{path} is {mode:04o}; it must be {wanted:04o}", fix)
    return Check(name, Level.OK, f"{path} ({mode:04o})")


def _session(endpoints: Endpoints, store: SessionStore) -> Check:
    kept = store.load(endpoints.name, endpoints.api_url)
    where = endpoints.name.upper()
    if kept is None:
        return Check("session", Level.INFO, f"none kept for {where}; `nubra login` keeps one")
    return Check("session", Level.OK, f"kept for {where} since {kept.created_at or 'unknown'}")


def check_api(api_url: str, timeout: float) -> tuple[Check, ApiAnswer | None]:
    """Any HTTP answer from the API base means reachable; its Date header feeds the clock check."""
    import httpx

    from nubra_cli import __version__

    shown = shown_url(api_url)
    sent_at = time.time()
    try:
        with httpx.Client(
            timeout=timeout, headers={"user-agent": f"nubra/{__version__} doctor"}
        ) as client:
            sent_at = time.time()  # after the TLS context is built, which takes a while
            response = client.get(api_url + "/")
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as error:
        detail, hint = _why_unreachable(error, timeout, "NUBRA_API_URL")
        return Check("API", Level.FAIL, f"{shown}: {detail}", hint), None
    received_at = time.time()
    answer = ApiAnswer(response.status_code, response.headers.get("date"), sent_at, received_at)
    took = f"HTTP {response.status_code} in {(received_at - sent_at) * 1000:.0f} ms"
    if response.status_code >= 500:
        hint = "the broker or a gateway in front of it is failing; try again later"
        return Check("API", Level.WARN, f"{shown} answered, but with {took}", hint), answer
    return Check("API", Level.OK, f"{shown} reachable ({took})"), answer


def check_websocket(ws_url: str, timeout: float) -> Check:
    """Open the order-update socket and close it again: the handshake is what `watch` needs."""
    import websocket

    shown = shown_url(ws_url)
    started = time.monotonic()
    try:
        ws = websocket.create_connection(ws_url, timeout=timeout)
    except (OSError, ValueError, websocket.WebSocketException) as error:
        detail, hint = _why_unreachable(error, timeout, "NUBRA_WS_URL")
        return Check("WebSocket", Level.FAIL, f"{shown}: {detail}", hint)
    took = (time.monotonic() - started) * 1000
    try:
        ws.close(timeout=min(timeout, 1.0))
    except (OSError, websocket.WebSocketException):
        pass
    return Check("WebSocket", Level.OK, f"{shown} opened and closed ({took:.0f} ms)")


def check_clock(answer: ApiAnswer | None) -> Check:
    """TOTP codes are valid for 30 s, so a clock seconds off the broker's makes logins fail."""
    if answer is None:
        return Check("clock", Level.INFO, "not compared: the API did not answer")
    if not answer.date:
        return Check("clock", Level.WARN, "not compared: the API sent no Date header")
    try:
        server = parsedate_to_datetime(answer.date).timestamp()
    except (TypeError, ValueError):
        return Check("clock", Level.WARN, "not compared: the API's Date header is unreadable")
    # Date has whole seconds: the server's instant lies, on average, half a second past it.
    skew = (answer.sent_at + answer.received_at) / 2 - (server + 0.5)
    way = "ahead of" if skew > 0 else "behind"
    detail = f"this clock is {abs(skew):.{0 if abs(skew) >= 10 else 1}f} s {way} the server's"
    fix = "sync the clock (e.g. `sudo timedatectl set-ntp true`)"
    if abs(skew) > SKEW_FAIL:
        return Check("clock", Level.FAIL, detail, f"TOTP codes will be rejected: {fix}")
    if abs(skew) > SKEW_WARN:
        return Check("clock", Level.WARN, detail, f"some TOTP codes may be rejected: {fix}")
    return Check("clock", Level.OK, f"{detail} (fine: within {SKEW_WARN:g} s)")


def _why_unreachable(error: BaseException, timeout: float, variable: str) -> tuple[str, str]:
    """A failed connection named plainly (DNS, TLS, timeout, refused), with what to try."""
    chain = list(_causes(error))
    check_url = f"check the URL (set by {variable} or --env)"
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        return f"answered HTTP {status} instead of opening a WebSocket", check_url
    if any(isinstance(link, socket.timeout | TimeoutError) for link in chain) or any(
        "timeout" in type(link).__name__.lower() for link in chain
    ):
        return f"no answer within {timeout:g} s (timeout)", "check the network, VPN or firewall"
    if any(isinstance(link, socket.gaierror) for link in chain):
        return "cannot resolve the host name (DNS failure)", f"{check_url} and the network"
    for link in chain:
        if isinstance(link, ssl.SSLCertVerificationError):
            detail = f"TLS certificate not accepted ({link.verify_message})"
            return detail, "check the system clock and any proxy that intercepts HTTPS"
        if isinstance(link, ssl.SSLError):
            reason = link.reason or type(link).__name__
            return (
                f"TLS handshake failed ({reason})",
                f"{check_url}: does the server speak TLS there?",
            )
    if any(isinstance(link, ConnectionRefusedError) for link in chain):
        return "connection refused", f"nothing listens there: {check_url}, or start `nubra sim`"
    if any(isinstance(link, ValueError) for link in chain) or "URL" in type(error).__name__:
        return f"not a usable URL ({_first_line(error)})", check_url
    return f"connection failed ({_first_line(error)})", "check the network, VPN or firewall"


def _causes(error: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _first_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 120 else text[:119] + "…"


def shown_url(url: str) -> str:
    """The URL without any user:password@ part, which must not reach a terminal."""
    try:
        parts = urlsplit(url)
        if "@" not in parts.netloc:
            return url
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    except ValueError:
        return "<unparsable URL>"
