"""Login to the broker (protocol §2) and the kept session that `nubra watch` reuses and renews.

`load_credentials` reads who logs in, `SessionStore` keeps what the broker
handed out in private files, and `open_session` returns the `SessionManager`
the stream asks for tokens. Nothing here prints or prompts: it raises
`AuthError`, `ConfigError` or `ServerError`, and the commands talk to people.
"""

from __future__ import annotations

from nubra_cli.auth.client import LoginClient
from nubra_cli.auth.credentials import (
    Credentials,
    load_credentials,
    mask_phone,
    missing_variables,
    normalize_totp_secret,
    validate_totp_code,
)
from nubra_cli.auth.errors import AuthTokenExpired
from nubra_cli.auth.session import SessionManager, open_session
from nubra_cli.auth.store import KeptSession, MemorySessionStore, SessionStore, default_root

__all__ = [
    "AuthTokenExpired",
    "Credentials",
    "KeptSession",
    "LoginClient",
    "MemorySessionStore",
    "SessionManager",
    "SessionStore",
    "default_root",
    "load_credentials",
    "mask_phone",
    "missing_variables",
    "normalize_totp_secret",
    "open_session",
    "validate_totp_code",
]
