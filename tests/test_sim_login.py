"""The simulator's login API (protocol.md §2): the happy path and every refusal."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest
from test_sim import (
    DEVICE,
    bearer,
    connected,
    login,
    new_session,
    numbered,
    post,
    receive,
    until_text,
)

from nubra_cli.sim import DEMO_MPIN, DEMO_PHONE, DEMO_TOTP_SECRET, SimConfig, Simulator
from nubra_cli.sim.config import StatsRecorder
from nubra_cli.sim.login import LoginApp, TokenBook


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(frames=numbered(100), rate=0)) as running:
        yield running


def test_totp_then_mpin_gives_a_session_token(sim: Simulator) -> None:
    code = int(pyotp.TOTP(DEMO_TOTP_SECRET).now())
    reply = post(sim, "/totp/login", {"phone": DEMO_PHONE, "totp": code, "otp": ""})
    assert reply.status_code == 201 and set(reply.json()) == {"auth_token"}
    assert reply.headers["date"].endswith("GMT")
    auth = reply.json()["auth_token"]
    first, second = new_session(sim, auth), new_session(sim, auth)
    assert first != second and len(first) >= 32
    assert (sim.stats.logins, sim.stats.verifypins) == (1, 2)


@pytest.mark.parametrize(
    ("body", "headers", "status", "words"),
    [
        ({"phone": DEMO_PHONE, "totp": "WRONG"}, DEVICE, 400, "6-digit"),
        ({"phone": "9999999999", "totp": 123456}, DEVICE, 404, "phone"),
        ({"phone": "९०००", "totp": 123456}, DEVICE, 404, "phone"),
        ({"totp": 123456}, DEVICE, 400, "phone"),
        (b"{not json", DEVICE, 400, "JSON"),
        ([1, 2], DEVICE, 400, "JSON"),
        ({"phone": DEMO_PHONE, "totp": True}, DEVICE, 400, "6-digit"),
        ({"phone": DEMO_PHONE, "totp": 123456}, {"x-device-id": ""}, 400, "x-device-id"),
    ],
    ids=[
        "letters",
        "unknown-phone",
        "non-ascii-phone",
        "no-phone",
        "not-json",
        "not-object",
        "bool",
        "no-device",
    ],
)
def test_login_refusals(
    sim: Simulator, body: Any, headers: dict[str, str], status: int, words: str
) -> None:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    with httpx.Client(base_url=sim.api_url, timeout=5) as client:
        reply = client.post("/totp/login", content=content, headers=headers)
    assert reply.status_code == status
    assert words in reply.json()["message"]
    assert sim.stats.logins == 0


def test_a_wrong_totp_code_is_refused(sim: Simulator) -> None:
    now = time.time()
    wrong = next(c for c in range(100_000, 999_999, 7919) if not _valid_near(c, now))
    reply = post(sim, "/totp/login", {"phone": DEMO_PHONE, "totp": wrong, "otp": ""})
    assert reply.status_code == 401 and "invalid TOTP" in reply.text


def _valid_near(code: int, now: float) -> bool:
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    return any(totp.at(now + step * 30) == f"{code:06d}" for step in (-2, -1, 0, 1, 2))


def test_a_totp_code_with_a_leading_zero_survives_json() -> None:
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    moment = next(t for t in range(0, 30 * 10_000, 30) if totp.at(t).startswith("0"))
    app = LoginApp(SimConfig(), TokenBook(), StatsRecorder(), clock=lambda: moment + 1.0)
    status, body = app.totp_login({"phone": DEMO_PHONE, "totp": int(totp.at(moment))})
    assert status == 201 and "auth_token" in body


def test_verifypin_refusals(sim: Simulator) -> None:
    auth, _ = login(sim)
    wrong = post(sim, "/verifypin", {"pin": "0000"}, bearer(auth))
    assert wrong.status_code == 403 and "MPIN" in wrong.text
    assert post(sim, "/verifypin", {"pin": DEMO_MPIN}, bearer("nope")).status_code == 401
    assert post(sim, "/verifypin", {"pin": DEMO_MPIN}).status_code == 401
    assert post(sim, "/verifypin", {}, bearer(auth)).status_code == 400
    assert sim.stats.verifypins == 1


def test_unknown_routes_and_methods(sim: Simulator) -> None:
    assert post(sim, "/nothing", {}).status_code == 404
    with httpx.Client(base_url=sim.api_url, timeout=5) as client:
        assert client.get("/totp/login", headers=DEVICE).status_code == 405


def test_logout_forgets_the_auth_token_and_its_sessions(sim: Simulator) -> None:
    auth, session = login(sim)
    with connected(sim, session) as ws:
        receive(ws, 3)
        assert post(sim, "/logout", b"", bearer(auth)).status_code == 200
        assert "Invalid Token" in until_text(ws)
    assert post(sim, "/verifypin", {"pin": DEMO_MPIN}, bearer(auth)).status_code == 401
    assert post(sim, "/logout", b"", bearer(auth)).status_code == 401
    assert sim.stats.logouts == 1


def test_expired_auth_tokens_force_a_full_login(sim: Simulator) -> None:
    auth, _ = login(sim)
    sim.expire_auth_tokens()
    assert post(sim, "/verifypin", {"pin": DEMO_MPIN}, bearer(auth)).status_code == 401
    login(sim)
    assert sim.stats.logins == 2
