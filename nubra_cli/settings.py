"""Environments, their endpoints, and the environment variables that override them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from nubra_cli.errors import ConfigError

ENV_VAR: Final = "NUBRA_ENV"
API_URL_VAR: Final = "NUBRA_API_URL"
WS_URL_VAR: Final = "NUBRA_WS_URL"

ENVIRONMENTS: Final = ("uat", "prod")
DEFAULT_ENVIRONMENT: Final = "uat"


@dataclass(frozen=True)
class Endpoints:
    """Where one environment lives: the REST base and the order-update socket."""

    name: str
    api_url: str
    ws_url: str

    @property
    def is_prod(self) -> bool:
        return self.name == "prod"

    @property
    def overridden(self) -> bool:
        """True when a URL comes from NUBRA_API_URL / NUBRA_WS_URL instead of the table."""
        default = _DEFAULTS[self.name]
        return (self.api_url, self.ws_url) != (default.api_url, default.ws_url)

    @property
    def label(self) -> str:
        """How the environment is named to the user: `UAT`, `PROD`, or `UAT @ host`."""
        text = self.name.upper()
        return f"{text} @ {self.api_url}" if self.overridden else text


_DEFAULTS: Final = {
    "uat": Endpoints("uat", "https://uatapi.nubra.io", "wss://uatapi.nubra.io/ws"),
    "prod": Endpoints("prod", "https://api.nubra.io", "wss://api.nubra.io/ws"),
}


def environment_name(explicit: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The environment chosen by `--env`, else NUBRA_ENV, else uat."""
    environ = os.environ if environ is None else environ
    name = (explicit or environ.get(ENV_VAR) or DEFAULT_ENVIRONMENT).strip().lower()
    if name not in _DEFAULTS:
        raise ConfigError(f"unknown environment {name!r}: choose one of {', '.join(ENVIRONMENTS)}")
    return name


def resolve_endpoints(
    explicit: str | None = None, environ: Mapping[str, str] | None = None
) -> Endpoints:
    """The endpoints of the chosen environment, with the URL variables applied."""
    environ = os.environ if environ is None else environ
    base = _DEFAULTS[environment_name(explicit, environ)]
    api_url = _checked(environ.get(API_URL_VAR) or base.api_url, API_URL_VAR, ("http", "https"))
    ws_url = _checked(environ.get(WS_URL_VAR) or base.ws_url, WS_URL_VAR, ("ws", "wss"))
    return Endpoints(base.name, api_url.rstrip("/"), ws_url)


def _checked(url: str, variable: str, schemes: tuple[str, ...]) -> str:
    """A URL with one of `schemes` and a host, or a ConfigError naming the variable."""
    parts = urlsplit(url.strip())
    if parts.scheme not in schemes or not parts.hostname:
        raise ConfigError(
            f"{variable} must be a {' or '.join(s + '://' for s in schemes)} URL with a host, "
            f"not {url!r}"
        )
    return url.strip()
