"""The kept session files: private modes, atomic replacement, no secrets, and per-URL isolation."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from nubra_cli.auth import KeptSession, MemorySessionStore, SessionStore, default_root
from nubra_cli.errors import ConfigError

UAT = "https://uatapi.nubra.io"
SIM = "http://127.0.0.1:8765"
CLEARED = (
    "NUBRA_PHONE NUBRA_TOTP_SECRET NUBRA_MPIN NUBRA_ENV NUBRA_API_URL NUBRA_WS_URL PHONE_NO MPIN"
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """State goes to tmp_path, and no credential leaks in from the real environment."""
    monkeypatch.setenv("NUBRA_HOME", str(tmp_path / "home"))
    for name in CLEARED.split():
        monkeypatch.delenv(name, raising=False)


def session(api_url: str = UAT, **changes: str) -> KeptSession:
    values = {
        "environment": "uat",
        "api_url": api_url,
        "device_id": "device-1",
        "auth_token": "auth-token-value",
        "session_token": "session-token-value",
        "created_at": "2024-05-01T03:00:00+00:00",
        "renewed_at": "2024-05-01T03:00:00+00:00",
        "phone_hint": "******3210",
    }
    values.update(changes)
    return KeptSession(**values)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_root_is_nubra_home(tmp_path: Path) -> None:
    assert SessionStore().root == tmp_path / "home"
    assert default_root({"NUBRA_HOME": "~/x"}) == Path("~/x").expanduser()
    assert default_root({}).name == "nubra"


def test_saved_session_round_trips_with_private_modes(tmp_path: Path) -> None:
    store = SessionStore()
    store.save(session())
    path = store.path_for("uat")
    assert path == tmp_path / "home" / "uat.json"
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert store.load("uat", UAT) == session()
    assert store.load("uat", UAT + "/") == session()
    assert store.load("prod", UAT) is None


def test_existing_loose_directory_is_made_private(tmp_path: Path) -> None:
    root = tmp_path / "loose"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    SessionStore(root).save(session())
    assert mode(root) == 0o700


def test_replacing_a_loose_file_makes_it_private(tmp_path: Path) -> None:
    store = SessionStore()
    store.save(session())
    os.chmod(store.path_for("uat"), 0o644)
    store.save(session(session_token="next"))
    assert mode(store.path_for("uat")) == 0o600


def test_write_is_atomic(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure before the rename leaves the old file whole and no temporary behind."""
    store = SessionStore()
    store.save(session())
    before = store.path_for("uat").read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ConfigError, match="cannot keep the session in .*No space left"):
        store.save(session(session_token="never-written"))
    assert store.path_for("uat").read_bytes() == before
    assert sorted(p.name for p in store.root.iterdir()) == ["uat.json"]


def test_write_goes_through_a_temporary_in_the_same_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = SessionStore()
    seen: list[tuple[Path, Path, int]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        seen.append((Path(src), Path(dst), mode(Path(src))))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    store.save(session())
    [(src, dst, src_mode)] = seen
    assert src.parent == dst.parent == store.root
    assert src != dst
    assert src_mode == 0o600


def test_state_files_hold_no_secret() -> None:
    """Only what the server handed out is stored: no key could hold an MPIN or a TOTP secret."""
    store = SessionStore()
    store.save(session())
    data = json.loads(store.path_for("uat").read_text())
    assert set(data) == {
        "api_url",
        "device_id",
        "auth_token",
        "session_token",
        "created_at",
        "renewed_at",
        "phone_hint",
    }
    assert "3210" in data["phone_hint"]
    assert "9876543210" not in json.dumps(data)


def test_session_kept_for_another_url_is_ignored() -> None:
    store = SessionStore()
    store.save(session(api_url=SIM))
    assert store.load("uat", UAT) is None
    assert store.load("uat", SIM) is not None
    peeked = store.peek("uat")
    assert peeked is not None and peeked.api_url == SIM


def test_device_id_is_made_once_and_kept() -> None:
    store = SessionStore()
    first = store.device_id("uat", UAT)
    assert len(first) == 36
    assert SessionStore().device_id("uat", UAT) == first
    assert store.device_id("prod", "https://api.nubra.io") != first
    assert store.load("uat", UAT) is None  # a device id alone is no session
    assert mode(store.path_for("uat")) == 0o600


def test_forget_drops_tokens_and_keeps_the_device_id() -> None:
    store = SessionStore()
    store.save(session())
    forgotten = store.forget("uat")
    assert forgotten is not None and forgotten.session_token == "session-token-value"
    assert store.load("uat", UAT) is None
    text = store.path_for("uat").read_text()
    assert "token-value" not in text
    assert store.device_id("uat", UAT) == "device-1"
    assert store.forget("prod") is None


@pytest.mark.parametrize("text", ["{not json", "[]", '{"api_url": "x"}', '{"device_id": 1}'])
def test_unreadable_state_counts_as_nothing_kept(text: str) -> None:
    store = SessionStore()
    store.root.mkdir(parents=True)
    store.path_for("uat").write_text(text)
    assert store.load("uat", UAT) is None
    assert len(store.device_id("uat", UAT)) == 36


def test_unwritable_home_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="NUBRA_HOME"):
        SessionStore(blocker / "sub").save(session())


def test_repr_hides_tokens() -> None:
    text = repr(session())
    assert "token-value" not in text
    assert "<set>" in text


def test_memory_store_never_touches_disk(tmp_path: Path) -> None:
    store = MemorySessionStore()
    store.save(session())
    device = store.device_id("prod", "https://api.nubra.io")
    assert store.load("uat", UAT) == session()
    assert store.device_id("prod", "https://api.nubra.io") == device
    assert not (tmp_path / "home").exists()
    assert not Path("<memory>").exists()
