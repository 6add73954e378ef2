"""SessionManager against a fake broker: reuse, renewal without prompts, and when to give up."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pyotp
import pytest

from nubra_cli.auth import Credentials, SessionManager, SessionStore, open_session
from nubra_cli.errors import AuthError, ConfigError, ExitCode, ServerError
from nubra_cli.settings import Endpoints, resolve_endpoints

PHONE = "9876543210"
MPIN = "4321"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FULL = Credentials(phone=PHONE, totp_secret=SECRET, mpin=MPIN)
CLEARED = (
    "NUBRA_PHONE NUBRA_TOTP_SECRET NUBRA_MPIN NUBRA_ENV NUBRA_API_URL NUBRA_WS_URL PHONE_NO MPIN"
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """State goes to tmp_path, and no credential leaks in from the real environment."""
    monkeypatch.setenv("NUBRA_HOME", str(tmp_path / "home"))
    for name in CLEARED.split():
        monkeypatch.delenv(name, raising=False)


class FakeBroker:
    """The broker of protocol §2 for a MockTransport: one account, tokens it can expire."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.device_ids: set[str] = set()
        self.auth_tokens: set[str] = set()
        self.canned: dict[str, httpx.Response] = {}
        self._count = 0

    def expire_auth_tokens(self) -> None:
        self.auth_tokens.clear()

    def _mint(self, kind: str) -> str:
        self._count += 1
        return f"{kind}-token-{self._count}"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append(path)
        self.device_ids.add(request.headers["x-device-id"])
        if path in self.canned:
            return self.canned[path]
        body = json.loads(request.content or b"{}")
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if path == "/totp/login":
            if body["phone"] != PHONE:
                return httpx.Response(400, json={"message": "User not found"})
            if not pyotp.TOTP(SECRET).verify(f"{body['totp']:06d}", valid_window=1):
                return httpx.Response(401, json={"message": "Invalid TOTP"})
            token = self._mint("auth")
            self.auth_tokens.add(token)
            return httpx.Response(201, json={"auth_token": token})
        if path == "/verifypin":
            if bearer not in self.auth_tokens:
                return httpx.Response(440, json={"message": "session expired"})
            if body["pin"] != MPIN:
                return httpx.Response(400, json={"message": "Invalid MPIN"})
            return httpx.Response(200, json={"session_token": self._mint("session")})
        if path == "/logout":
            known = bearer in self.auth_tokens
            self.auth_tokens.discard(bearer)
            return httpx.Response(200 if known else 401)
        return httpx.Response(404)


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


UAT = resolve_endpoints("uat", {})
PROD = resolve_endpoints("prod", {})


def manager(
    broker: FakeBroker, creds: Credentials = FULL, endpoints: Endpoints = UAT
) -> SessionManager:
    return open_session(endpoints, creds, SessionStore(), transport=httpx.MockTransport(broker))


def state_text(tmp_path: Path) -> str:
    return "".join(p.read_text() for p in (tmp_path / "home").glob("*"))


def test_first_token_is_an_unattended_login_that_is_kept(broker: FakeBroker) -> None:
    token = manager(broker).session_token()
    assert broker.calls == ["/totp/login", "/verifypin"]
    kept = SessionStore().load("uat", UAT.api_url)
    assert kept is not None and kept.session_token == token
    assert kept.auth_token in broker.auth_tokens
    assert kept.phone_hint == "******3210"


def test_kept_token_is_reused_with_no_credentials(broker: FakeBroker) -> None:
    token = manager(broker).session_token()
    broker.calls.clear()
    assert manager(broker, Credentials()).session_token() == token
    assert broker.calls == []


def test_device_id_is_stable_and_sent(broker: FakeBroker) -> None:
    first = manager(broker)
    first.session_token()
    assert broker.device_ids == {first.device_id}
    assert manager(broker).device_id == first.device_id


@pytest.mark.parametrize(("endpoints", "hint"), [(UAT, "`nubra login`"), (PROD, "--env prod")])
def test_nothing_kept_and_nothing_to_log_in_with(
    broker: FakeBroker, endpoints: Endpoints, hint: str
) -> None:
    creds = Credentials(phone=PHONE, mpin=MPIN)
    with pytest.raises(
        AuthError, match=f"no kept session for {endpoints.label}: run .*{hint}"
    ) as e:
        manager(broker, creds, endpoints).session_token()
    assert e.value.exit_code == ExitCode.AUTH
    assert broker.calls == []


def test_session_kept_for_another_url_is_not_offered(broker: FakeBroker) -> None:
    sim = Endpoints("uat", "http://127.0.0.1:9", "ws://127.0.0.1:9/ws")
    manager(broker, FULL, sim).session_token()
    with pytest.raises(AuthError, match="no kept session"):
        manager(broker, Credentials()).session_token()


def test_renew_uses_the_kept_auth_token_and_mpin_only(broker: FakeBroker, tmp_path: Path) -> None:
    old = manager(broker).session_token()
    broker.calls.clear()
    renewing = manager(broker, Credentials(mpin=MPIN))
    assert renewing.session_token() == old
    new = renewing.renew()
    assert new != old
    assert broker.calls == ["/verifypin"]
    assert manager(broker, Credentials()).session_token() == new
    assert SECRET not in state_text(tmp_path) and MPIN not in state_text(tmp_path)


