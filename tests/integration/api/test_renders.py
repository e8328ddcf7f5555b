"""Renders through the API: idempotency, status, cancel, outputs with download links."""

from __future__ import annotations

from estudio.jobs import JobStatus
from tests.integration.api.conftest import Env, new_project_with_deck


def test_given_a_deck_when_render_requested_then_202_queued_with_location(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    response = client.post(f"/v1/projects/{project['id']}/renders", json={"preset": "720p"})
    assert response.status_code == 202
    render = response.json()
    assert render["status"] == "queued" and render["progress"] == 0
    assert render["options"]["preset"] == "720p"
    assert response.headers["location"].endswith(f"/v1/renders/{render['id']}")
    assert client.get(f"/v1/renders/{render['id']}").json()["id"] == render["id"]


def test_given_the_same_idempotency_key_when_posting_twice_then_one_render(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    url = f"/v1/projects/{project['id']}/renders"
    headers = {"Idempotency-Key": "order-42"}
    first = client.post(url, json={"preset": "720p"}, headers=headers).json()
    second = client.post(url, json={"preset": "720p"}, headers=headers).json()
    assert first["id"] == second["id"]
    assert len(client.get("/v1/renders").json()["items"]) == 1
    other = client.post(url, json={"preset": "1080p"}, headers=headers)
    assert other.status_code == 409 and other.json()["code"] == "conflict"
    fresh = client.post(url, json={"preset": "720p"}, headers={"Idempotency-Key": "order-43"})
    assert fresh.json()["id"] != first["id"]


def test_given_another_tenant_uses_the_same_idempotency_key_then_its_own_render(
    env: Env, deck_bytes: bytes
) -> None:
    a, b = env.client("acme"), env.client("globex")
    pa, pb = new_project_with_deck(a, deck_bytes), new_project_with_deck(b, deck_bytes)
    ra = a.post(f"/v1/projects/{pa['id']}/renders", json={}, headers={"Idempotency-Key": "k"})
    rb = b.post(f"/v1/projects/{pb['id']}/renders", json={}, headers={"Idempotency-Key": "k"})
    assert ra.status_code == rb.status_code == 202
    assert ra.json()["id"] != rb.json()["id"]


def test_given_a_project_without_deck_when_rendering_then_409(env: Env) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    response = client.post(f"/v1/projects/{project['id']}/renders", json={})
    assert response.status_code == 409


def test_given_unknown_avatar_when_rendering_then_422_unknown_avatar(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    response = client.post(f"/v1/projects/{project['id']}/renders", json={"avatar": "nobody"})
    assert response.status_code == 422 and response.json()["code"] == "unknown_avatar"


def test_given_a_queued_render_when_cancelled_then_cancelled_and_second_cancel_is_harmless(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    cancelled = client.post(f"/v1/renders/{render['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["error"]["code"] == "cancelled"
    assert client.post(f"/v1/renders/{render['id']}/cancel").status_code == 200


def test_given_a_finished_render_when_cancelled_then_409(env: Env, deck_bytes: bytes) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    env.app.state.services.jobs.fail(render["id"], "render_failed", "boom")
    response = client.post(f"/v1/renders/{render['id']}/cancel")
    assert response.status_code == 409


def test_given_a_succeeded_render_when_read_then_outputs_download_through_signed_links(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    key = f"jobs/{render['id']}/out/subtitles.vtt"
    env.blobs.put_bytes(key, b"WEBVTT\n\n")
    env.app.state.services.jobs.succeed(render["id"], {"subtitles.vtt": key}, 1.0)
    body = client.get(f"/v1/renders/{render['id']}").json()
    assert body["status"] == JobStatus.SUCCEEDED.value and body["progress"] == 100
    [output] = body["outputs"]
    download = type(client)(env.app).get(output["url"])  # no API key: the link is the grant
    assert download.status_code == 200 and download.content == b"WEBVTT\n\n"
    assert download.headers["content-type"].startswith("text/vtt")


def test_given_catalog_routes_when_listed_then_voices_and_avatars_come_back(env: Env) -> None:
    client = env.client("acme")
    voices = client.get("/v1/voices", params={"language": "pt-BR"}).json()
    assert any(v["id"].startswith("espeak:") and v["language"] == "pt-BR" for v in voices)
    assert {a["id"] for a in client.get("/v1/avatars").json()} >= {"ana", "bruno"}
