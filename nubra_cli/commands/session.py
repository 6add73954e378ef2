"""`nubra login`, `logout` and `status`: prompts and one-line reports around `nubra_cli.auth`.

Only option parsing, prompting and the lines people read live here; the HTTP
flow, the kept files and every error message belong to `nubra_cli.auth`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from nubra_cli.auth import Credentials
    from nubra_cli.settings import Endpoints

_ENVS = ("uat", "prod")


def _check_env(value: str | None) -> str | None:
    if value is not None and value.strip().lower() not in _ENVS:
        raise typer.BadParameter(f"choose one of {', '.join(_ENVS)}")
    return value.strip().lower() if value is not None else None


def _check_totp(value: str | None) -> str | None:
    if value is None:
        return None
    from nubra_cli.auth import validate_totp_code
    from nubra_cli.errors import ConfigError

    try:
        return validate_totp_code(value)
    except ConfigError as error:
        raise typer.BadParameter(str(error)) from None


EnvOption = Annotated[
    str | None,
    typer.Option(
        "--env",
        metavar="uat|prod",
        callback=_check_env,
        show_default=False,
        help="Environment (default: NUBRA_ENV, else uat). PROD is the live, real-money account.",
    ),
]
EnvFileOption = Annotated[
    Path | None,
    typer.Option(
        "--env-file",
        metavar="PATH",
        dir_okay=False,
        show_default=False,
        help="Read credentials from this .env file instead of ./.env.",
    ),
]
TotpOption = Annotated[
    str | None,
    typer.Option(
        "--totp",
        metavar="CODE",
        callback=_check_totp,
        show_default=False,
        help="A 6-digit code from your authenticator app, instead of NUBRA_TOTP_SECRET.",
    ),
]


def stdin_is_terminal() -> bool:
    """Whether prompting is possible; tests replace this to play a person at a terminal."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _say(line: str) -> None:
    typer.echo(line, err=True)


def _env_name(endpoints: Endpoints) -> str:
    """PROD is spelled out so nobody mistakes the live account for the test one."""
    return "PROD (live account, real money)" if endpoints.is_prod else endpoints.label


def login(
    env: EnvOption = None,
    env_file: EnvFileOption = None,
    totp: TotpOption = None,
) -> None:
    """Log in with TOTP and MPIN, and keep the session for later `nubra watch` runs.

    Reads NUBRA_PHONE, NUBRA_TOTP_SECRET and NUBRA_MPIN from the environment or ./.env
    (PHONE_NO and MPIN also work); anything missing is asked for on a terminal.

    \b
    Examples:
      nubra login                   # UAT, credentials from ./.env
      nubra login --env prod        # the live account
      nubra login --totp 123456     # a code from your authenticator app
    """
    from nubra_cli.auth import SessionStore, load_credentials, open_session
    from nubra_cli.settings import resolve_endpoints

    endpoints = resolve_endpoints(env)
    credentials = _complete(load_credentials(env_file=env_file, totp_code=totp))
    if endpoints.is_prod:
        _say(f"Logging in to {_env_name(endpoints)} at {endpoints.api_url}")
    store = SessionStore()
    session = open_session(endpoints, credentials, store).login()
    _say(
        f"Logged in to {_env_name(endpoints)} as {session.phone_hint}; "
        f"session kept in {store.path_for(endpoints.name)}"
    )


def _complete(credentials: Credentials) -> Credentials:
    """Ask for what is missing on a terminal; without one, name the missing variable."""
    from dataclasses import replace

    from nubra_cli.auth import missing_variables, normalize_totp_secret, validate_totp_code
    from nubra_cli.errors import ConfigError

    missing = missing_variables(credentials)
    if not missing:
        return credentials
    if not stdin_is_terminal():
        names = {"NUBRA_PHONE": "NUBRA_PHONE (or PHONE_NO)", "NUBRA_MPIN": "NUBRA_MPIN (or MPIN)"}
        listed = ", ".join(names.get(name, name) for name in missing)
        extra = " or pass --totp CODE" if "NUBRA_TOTP_SECRET" in missing else ""
        raise ConfigError(
            f"{listed} not set, and there is no terminal to ask on: "
            f"set {'them' if len(missing) > 1 else 'it'} in the environment or .env{extra}"
        )
    if "NUBRA_PHONE" in missing:
        phone = typer.prompt("Phone number registered with Nubra", err=True).strip()
        credentials = replace(credentials, phone=phone.replace(" ", "") or None)
    if "NUBRA_TOTP_SECRET" in missing:
        answer = typer.prompt(
            "TOTP code from your authenticator app (or the base32 TOTP secret)",
            hide_input=True,
            err=True,
        ).strip()
        if answer.replace(" ", "").isdigit():
            credentials = replace(credentials, totp_code=validate_totp_code(answer))
        else:
            secret = normalize_totp_secret(answer, "the TOTP secret")
            credentials = replace(credentials, totp_secret=secret)
    if "NUBRA_MPIN" in missing:
        mpin = typer.prompt("MPIN", hide_input=True, err=True).strip()
        credentials = replace(credentials, mpin=mpin or None)
    still = missing_variables(credentials)
    if still:
        raise ConfigError(f"{', '.join(still)} not given")
    return credentials


def logout(env: EnvOption = None) -> None:
    """End the kept session on the server and forget its tokens here (the device id stays).

    \b
    Example:
      nubra logout --env uat
    """
    from nubra_cli.auth import Credentials, SessionStore, open_session
    from nubra_cli.errors import ServerError
    from nubra_cli.settings import resolve_endpoints

    endpoints = resolve_endpoints(env)
    store = SessionStore()
    if store.load(endpoints.name, endpoints.api_url) is None:
        _say(f"No session kept for {_env_name(endpoints)}; nothing to log out.")
        return
    manager = open_session(endpoints, Credentials(), store)
    try:
        _, answer = manager.logout()
    except ServerError as error:
        _say(
            f"Forgot the kept session for {_env_name(endpoints)}; the server was not told: {error}"
        )
        return
    if answer == 200:
        _say(f"Logged out of {_env_name(endpoints)}; kept session forgotten.")
    else:
        _say(
            f"Forgot the kept session for {_env_name(endpoints)}; the server answered HTTP "
            f"{answer} to the logout (it may have ended the session already)."
        )


def status(env: EnvOption = None) -> None:
    """Show the environment, its endpoints, and whether a session is kept (never a token).

    \b
    Example:
      nubra status --env prod
    """
    from nubra_cli.auth import SessionStore
    from nubra_cli.settings import resolve_endpoints

    endpoints = resolve_endpoints(env)
    store = SessionStore()
    path = store.path_for(endpoints.name)
    record = store.peek(endpoints.name)
    kept = store.load(endpoints.name, endpoints.api_url)
    if kept is not None:
        since = kept.created_at or "an unknown time"
        who = f" as {kept.phone_hint}" if kept.phone_hint else ""
        renewed = (
            f", renewed {kept.renewed_at}"
            if kept.renewed_at and kept.renewed_at != kept.created_at
            else ""
        )
        session = f"kept{who} since {since}{renewed}"
    elif record is not None and record.has_tokens:
        session = f"none for this URL (the kept one is for {record.api_url}); run `nubra login`"
    else:
        session = "none; run `nubra login`"
    lines = [
        f"environment: {_env_name(endpoints)}",
        f"api_url:     {endpoints.api_url}",
        f"ws_url:      {endpoints.ws_url}",
        f"session:     {session}",
        f"device_id:   {record.device_id if record is not None else 'none yet (made at login)'}",
        f"state_file:  {path}",
    ]
    typer.echo("\n".join(lines))