def test_renew_falls_back_to_totp_when_the_auth_token_expired(broker: FakeBroker) -> None:
    keeper = manager(broker)
    old = keeper.session_token()
    broker.expire_auth_tokens()
    broker.calls.clear()
    assert keeper.renew() != old
    assert broker.calls == ["/verifypin", "/totp/login", "/verifypin"]


def test_expired_auth_token_without_secret_says_run_login(broker: FakeBroker) -> None:
    manager(broker).session_token()
    broker.expire_auth_tokens()
    with pytest.raises(AuthError, match="auth token has expired.*NUBRA_TOTP_SECRET.*nubra login"):
        manager(broker, Credentials(mpin=MPIN)).renew()
    assert SessionStore().load("uat", UAT.api_url) is None  # dead tokens are forgotten


def test_renew_without_mpin_says_run_login(broker: FakeBroker) -> None:
    manager(broker).session_token()
    broker.calls.clear()
    with pytest.raises(AuthError, match="NUBRA_MPIN is not set.*run `nubra login`"):
        manager(broker, Credentials()).renew()
    assert broker.calls == []


def test_wrong_mpin_on_renew_says_run_login(broker: FakeBroker) -> None:
    manager(broker).session_token()
    with pytest.raises(AuthError, match="MPIN rejected.*then run `nubra login`") as caught:
        manager(broker, Credentials(mpin="0000")).renew()
    assert "0000" not in str(caught.value)


def test_rejected_totp_on_renew_says_run_login(broker: FakeBroker) -> None:
    wrong = Credentials(phone=PHONE, totp_secret="GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", mpin=MPIN)
    with pytest.raises(AuthError, match="TOTP code rejected.*then run `nubra login`"):
        manager(broker, wrong).renew()


def test_server_fault_on_renew_is_a_server_error(broker: FakeBroker) -> None:
    keeper = manager(broker)
    keeper.session_token()
    broker.canned["/verifypin"] = httpx.Response(502, text="bad gateway")
    with pytest.raises(ServerError, match="HTTP 502"):
        keeper.renew()


def test_renew_takes_a_token_another_process_renewed(broker: FakeBroker) -> None:
    watcher = manager(broker, Credentials(mpin=MPIN))
    manager(broker).session_token()
    stale = watcher.session_token()
    other = manager(broker, Credentials(mpin=MPIN))
    other.session_token()
    fresh = other.renew()
    broker.calls.clear()
    assert stale != fresh
    assert watcher.renew() == fresh
    assert broker.calls == []
    assert watcher.renew() not in (stale, fresh)  # refused again: now a real renewal


def test_login_with_a_typed_code(broker: FakeBroker) -> None:
    code = pyotp.TOTP(SECRET).now()
    kept = manager(broker, Credentials(phone=PHONE, mpin=MPIN, totp_code=code)).login()
    assert kept.session_token and kept.auth_token and kept.created_at


def test_login_with_a_wrong_typed_code_hints_at_the_app(broker: FakeBroker) -> None:
    code = f"{(int(pyotp.TOTP(SECRET).now()) + 500_000) % 1_000_000:06d}"
    with pytest.raises(AuthError, match="authenticator app") as caught:
        manager(broker, Credentials(phone=PHONE, mpin=MPIN, totp_code=code)).login()
    assert code not in str(caught.value)


def test_login_with_unknown_phone(broker: FakeBroker) -> None:
    creds = Credentials(phone="1112223333", totp_secret=SECRET, mpin=MPIN)
    with pytest.raises(AuthError, match=r"unknown phone \*+3333"):
        manager(broker, creds).login()


def test_login_needs_every_credential(broker: FakeBroker) -> None:
    with pytest.raises(ConfigError, match="NUBRA_TOTP_SECRET, NUBRA_MPIN not set"):
        manager(broker, Credentials(phone=PHONE)).login()


def test_logout_forgets_and_tells_the_server(broker: FakeBroker) -> None:
    keeper = manager(broker)
    keeper.session_token()
    device = keeper.device_id
    kept, status = keeper.logout()
    assert kept is not None and status == 200
    assert broker.auth_tokens == set()
    assert SessionStore().load("uat", UAT.api_url) is None
    assert manager(broker).device_id == device
    assert manager(broker).logout() == (None, None)


def test_logout_forgets_even_when_the_server_is_unreachable(broker: FakeBroker) -> None:
    keeper = manager(broker)
    keeper.session_token()

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    offline = open_session(UAT, FULL, SessionStore(), transport=httpx.MockTransport(down))
    with pytest.raises(ServerError, match="refused"):
        offline.logout()
    assert SessionStore().load("uat", UAT.api_url) is None


def test_store_none_keeps_everything_in_memory(broker: FakeBroker, tmp_path: Path) -> None:
    demo = open_session(UAT, FULL, None, transport=httpx.MockTransport(broker))
    token = demo.session_token()
    assert demo.renew() != token
    assert not (tmp_path / "home").exists()
