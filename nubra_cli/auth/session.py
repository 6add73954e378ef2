"""Session tokens on demand: reuse the kept one, renew without prompting, log in when allowed.

`nubra watch` asks for a token at start and on every "Invalid Token"; this
class decides between the kept token, `/verifypin` with the kept auth token,
and a full TOTP login, and says "run `nubra login`" when none can work.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import httpx

from nubra_cli.auth.client import LoginClient
from nubra_cli.auth.credentials import Credentials, mask_phone, missing_variables
from nubra_cli.auth.errors import AuthTokenExpired
from nubra_cli.auth.store import KeptSession, MemorySessionStore, SessionStore, now_iso
from nubra_cli.errors import AuthError, ConfigError
from nubra_cli.settings import Endpoints


class SessionManager:
    """Hands out session tokens for one environment, keeping every new one in the store."""

    def __init__(
        self,
        endpoints: Endpoints,
        credentials: Credentials,
        store: SessionStore,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.credentials = credentials
        self.store = store
        self._transport = transport
        self._lock = threading.Lock()
        self._handed_out: str | None = None
        self.device_id = store.device_id(endpoints.name, endpoints.api_url)

    @property
    def kept(self) -> KeptSession | None:
        """The session kept for these endpoints, if any."""
        return self.store.load(self.endpoints.name, self.endpoints.api_url)

    def session_token(self) -> str:
        """The kept session token, else one made without a prompt, else AuthError."""
        with self._lock:
            kept = self.kept
            if kept is not None and kept.session_token:
                self._handed_out = kept.session_token
                return kept.session_token
            if kept is None and not self.credentials.can_login_unattended:
                raise AuthError(
                    f"no kept session for {self.endpoints.label}: run `nubra login`"
                    + (" --env prod" if self.endpoints.is_prod else "")
                )
            return self._renew_locked(kept)

    def renew(self) -> str:
        """A fresh session token after the old one was refused; never prompts.

        Another `nubra` process may already have renewed: a kept token other than
        the one handed out last is tried first, so two watchers do not race.
        """
        with self._lock:
            kept = self.kept
            if (
                kept is not None
                and kept.session_token
                and kept.session_token != self._handed_out
                and self._handed_out is not None
            ):
                self._handed_out = kept.session_token
                return kept.session_token
            return self._renew_locked(kept)

    def login(self) -> KeptSession:
        """A full TOTP + MPIN login with the credentials given (a typed code or the secret)."""
        missing = missing_variables(self.credentials)
        if missing:
            raise ConfigError(f"cannot log in: {', '.join(missing)} not set")
        with self._lock:
            return self._full_login(allow_typed_code=True)

    def logout(self) -> tuple[KeptSession | None, int | None]:
        """Ask the server to end the kept session and forget it locally either way.

        Returns what was kept and the server's status (None when nothing was sent).
        Transport errors still propagate, after the local tokens are forgotten.
        """
        with self._lock:
            kept = self.kept
            if kept is None:
                return None, None
            self.store.forget(self.endpoints.name)
            self._handed_out = None
            token = kept.auth_token or kept.session_token
            assert token is not None  # a kept session has at least one token
            with self._client() as client:
                return kept, client.logout(token)

    def _renew_locked(self, kept: KeptSession | None) -> str:
        creds = self.credentials
        expired: AuthTokenExpired | None = None
        if kept is not None and kept.auth_token and creds.mpin:
            try:
                with self._client() as client:
                    token = client.verify_pin(kept.auth_token, creds.mpin, secrets=self._secrets())
            except AuthTokenExpired as error:
                expired = error
                self.store.forget(self.endpoints.name)  # dead tokens are no session to show
            except AuthError as error:
                raise AuthError(f"{error}; then run `nubra login`") from None
            else:
                self._save(replace(kept, session_token=token, renewed_at=now_iso()))
                return token
        if creds.can_login_unattended:
            try:
                session = self._full_login(allow_typed_code=False)
            except AuthError as error:
                raise AuthError(f"{error}; then run `nubra login`") from None
            assert session.session_token is not None
            return session.session_token
        raise AuthError(self._cannot_renew(kept, expired))

    def _full_login(self, *, allow_typed_code: bool) -> KeptSession:
        import pyotp

        creds = self.credentials
        assert creds.phone and creds.mpin
        typed = allow_typed_code and creds.totp_code is not None
        if typed:
            code = str(creds.totp_code)
        elif creds.totp_secret:
            code = str(pyotp.TOTP(creds.totp_secret).now())
        else:  # pragma: no cover - callers check for a secret or a code first
            raise ConfigError("cannot log in: NUBRA_TOTP_SECRET not set")
        with self._client() as client:
            auth_token = client.totp_login(creds.phone, code, typed=typed, secrets=self._secrets())
            session_token = client.verify_pin(auth_token, creds.mpin, secrets=self._secrets())
        stamp = now_iso()
        session = KeptSession(
            environment=self.endpoints.name,
            api_url=self.endpoints.api_url,
            device_id=self.device_id,
            auth_token=auth_token,
            session_token=session_token,
            created_at=stamp,
            renewed_at=stamp,
            phone_hint=mask_phone(creds.phone),
        )
        self._save(session)
        return session

    def _save(self, session: KeptSession) -> None:
        self.store.save(session)
        self._handed_out = session.session_token

    def _client(self) -> LoginClient:
        return LoginClient(self.endpoints.api_url, self.device_id, transport=self._transport)

    def _secrets(self) -> tuple[str, ...]:
        creds = self.credentials
        return tuple(s for s in (creds.totp_secret, creds.mpin, creds.totp_code) if s)

    def _cannot_renew(self, kept: KeptSession | None, expired: AuthTokenExpired | None) -> str:
        label = self.endpoints.label
        if kept is None:
            why = "no session is kept"
        elif expired is not None:
            why = "the kept auth token has expired"
        elif not self.credentials.mpin:
            why = "NUBRA_MPIN is not set"
        else:
            why = "no auth token is kept"
        lacking = [
            name
            for name, value in (
                ("NUBRA_PHONE", self.credentials.phone),
                ("NUBRA_TOTP_SECRET", self.credentials.totp_secret),
                ("NUBRA_MPIN", self.credentials.mpin),
            )
            if not value
        ]
        unattended = f" and {', '.join(lacking)} not set" if lacking else ""
        return (
            f"the session for {label} cannot be renewed without a prompt ({why}{unattended}): "
            "run `nubra login`" + (" --env prod" if self.endpoints.is_prod else "")
        )


def open_session(
    endpoints: Endpoints,
    credentials: Credentials,
    store: SessionStore | None,
    transport: httpx.BaseTransport | None = None,
) -> SessionManager:
    """A session manager; `store=None` keeps everything in memory (for `nubra watch --demo`)."""
    return SessionManager(
        endpoints, credentials, store if store is not None else MemorySessionStore(), transport
    )
