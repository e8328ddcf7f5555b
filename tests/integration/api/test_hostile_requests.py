"""Attacks and awkward input from issue 10, each answered with a 4xx problem, never a 5xx."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import threading
import time
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from estudio.api.guard import JSON_MAX_BYTES
from estudio.jobs import JobStatus
from tests.integration.api.conftest import Env, new_project_with_deck

UNICODE_NAMES = [
    "Segurança – NR-10.pptx",
    "урок.pptx",
    "שיעור.pptx",
    "Treino 🚒 bombeiros.pptx",
    "Apresentação.pptx",
]


def _multipart(filename_header: str, deck: bytes) -> tuple[bytes, str]:
    boundary = "estudio-boundary-1234"
    body = (
        (
            f"--{boundary}\r\n"
            f"Content-Disposition: form-data; {filename_header}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + deck
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_given_a_unicode_file_name_when_uploaded_then_stored_exactly_and_connection_still_works(
    env: Env, deck_bytes: bytes, name: str
) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "Unicode"}).json()
    body, content_type = _multipart(f'name="file"; filename="{name}"', deck_bytes)
    response = client.post(
        f"/v1/projects/{project['id']}/deck", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 200, response.text
    assert response.json()["deck"]["source_name"] == unicodedata.normalize("NFC", name)
    assert client.get("/v1/projects").status_code == 200


def test_given_an_rfc5987_file_name_when_uploaded_then_it_wins_over_the_ascii_one(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    exact = "Apresentação – NR-10.pptx"
    header = f'name="file"; filename="Apresentacao.pptx"; filename*=UTF-8\'\'{quote(exact)}'
    body, content_type = _multipart(header, deck_bytes)
    response = client.post(
        f"/v1/projects/{project['id']}/deck", content=body, headers={"Content-Type": content_type}
    )
    assert response.json()["deck"]["source_name"] == exact


def test_given_a_decomposed_name_when_uploaded_then_stored_in_nfc(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    nfd = unicodedata.normalize("NFD", "Ação.pptx")
    body, content_type = _multipart(f'name="file"; filename="{nfd}"', deck_bytes)
    response = client.post(
        f"/v1/projects/{project['id']}/deck", content=body, headers={"Content-Type": content_type}
    )
    assert response.json()["deck"]["source_name"] == "Ação.pptx"


def test_given_a_unicode_deck_when_rendered_then_downloads_carry_the_exact_name(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    body, content_type = _multipart('name="file"; filename="Segurança – NR-10.pptx"', deck_bytes)
    client.post(
        f"/v1/projects/{project['id']}/deck", content=body, headers={"Content-Type": content_type}
    )
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    key = f"jobs/{render['id']}/out/video.mp4"
    env.blobs.put_bytes(key, b"\x00\x00\x00\x18ftypmp42")
    env.app.state.services.jobs.succeed(render["id"], {"video.mp4": key}, 1.0)
    [output] = client.get(f"/v1/renders/{render['id']}").json()["outputs"]
    download = TestClient(env.app).get(output["url"])
    assert download.status_code == 200
    disposition = download.headers["content-disposition"]
    assert "filename*=UTF-8''" + quote("Segurança – NR-10.mp4", safe="") in disposition
    assert 'filename="Seguranca - NR-10.mp4"' in disposition or "filename=" in disposition


# --- request limits ------------------------------------------------------------------------------
def test_given_no_key_and_a_huge_declared_json_body_then_413_before_reading(env: Env) -> None:
    def body() -> Iterator[bytes]:
        raise AssertionError("the body must not be read")
        yield b""  # pragma: no cover

    response = TestClient(env.app).post(
        "/v1/projects",
        content=body(),
        headers={"Content-Type": "application/json", "Content-Length": str(37 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large"


def test_given_a_chunked_json_body_over_the_limit_then_413_and_reading_stops(env: Env) -> None:
    """Straight through ASGI, so we see how much of the body the app pulled."""
    chunk = b" " * 65536
    pulled = 0
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < 600}  # 37 MiB

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/projects",
        "raw_path": b"/v1/projects",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(env.app(scope, receive, send))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert [m["status"] for m in starts] == [413]
    assert pulled * len(chunk) <= JSON_MAX_BYTES + len(chunk)


def test_given_a_deck_upload_over_the_deck_limit_then_413_while_streaming(env: Env) -> None:
    limit = env.app.state.services.settings.limits.max_deck_bytes
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    response = client.post(
        f"/v1/projects/{project['id']}/deck",
        headers={
            "Content-Type": "multipart/form-data; boundary=b",
            "Content-Length": str(limit + 10 * 1024 * 1024),
        },
        content=b"--b\r\n",
    )
    assert response.status_code == 413


# --- the page and headers ------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/static/app.js", "/v1/health", "/v1/projects", "/docs"])
def test_given_any_response_then_strict_security_headers(env: Env, path: str) -> None:
    response = TestClient(env.app).get(path)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_given_a_rebinding_host_when_the_page_is_read_then_no_key_is_in_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from estudio.serve import build_server
    from estudio.settings import Settings

    server = build_server(Settings(data=tmp_path / "data"), start_worker=False)
    try:
        client = TestClient(server.app)
        for host in ("attacker.example", "127.0.0.1:8000", "localhost"):
            page = client.get("/", headers={"Host": host}).text
            assert server.local_key not in page
            assert "estudio-local-key" not in page
    finally:
        server.close()


# --- smaller ones --------------------------------------------------------------------------------
def test_given_a_cursor_with_a_huge_number_when_listing_then_422_not_500(env: Env) -> None:
    client = env.client("acme")
    cursor = base64.urlsafe_b64encode(f'[{"9" * 350}, "x"]'.encode()).decode().rstrip("=")
    for path in ("/v1/projects", "/v1/renders", "/v1/webhooks"):
        response = client.get(path, params={"cursor": cursor})
        assert response.status_code == 422, (path, response.text)
        assert response.json()["code"] == "invalid_options"


@pytest.mark.parametrize("voice", ["../../etc/passwd", "espeak:no-such-voice", "nobody:x"])
def test_given_an_unknown_voice_when_editing_a_scene_then_422_and_nothing_stored(
    env: Env, deck_bytes: bytes, voice: str
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    response = client.patch(f"/v1/projects/{project['id']}/scenes/0", json={"voice": voice})
    assert response.status_code == 422, response.text
    assert response.json()["code"] in ("unknown_voice", "invalid_request")
    assert client.get(f"/v1/projects/{project['id']}/scenes").json()[0]["voice"] is None


def test_given_a_known_voice_when_editing_a_scene_then_it_is_kept(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    response = client.patch(
        f"/v1/projects/{project['id']}/scenes/0", json={"voice": "espeak:pt-br"}
    )
    assert response.status_code == 200 and response.json()["voice"] == "espeak:pt-br"


def test_given_an_unknown_voice_when_rendering_then_422(env: Env, deck_bytes: bytes) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    response = client.post(f"/v1/projects/{project['id']}/renders", json={"voice": "x:../../a"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("path_kind", "body"),
    [
        ("project", {"name": "a\x00b"}),
        ("project", {"name": "ok", "description": "a\x00"}),
        ("scene", {"script": "Olá\x00mundo"}),
        ("webhook", {"url": "http://127.0.0.1/\x00", "events": ["render.completed"]}),
    ],
)
def test_given_nul_characters_when_sent_then_422(
    env: Env, deck_bytes: bytes, path_kind: str, body: dict[str, object]
) -> None:
    client = env.client("acme")
    if path_kind == "project":
        response = client.post("/v1/projects", json=body)
    elif path_kind == "webhook":
        response = client.post("/v1/webhooks", json=body)
    else:
        project = new_project_with_deck(client, deck_bytes)
        response = client.patch(f"/v1/projects/{project['id']}/scenes/0", json=body)
    assert response.status_code == 422, response.text


def test_given_an_upload_link_when_put_after_completion_then_refused(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    ticket = client.post(
        f"/v1/projects/{project['id']}/deck", json={"filename": "Aula – 1.pptx"}
    ).json()
    anonymous = TestClient(env.app)
    assert anonymous.put(ticket["upload_url"], content=deck_bytes).status_code == 204
    done = client.post(ticket["complete_url"], json={"upload_id": ticket["upload_id"]})
    assert done.status_code == 200 and done.json()["deck"]["source_name"] == "Aula – 1.pptx"
    again = anonymous.put(ticket["upload_url"], content=b"other bytes")
    assert again.status_code in (404, 409), again.text
    assert not env.blobs.list(f"uploads/{project['id']}/")


def test_given_100_parallel_renders_with_one_idempotency_key_then_all_answer_the_same_render(
    env: Env, deck_bytes: bytes
) -> None:
    key = env.client("acme").headers["Authorization"]
    project = new_project_with_deck(env.client("acme"), deck_bytes)

    def post(_: int) -> tuple[int, str]:
        client = TestClient(env.app)
        client.headers["Authorization"] = key
        response = client.post(
            f"/v1/projects/{project['id']}/renders",
            json={},
            headers={"Idempotency-Key": "same-key"},
        )
        return response.status_code, response.json().get("id", response.text)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(post, range(100)))
    assert {status for status, _ in results} == {202}, results
    assert len({render_id for _, render_id in results}) == 1
    renders = env.client("acme").get("/v1/renders").json()["items"]
    assert len(renders) == 1 and renders[0]["status"] == JobStatus.QUEUED.value


def test_given_a_render_still_starting_when_the_same_key_arrives_then_it_waits_for_it(
    env: Env, deck_bytes: bytes
) -> None:
    """The window between claiming an Idempotency-Key and creating the job, made wide."""
    import hashlib

    from estudio.models import RenderOptions
    from estudio.services import common as service

    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    options = RenderOptions.model_validate({})
    fingerprint = hashlib.sha256(
        json.dumps([project["id"], options.model_dump(mode="json")], sort_keys=True).encode()
    ).hexdigest()
    record_id = hashlib.sha256(b"acme\0slow-key").hexdigest()
    env.items.create(
        service.IDEMPOTENCY_KIND,
        record_id,
        "acme",
        {"fingerprint": fingerprint, "render_id": "rnd_started_late"},
    )

    def create_late() -> None:
        time.sleep(0.3)
        env.app.state.services.jobs.create(
            "rnd_started_late", "acme", "k", "treino.pptx", options, project["id"]
        )

    thread = threading.Thread(target=create_late)
    thread.start()
    response = client.post(
        f"/v1/projects/{project['id']}/renders", json={}, headers={"Idempotency-Key": "slow-key"}
    )
    thread.join()
    assert response.status_code == 202, response.text
    assert response.json()["id"] == "rnd_started_late"


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, object]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


def test_given_an_upload_killed_midway_then_its_temp_file_is_gone(
    env: Env, deck_bytes: bytes
) -> None:
    from estudio.api.streaming import scratch_dir

    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    body, content_type = _multipart('name="file"; filename="a.pptx"', deck_bytes)
    messages = [
        {"type": "http.request", "body": body[: len(body) // 2], "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, object]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        return None

    headers = [
        (b"authorization", client.headers["Authorization"].encode()),
        (b"content-type", content_type.encode()),
    ]
    scope = _scope("POST", f"/v1/projects/{project['id']}/deck", headers)
    with contextlib.suppress(Exception):  # how the server takes the disconnect is not the point
        asyncio.run(env.app(scope, receive, send))
    assert list(scratch_dir(env.app.state.services.settings).iterdir()) == []


def test_given_leftover_upload_files_when_the_server_starts_then_they_are_swept(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from estudio.api.streaming import scratch_dir
    from estudio.serve import build_server
    from estudio.settings import Settings

    settings = Settings(data=tmp_path / "data")
    leftover = scratch_dir(settings) / "estudio-upload-killed.pptx"
    leftover.write_bytes(b"half a deck")
    server = build_server(settings, start_worker=False)
    server.close()
    assert not leftover.exists()


def test_given_a_state_database_when_opened_then_only_its_owner_can_read_it(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from estudio.adapters.local import SqliteItemStore

    fresh = tmp_path / "fresh.db"
    SqliteItemStore(fresh).create("k", "1", "t", {"secret": "x"})
    old = tmp_path / "old.db"
    old.touch(mode=0o644)
    old.chmod(0o644)
    SqliteItemStore(old)
    for path in (fresh, old):
        assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "fresh.db-wal").stat().st_mode & 0o077 == 0
