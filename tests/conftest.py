"""Shared fixtures: private state per test, no inherited credentials, the golden frames."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
FRAMES_FILE = SHARED / "wire-samples" / "frames.json"

_CREDENTIAL_VARS = (
    "NUBRA_ENV",
    "NUBRA_API_URL",
    "NUBRA_WS_URL",
    "NUBRA_PHONE",
    "NUBRA_TOTP_SECRET",
    "NUBRA_MPIN",
    "NUBRA_HOME",
    "PHONE_NO",
    "MPIN",
    "NO_COLOR",
    "FORCE_COLOR",
)


@pytest.fixture(autouse=True)
def isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every state path at tmp_path and forget the developer's own credentials."""
    for name in _CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "nubra-home"
    monkeypatch.setenv("NUBRA_HOME", str(home))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


def load_samples() -> list[dict[str, Any]]:
    """The golden frames of ../shared/wire-samples/frames.json."""
    with FRAMES_FILE.open() as handle:
        samples: list[dict[str, Any]] = json.load(handle)
    return samples


def sample_bytes(sample: dict[str, Any]) -> bytes:
    return base64.b64decode(sample["binary"])


@pytest.fixture(scope="session")
def samples() -> list[dict[str, Any]]:
    return load_samples()


@pytest.fixture(scope="session")
def sample_events(samples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The decoded event of every order-bearing sample, by sample name."""
    from nubra_cli.wire import decode

    events = {}
    for sample in samples:
        if "binary" in sample and sample.get("wire"):
            event = decode(sample_bytes(sample))
            assert event is not None
            events[sample["name"]] = event
    return events


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a `nubra` subprocess: this test's isolated one, plus extras."""
    env = dict(os.environ)
    env.update(extra)
    return env
