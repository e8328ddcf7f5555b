"""Issue 10's attacks against a real ``estudio serve`` (uvicorn, its own process) on loopback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.serve_process import Served, start_server
from tests.integration.api.conftest import SMALL_DECK, make_deck

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_server(tmp_path_factory.mktemp("hostile") / "data")
    yield server
    server.stop()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_given_eight_anonymous_37_mib_bodies_at_once_then_413s_and_memory_stays_flat(
    served: Served,
) -> None:
    before = _rss_kib(served.process.pid)
    statuses: list[int] = []
    body = b"[" + b" " * (37 * 1024 * 1024) + b"]"

    def send() -> None:
        try:
            response = httpx.post(
                f"{served.url}/v1/projects",
                content=body,
                headers={"Content-Type": "application/json"},
                timeout=60,
            )
            statuses.append(response.status_code)
        except httpx.HTTPError:  # the server may close before the client finished sending
            statuses.append(413)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [413] * 8
    assert _rss_kib(served.process.pid) - before < 64 * 1024  # not 8 x 37 MiB
    assert httpx.get(f"{served.url}/v1/health").status_code == 200


def test_given_a_unicode_upload_then_the_same_connection_serves_the_next_request(
    served: Served,
) -> None:
    with served.client() as client:
        project = client.post("/v1/projects", json={"name": "Unicode"}).json()
        response = client.post(
            f"/v1/projects/{project['id']}/deck",
            files={"file": ("Segurança – NR-10 🚒.pptx", make_deck(SMALL_DECK))},
        )
        assert response.status_code == 200, response.text
        assert response.json()["deck"]["source_name"] == "Segurança – NR-10 🚒.pptx"
        assert client.get("/v1/projects").status_code == 200  # same keep-alive connection


def test_given_a_rebinding_host_then_the_page_and_the_login_exchange_give_nothing(
    served: Served,
) -> None:
    page = httpx.get(f"{served.url}/", headers={"Host": "attacker.example"})
    assert served.key not in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    token = served.login_url().split("#login=", 1)[1]
    refused = httpx.post(
        f"{served.url}/v1/local/login", json={"token": token}, headers={"Host": "attacker.example"}
    )
    assert refused.status_code == 404
    granted = httpx.post(f"{served.url}/v1/local/login", json={"token": token})
    assert granted.status_code == 200 and granted.json()["api_key"] == served.key
    again = httpx.post(f"{served.url}/v1/local/login", json={"token": token})
    assert again.status_code == 401  # one use only


def test_given_a_raw_request_with_a_lying_length_then_the_server_answers_and_survives(
    served: Served,
) -> None:
    host, port = served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            + b"".join(b"%x\r\n%s\r\n" % (65536, b" " * 65536) for _ in range(20))
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")
    assert httpx.get(f"{served.url}/v1/health").status_code == 200
