"""Credentials from the environment and `.env`: precedence, fallbacks, errors naming the cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from nubra_cli.auth import Credentials, load_credentials, mask_phone, missing_variables
from nubra_cli.auth.credentials import normalize_totp_secret, validate_totp_code
from nubra_cli.errors import ConfigError

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CLEARED = (
    "NUBRA_PHONE NUBRA_TOTP_SECRET NUBRA_MPIN NUBRA_ENV NUBRA_API_URL NUBRA_WS_URL PHONE_NO MPIN"
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test runs in an empty directory with no credentials in the environment."""
    monkeypatch.setenv("NUBRA_HOME", str(tmp_path / "home"))
    for name in CLEARED.split():
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


def test_nothing_set_gives_empty_credentials() -> None:
    creds = load_credentials()
    assert creds == Credentials()
    assert missing_variables(creds) == ["NUBRA_PHONE", "NUBRA_TOTP_SECRET", "NUBRA_MPIN"]


def test_environment_variables_are_read() -> None:
    environ = {"NUBRA_PHONE": "98765 43210", "NUBRA_TOTP_SECRET": SECRET, "NUBRA_MPIN": "4321"}
    creds = load_credentials(environ=environ)
    assert creds == Credentials(phone="9876543210", totp_secret=SECRET, mpin="4321")
    assert creds.can_login_unattended
    assert missing_variables(creds) == []


def test_sdk_names_are_fallbacks() -> None:
    creds = load_credentials(environ={"PHONE_NO": "9876543210", "MPIN": "1111"})
    assert (creds.phone, creds.mpin) == ("9876543210", "1111")
    both = load_credentials(environ={"PHONE_NO": "1", "NUBRA_PHONE": "2", "MPIN": "3"})
    assert both.phone == "2"


def test_dotenv_of_current_directory_is_read() -> None:
    Path(".env").write_text(
        f"# comment\nexport NUBRA_PHONE=9876543210\nNUBRA_TOTP_SECRET='{SECRET}'\nMPIN=\"2468\"\n"
    )
    creds = load_credentials()
    assert creds == Credentials(phone="9876543210", totp_secret=SECRET, mpin="2468")


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / "other.env"
    env_file.write_text("NUBRA_PHONE=1111111111\nNUBRA_MPIN=1111\n")
    creds = load_credentials(env_file=env_file, environ={"NUBRA_MPIN": "2222"})
    assert (creds.phone, creds.mpin) == ("1111111111", "2222")


def test_named_env_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="env file not found"):
        load_credentials(env_file=tmp_path / "missing.env")


@pytest.mark.parametrize(
    "text",
    ["NUBRA_PHONE=1\nthis line is not an assignment\n", 'NUBRA_MPIN="1234\n', "=oops\n"],
)
def test_malformed_dotenv_is_a_config_error_naming_the_line_not_its_text(text: str) -> None:
    Path(".env").write_text(text)
    with pytest.raises(ConfigError, match=r"malformed \.env file .*line \d") as caught:
        load_credentials()
    assert "1234" not in str(caught.value)
    assert "oops" not in str(caught.value)


def test_dotenv_that_is_not_utf8_is_malformed() -> None:
    Path(".env").write_bytes(b"NUBRA_MPIN=\xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_credentials()


@pytest.mark.parametrize("secret", ["not-base32!", "ABC1", "A", "hello world 0189", "AB=CD"])
def test_non_base32_secret_is_a_config_error(secret: str) -> None:
    with pytest.raises(ConfigError, match="NUBRA_TOTP_SECRET is not a base32") as caught:
        load_credentials(environ={"NUBRA_TOTP_SECRET": secret})
    assert len(secret) < 4 or secret not in str(caught.value)


def test_secret_is_normalized_as_authenticator_apps_show_it() -> None:
    grouped = "jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp"
    assert normalize_totp_secret(grouped) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert normalize_totp_secret("JBSWY3DPEHPK3PXPJBSWY3DP====") == "JBSWY3DPEHPK3PXPJBSWY3DP"


def test_a_secret_too_short_for_totp_is_refused_before_any_login() -> None:
    with pytest.raises(ConfigError, match=r"too short.*\(80 bits"):
        normalize_totp_secret("JBSWY3DPEHPK3PXP")


@pytest.mark.parametrize("code", ["123456", " 123 456 "])
def test_typed_totp_code_accepted(code: str) -> None:
    assert load_credentials(totp_code=code).totp_code == "123456"
    assert validate_totp_code(code) == "123456"


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", ""])
def test_typed_totp_code_must_be_six_digits(code: str) -> None:
    with pytest.raises(ConfigError, match="6 digits"):
        load_credentials(totp_code=code)


def test_typed_code_replaces_the_secret_for_a_login() -> None:
    creds = load_credentials(environ={"NUBRA_PHONE": "1", "NUBRA_MPIN": "2"}, totp_code="123456")
    assert missing_variables(creds) == []
    assert not creds.can_login_unattended


def test_repr_never_shows_secrets() -> None:
    creds = Credentials(phone="9876543210", totp_secret=SECRET, mpin="4321", totp_code="654321")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert SECRET not in text
        assert "4321" not in text
        assert "654321" not in text
        assert "9876543210" not in text
        assert "******3210" in text
    assert "mpin=None" in repr(Credentials())


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("9876543210", "******3210"),
        ("+91 98765 43210", "*********3210"),
        ("123", "***"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone.replace(" ", "")) == masked
