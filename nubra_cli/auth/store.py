"""The kept session: tokens and device id per environment, in private files that hold no secret.

Only what the broker handed out (auth token, session token) and the device id
we chose are kept; the TOTP secret and MPIN never reach the disk.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from nubra_cli.errors import ConfigError

HOME_VAR: Final = "NUBRA_HOME"
FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700


def now_iso() -> str:
    """The current time as an ISO 8601 UTC string, the form kept in state files."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True, repr=False)
class KeptSession:
    """The tokens kept for one environment and endpoint, and when they were minted."""

    environment: str
    api_url: str
    device_id: str
    auth_token: str | None = None
    session_token: str | None = None
    created_at: str | None = None
    renewed_at: str | None = None
    phone_hint: str | None = None

    def __repr__(self) -> str:
        return (
            f"KeptSession(environment={self.environment!r}, api_url={self.api_url!r}, "
            f"device_id={self.device_id!r}, auth_token={'<set>' if self.auth_token else None}, "
            f"session_token={'<set>' if self.session_token else None}, "
            f"created_at={self.created_at!r}, renewed_at={self.renewed_at!r})"
        )

    @property
    def has_tokens(self) -> bool:
        return bool(self.auth_token or self.session_token)

    def without_tokens(self) -> KeptSession:
        """The same record with the tokens forgotten and the device id kept."""
        return replace(self, auth_token=None, session_token=None, created_at=None, renewed_at=None)


def default_root(environ: Mapping[str, str] | None = None) -> Path:
    """NUBRA_HOME if set, else the platform's per-user state directory."""
    environ = os.environ if environ is None else environ
    home = environ.get(HOME_VAR, "").strip()
    if home:
        return Path(home).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir("nubra", appauthor=False))


class SessionStore:
    """Per-environment JSON files under one private directory, replaced atomically."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_root()

    def path_for(self, environment: str) -> Path:
        return self.root / f"{environment}.json"

    def load(self, environment: str, api_url: str) -> KeptSession | None:
        """The kept session for this environment, or None if absent or kept for another URL.

        Sessions are keyed by environment name, and a simulator or gateway on the
        same name must not be offered the real broker's tokens (nor the reverse).
        """
        record = self.peek(environment)
        if record is None or not record.has_tokens or record.api_url != api_url.rstrip("/"):
            return None
        return record

    def peek(self, environment: str) -> KeptSession | None:
        """Whatever is kept for this environment, whichever URL it was kept for."""
        data = self._read(environment)
        if data is None:
            return None
        try:
            return KeptSession(
                environment=environment,
                api_url=str(data["api_url"]),
                device_id=str(data["device_id"]),
                auth_token=_optional_str(data.get("auth_token")),
                session_token=_optional_str(data.get("session_token")),
                created_at=_optional_str(data.get("created_at")),
                renewed_at=_optional_str(data.get("renewed_at")),
                phone_hint=_optional_str(data.get("phone_hint")),
            )
        except (KeyError, TypeError):
            return None

    def device_id(self, environment: str, api_url: str) -> str:
        """The device id of this environment, made once (uuid4) and kept from then on."""
        record = self.peek(environment)
        if record is not None and record.device_id:
            return record.device_id
        record = KeptSession(environment, api_url.rstrip("/"), str(uuid.uuid4()))
        self.save(record)
        return record.device_id

    def save(self, session: KeptSession) -> None:
        data = asdict(session)
        del data["environment"]
        try:
            self._write(session.environment, data)
        except OSError as error:
            where = self.path_for(session.environment)
            raise ConfigError(
                f"cannot keep the session in {where}: {error.strerror or error} (see NUBRA_HOME)"
            ) from None

    def forget(self, environment: str) -> KeptSession | None:
        """Drop the kept tokens of an environment, keep its device id; returns what was kept."""
        record = self.peek(environment)
        if record is not None and record.has_tokens:
            self.save(record.without_tokens())
        return record

    def _read(self, environment: str) -> dict[str, Any] | None:
        try:
            text = self.path_for(environment).read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write(self, environment: str, data: dict[str, Any]) -> None:
        """Write the whole file or nothing: a temporary file in the same directory, then rename."""
        self._ensure_root()
        target = self.path_for(environment)
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=f".{environment}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), FILE_MODE)
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def _ensure_root(self) -> None:
        self.root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        if stat.S_IMODE(self.root.stat().st_mode) != DIR_MODE:
            os.chmod(self.root, DIR_MODE)


class MemorySessionStore(SessionStore):
    """A store that lives and dies with the process, for demos that must not touch user state."""

    def __init__(self) -> None:
        super().__init__(root=Path("<memory>"))
        self._records: dict[str, dict[str, Any]] = {}

    def _read(self, environment: str) -> dict[str, Any] | None:
        record = self._records.get(environment)
        return dict(record) if record is not None else None

    def _write(self, environment: str, data: dict[str, Any]) -> None:
        self._records[environment] = dict(data)


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
