"""`nubra doctor`: one line per check of what logging in and watching need, and an exit status.

The checks live in `nubra_cli.doctor`; this module only parses options and
draws the lines, so `nubra --help` does not pay for httpx or websocket-client.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from nubra_cli.doctor import Check
    from nubra_cli.settings import Endpoints


class Environment(StrEnum):
    uat = "uat"
    prod = "prod"


_SYMBOLS = {"OK": "✓", "INFO": "•", "WARN": "!", "FAIL": "✗", "HINT": "→"}
_PLAIN_SYMBOLS = {"OK": "ok", "INFO": "--", "WARN": "!!", "FAIL": "XX", "HINT": "->"}
_COLOURS = {"OK": "green", "INFO": "blue", "WARN": "yellow", "FAIL": "red"}


def doctor(
    env: Annotated[
        Environment | None,
        typer.Option(
            "--env",
            "-e",
            metavar="uat|prod",
            case_sensitive=False,
            show_default=False,
            help="Environment to check (default: $NUBRA_ENV, else uat).",
        ),
    ] = None,
    env_file: Annotated[
        Path | None,
        typer.Option(
            "--env-file",
            metavar="PATH",
            dir_okay=False,
            show_default=False,
            help="Read credentials from this .env file instead of ./.env.",
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            min=0.1,
            max=60.0,
            help="How long each network probe may take.",
        ),
    ] = 5.0,
) -> None:
    """Check credentials, state files, endpoints and the clock: what login and watch need.

    One line per check (✓ passed, ! worth a look, ✗ failed), each with a hint.
    Exits 0 when nothing failed, 1 otherwise. Secrets are never shown: the phone
    is masked, the TOTP secret and MPIN are only said to be present.

    \b
    Examples:
      nubra doctor                      # UAT, or $NUBRA_ENV
      nubra doctor --env prod --env-file ~/.config/nubra/prod.env
      nubra doctor || echo "fix the ✗ lines first"
      NUBRA_API_URL=http://127.0.0.1:8770 \\
        NUBRA_WS_URL=ws://127.0.0.1:8771/ws nubra doctor
    """
    from nubra_cli.doctor import Level, run_checks
    from nubra_cli.errors import ExitCode
    from nubra_cli.settings import resolve_endpoints

    endpoints = resolve_endpoints(env.value if env is not None else None)
    typer.echo(_heading(endpoints))
    checks = run_checks(endpoints, env_file=env_file, timeout=timeout)
    colour = _colour_wanted()
    symbols = _symbols()
    width = max(len(check.name) for check in checks)
    for check in checks:
        typer.echo(_line(check, symbols, width, colour), color=colour)
    failed = sum(check.level is Level.FAIL for check in checks)
    warned = sum(check.level is Level.WARN for check in checks)
    typer.echo(_summary(failed, warned))
    if failed:
        raise typer.Exit(ExitCode.ERROR)


def _heading(endpoints: Endpoints) -> str:
    from nubra_cli.doctor import shown_url

    name = "PROD (live account, real money)" if endpoints.is_prod else endpoints.name.upper()
    urls = f"{shown_url(endpoints.api_url)}, {shown_url(endpoints.ws_url)}"
    return f"Checking {name}: {urls}"


def _line(check: Check, symbols: dict[str, str], width: int, colour: bool | None) -> str:
    level = check.level.name
    symbol = symbols[level]
    if colour is not False:  # None: styled, and click strips it when stdout is no terminal
        symbol = typer.style(symbol, fg=_COLOURS[level], bold=True)
    text = f"{symbol} {check.name.ljust(width)}  {check.detail}"
    return f"{text}  {symbols['HINT']} {check.hint}" if check.hint else text


def _summary(failed: int, warned: int) -> str:
    def plural(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    if failed:
        also = f" and {plural(warned, 'warning')}" if warned else ""
        return f"{plural(failed, 'check')} failed{also}."
    return (
        f"All checks passed, with {plural(warned, 'warning')}." if warned else "All checks passed."
    )


def _colour_wanted() -> bool | None:
    """NO_COLOR turns colour off, FORCE_COLOR on; otherwise only on a terminal (None)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return None


def _symbols() -> dict[str, str]:
    """✓ ! ✗ where stdout can encode them, letters where it cannot (an ASCII-only locale)."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "".join(_SYMBOLS.values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return _PLAIN_SYMBOLS
    return _SYMBOLS
