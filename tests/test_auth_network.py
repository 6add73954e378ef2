"""Real loopback failures (refused, silent, TLS): the error mapping checked on real exceptions."""

from __future__ import annotations

import http.server
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from nubra_cli.auth import LoginClient
from nubra_cli.errors import ServerError

CLEARED = (
    "NUBRA_PHONE NUBRA_TOTP_SECRET NUBRA_MPIN NUBRA_ENV NUBRA_API_URL NUBRA_WS_URL PHONE_NO MPIN"
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """State goes to tmp_path, and no credential leaks in from the real environment."""
    monkeypatch.setenv("NUBRA_HOME", str(tmp_path))
    for name in CLEARED.split():
        monkeypatch.delenv(name, raising=False)


class _Created(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(201)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(server: http.server.HTTPServer) -> Iterator[int]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def plain_port() -> Iterator[int]:
    yield from serve(http.server.HTTPServer(("127.0.0.1", 0), _Created))


@pytest.fixture
def self_signed_port(tmp_path: Path) -> Iterator[int]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = http.server.HTTPServer(("127.0.0.1", 0), _Created)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield from serve(server)


def login(url: str, timeout: float = 5.0) -> str:
    with LoginClient(url, "device-1", timeout=timeout) as client:
        return client.totp_login("9876543210", "123456", typed=False, secrets=())


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ServerError, match=f"cannot connect to 127.0.0.1:{port} .*refused"):
        login(f"http://127.0.0.1:{port}")


def test_silent_server_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(ServerError, match=r"did not answer the TOTP login within 0.3 s"):
            login(f"http://127.0.0.1:{port}", timeout=0.3)


def test_https_to_a_plain_http_server_is_a_tls_failure(plain_port: int) -> None:
    with pytest.raises(ServerError, match="TLS failure talking to 127.0.0.1"):
        login(f"https://127.0.0.1:{plain_port}")


def test_self_signed_certificate_is_refused(self_signed_port: int) -> None:
    with pytest.raises(ServerError, match=r"TLS failure .*\(certificate verify failed\)"):
        login(f"https://127.0.0.1:{self_signed_port}")


def test_plain_loopback_server_works(plain_port: int) -> None:
    """The same client against a server that says 201 with no token: reached, then refused."""
    with pytest.raises(ServerError, match="sent no auth token"):
        login(f"http://127.0.0.1:{plain_port}")
