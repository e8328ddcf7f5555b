"""Webhook deliveries against real receivers on 127.0.0.1: concurrent with a per-tenant limit,
resolved once and connected to by IP with the Host header and TLS SNI kept."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from estudio.adapters.local import SqliteItemStore
from estudio.webhooks.delivery import DELIVERY_KIND, WebhookService

HOST = "hooks.estudio.test"  # resolved by the patched resolver only, to 127.0.0.1


class Endpoint:
    def __init__(self, delay_s: float = 0.0, tls: ssl.SSLContext | None = None) -> None:
        self.hits: list[tuple[float, dict[str, str], bytes]] = []
        self.sni: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                time.sleep(delay_s)
                outer.hits.append((time.monotonic(), dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: outer.sni.append(name)  # type: ignore[assignment]
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """``HOST`` resolves to 127.0.0.1 once per attempt; asking again fails (a rebinding DNS)."""
    real = socket.getaddrinfo
    calls = {"count": 0}

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == HOST:
            calls["count"] += 1
            if calls["count"] % 2 == 0:
                raise socket.gaierror(socket.EAI_NONAME, "rebound")
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


def _service(tmp_path: Path, **kwargs: Any) -> WebhookService:
    return WebhookService(SqliteItemStore(tmp_path / "state.db"), allow_private=True, **kwargs)


def _state(service: WebhookService) -> list[str]:
    return [i.data["state"] for i in service.items.find(DELIVERY_KIND, "state", "delivered")]


def test_given_a_host_name_when_delivering_then_it_is_resolved_once_and_connected_by_ip(
    tmp_path: Path, resolver: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full check runs (as for a public host: the loopback answer is let through the range
    check only), and the connection must use the checked answer, not a second lookup."""
    from estudio.webhooks import ssrf

    monkeypatch.setattr(ssrf, "_forbidden", lambda address: False)
    endpoint = Endpoint()
    try:
        service = WebhookService(SqliteItemStore(tmp_path / "state.db"), allow_private=False)
        service.subscribe("acme", f"http://{HOST}:{endpoint.port}/hook", ["deck.parsed"])
        resolver["count"] = 0  # subscribing checked it; each attempt must resolve exactly once
        service.publish("deck.parsed", "acme", {"project_id": "prj_1"})
        assert service.deliver_due() == 1
        assert resolver["count"] == 1
        [(_, headers, _)] = endpoint.hits
        assert headers["Host"] == f"{HOST}:{endpoint.port}"
        assert _state(service) == ["delivered"]
    finally:
        endpoint.close()


@pytest.fixture
def tls_pair(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for ``HOST`` and a client context that trusts it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = tmp_path / "cert.pem"
    key_pem = tmp_path / "key.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_pem, key_pem)
    client = ssl.create_default_context(cafile=str(cert_pem))
    return server, client


def test_given_an_https_receiver_when_pinned_by_ip_then_sni_and_certificate_name_the_host(
    tmp_path: Path, resolver: dict[str, int], tls_pair: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server_tls, client_tls = tls_pair
    endpoint = Endpoint(tls=server_tls)
    try:
        service = _service(tmp_path, verify=client_tls)
        service.subscribe("acme", f"https://{HOST}:{endpoint.port}/hook", ["deck.parsed"])
        service.publish("deck.parsed", "acme", {"project_id": "prj_1"})
        assert service.deliver_due() == 1
        assert endpoint.sni == [HOST]  # verification passed against the host's name, not the IP
        assert endpoint.hits[0][1]["Host"] == f"{HOST}:{endpoint.port}"
        assert resolver["count"] == 1
    finally:
        endpoint.close()


@pytest.fixture
def endpoints() -> Iterator[tuple[Endpoint, Endpoint]]:
    slow, fast = Endpoint(delay_s=2.0), Endpoint()
    yield slow, fast
    slow.close()
    fast.close()


def test_given_a_slow_receiver_of_one_tenant_then_another_tenants_delivery_is_not_delayed(
    tmp_path: Path, endpoints: tuple[Endpoint, Endpoint]
) -> None:
    slow, fast = endpoints
    service = _service(tmp_path, per_tenant=2, poll_s=0.2)
    for path in ("/slow-a", "/slow-b", "/slow-c"):  # three endpoints: more than acme's limit
        service.subscribe("acme", f"http://127.0.0.1:{slow.port}{path}", ["render.progress"])
    service.subscribe("beta", f"http://127.0.0.1:{fast.port}/fast", ["deck.parsed"])
    for step in range(2):
        service.publish("render.progress", "acme", {"progress": step * 10})
    service.start()
    try:
        time.sleep(0.3)  # acme's deliveries are in flight, holding its slots
        published = time.monotonic()
        service.publish("deck.parsed", "beta", {"project_id": "prj_b"})
        deadline = published + 5
        while not fast.hits and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fast.hits, "beta's delivery never arrived"
        assert fast.hits[0][0] - published < 1.0
        while len(slow.hits) < 6 and time.monotonic() < published + 20:
            time.sleep(0.05)
        assert len(slow.hits) == 6  # acme's all arrive, two at a time, each endpoint in order
    finally:
        service.stop()
