"""Who logs in: phone, TOTP secret or typed code, and MPIN, from the environment or a `.env`.

The values are read, checked and handed over; they are never printed, logged or
written anywhere, and their `repr` shows only which of them are present.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from nubra_cli.errors import ConfigError

PHONE_VARS: Final = ("NUBRA_PHONE", "PHONE_NO")
TOTP_SECRET_VARS: Final = ("NUBRA_TOTP_SECRET",)
MPIN_VARS: Final = ("NUBRA_MPIN", "MPIN")

_TOTP_CODE: Final = re.compile(r"\d{6}")
_BASE32_ALPHABET: Final = re.compile(r"[A-Z2-7]+=*")


@dataclass(frozen=True, repr=False)
class Credentials:
    """What a login needs; any of it may be missing until the command prompts for it."""

    phone: str | None = None
    totp_secret: str | None = None
    mpin: str | None = None
    totp_code: str | None = None

    def __repr__(self) -> str:
        def shown(value: str | None) -> str:
            return "None" if value is None else "'<set>'"

        phone = "None" if self.phone is None else repr(mask_phone(self.phone))
        return (
            f"Credentials(phone={phone}, totp_secret={shown(self.totp_secret)}, "
            f"mpin={shown(self.mpin)}, totp_code={shown(self.totp_code)})"
        )

    __str__ = __repr__

    @property
    def can_login_unattended(self) -> bool:
        """True when a full TOTP login needs nobody: a phone, a stored secret and an MPIN."""
        return bool(self.phone and self.totp_secret and self.mpin)


def mask_phone(phone: str) -> str:
    """The phone as shown to people: every character but the last four hidden."""
    phone = phone.strip()
    keep = phone[-4:] if len(phone) > 4 else ""
    return "*" * (len(phone) - len(keep)) + keep


#: pyotp refuses shorter secrets; authenticator apps use 160 bits.
_MIN_SECRET_BITS = 112


def normalize_totp_secret(secret: str, variable: str = TOTP_SECRET_VARS[0]) -> str:
    """The secret in canonical base32 (upper case, no spaces), or ConfigError naming the variable.

    Authenticator apps show secrets in groups of four, lower case or without
    padding; pyotp wants one upper-case run, so a bad one fails here, not mid-stream.
    """
    compact = re.sub(r"[\s-]+", "", secret).upper()
    problem = f"{variable} is not a base32 TOTP secret (letters A-Z and digits 2-7)"
    if not compact or not _BASE32_ALPHABET.fullmatch(compact):
        raise ConfigError(problem)
    unpadded = compact.rstrip("=")
    try:
        decoded = base64.b32decode(unpadded + "=" * (-len(unpadded) % 8))
    except (binascii.Error, ValueError):
        raise ConfigError(problem) from None
    if len(decoded) * 8 < _MIN_SECRET_BITS:
        raise ConfigError(
            f"{variable} is too short for a TOTP secret ({len(decoded) * 8} bits, "
            f"at least {_MIN_SECRET_BITS} expected): copy the whole key from the Nubra app"
        )
    return unpadded


def validate_totp_code(code: str) -> str:
    """A code typed from an authenticator app: exactly six digits, spaces ignored."""
    compact = re.sub(r"\s+", "", code)
    if not _TOTP_CODE.fullmatch(compact):
        raise ConfigError("the TOTP code must be the 6 digits shown by your authenticator app")
    return compact


def load_credentials(
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    totp_code: str | None = None,
) -> Credentials:
    """Credentials from the environment, else `.env` (the current directory's or `env_file`).

    The environment wins over the file, so a one-off `NUBRA_MPIN=... nubra login`
    works next to a shared `.env`. Missing values stay None; nothing is prompted here.
    """
    environ = os.environ if environ is None else environ
    file_values = read_env_file(env_file)

    def pick(names: tuple[str, ...]) -> tuple[str, str] | None:
        for source in (environ, file_values):
            for name in names:
                value = (source.get(name) or "").strip()
                if value:
                    return name, value
        return None

    phone = pick(PHONE_VARS)
    secret = pick(TOTP_SECRET_VARS)
    mpin = pick(MPIN_VARS)
    return Credentials(
        phone=re.sub(r"[\s-]+", "", phone[1]) if phone else None,
        totp_secret=normalize_totp_secret(secret[1], secret[0]) if secret else None,
        mpin=mpin[1] if mpin else None,
        totp_code=validate_totp_code(totp_code) if totp_code is not None else None,
    )


def read_env_file(env_file: Path | None = None) -> dict[str, str]:
    """The variables of a `.env` file; `{}` when no file is named and `./.env` is absent.

    A line python-dotenv cannot parse is an error rather than silently skipped:
    a half-read `.env` would log in as the wrong person or fail far from the cause.
    The message names the line number but never its text, which may hold a secret.
    """
    from dotenv.parser import parse_stream

    path = env_file if env_file is not None else Path.cwd() / ".env"
    if env_file is None and not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"env file not found: {path}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"malformed .env file {path}: it is not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"cannot read env file {path}: {error.strerror or error}") from None
    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise ConfigError(
                f"malformed .env file {path}: cannot parse line {binding.original.line} "
                "(expected NAME=value)"
            )
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


def missing_variables(credentials: Credentials) -> list[str]:
    """The variables a login still lacks, named as the user would set them."""
    missing = []
    if not credentials.phone:
        missing.append(PHONE_VARS[0])
    if not (credentials.totp_secret or credentials.totp_code):
        missing.append(TOTP_SECRET_VARS[0])
    if not credentials.mpin:
        missing.append(MPIN_VARS[0])
    return missing
