"""A tenant's data from creation to erasure (LGPD art. 18): delete, export, erase, revoke, audit.

The erasure test renders for real (in-process pipeline: LibreOffice, espeak-ng, ffmpeg), then walks
the SQLite table and the blob folder: nothing of the erased tenant may remain in either.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.api import create_app, create_key
from estudio.api.urls import UrlSigner
from estudio.jobs import JobRepository
from estudio.settings import Settings
from estudio.webhooks.delivery import WebhookService
from tests.integration.api.conftest import Env, Receiver, new_project_with_deck


def _finished_render(env: Env, client: TestClient, project_id: str) -> dict:
    """A render marked done with real files in the blob store (no pipeline run)."""
    render = client.post(f"/v1/projects/{project_id}/renders", json={}).json()
    outputs = {}
    for name, data in (("video.mp4", b"\x00\x00\x00\x18ftypmp42"), ("manifest.json", b"{}")):
        key = f"jobs/{render['id']}/out/{name}"
        env.blobs.put_bytes(key, data)
        outputs[name] = key
    env.blobs.put_bytes(f"jobs/{render['id']}/speech/0000.wav", b"RIFF")
    env.app.state.services.jobs.succeed(render["id"], outputs, 1.0)
    return dict(client.get(f"/v1/renders/{render['id']}").json())


def test_given_a_project_with_renders_when_deleted_then_renders_links_and_files_are_gone(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    render = _finished_render(env, client, project["id"])
    links = [o["url"] for o in render["outputs"]]
    anonymous = TestClient(env.app)
    assert all(anonymous.get(url).status_code == 200 for url in links)

    assert client.delete(f"/v1/projects/{project['id']}").status_code == 204

    assert client.get(f"/v1/renders/{render['id']}").status_code == 404
    assert all(anonymous.get(url).status_code == 404 for url in links)
    assert env.blobs.list(f"projects/{project['id']}/") == []
    assert env.blobs.list(f"jobs/{render['id']}/") == []
    assert client.get("/v1/renders").json()["items"] == []


def test_given_a_render_when_deleted_then_it_answers_404_and_its_key_can_start_a_new_one(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    first = client.post(
        f"/v1/projects/{project['id']}/renders", json={}, headers={"Idempotency-Key": "k1"}
    ).json()
    assert client.delete(f"/v1/renders/{first['id']}").status_code == 204
    assert client.get(f"/v1/renders/{first['id']}").status_code == 404
    assert client.delete(f"/v1/renders/{first['id']}").status_code == 404
    again = client.post(
        f"/v1/projects/{project['id']}/renders", json={}, headers={"Idempotency-Key": "k1"}
    )
    assert again.status_code == 202 and again.json()["id"] != first["id"]


def test_given_another_tenants_render_when_deleting_it_then_404_and_it_stays(
    env: Env, deck_bytes: bytes
) -> None:
    owner = env.client("acme")
    project = new_project_with_deck(owner, deck_bytes)
    render = owner.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    intruder = env.client("beta")
    assert intruder.delete(f"/v1/renders/{render['id']}").status_code == 404
    assert intruder.delete(f"/v1/projects/{project['id']}").status_code == 404
    assert intruder.request("DELETE", "/v1/tenant", json={"confirm": "acme"}).status_code == 422
    assert owner.get(f"/v1/renders/{render['id']}").status_code == 200


def test_given_a_tenant_with_data_when_exported_then_the_zip_holds_all_of_it(
    env: Env, deck_bytes: bytes, receiver: Receiver
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes, name="Segurança – NR-10")
    client.patch(f"/v1/projects/{project['id']}/scenes/0", json={"script": "Roteiro editado."})
    client.put("/v1/glossary", json={"entries": [{"term": "EPI", "spoken": "é pê í"}]})
    hook = client.post("/v1/webhooks", json={"url": receiver.url, "events": ["deck.parsed"]})
    secret = hook.json()["secret"]
    render = _finished_render(env, client, project["id"])
    env.client("beta").post("/v1/projects", json={"name": "Outro inquilino"})

    response = client.get("/v1/tenant/export")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    index = json.loads(archive.read("index.json"))
    assert index["tenant"] == "acme"
    assert {f["path"] for f in index["files"]} == names - {"index.json"}
    base = f"projects/{project['id']}"
    assert f"{base}/deck/treino.pptx" in names
    assert archive.read(f"{base}/deck/treino.pptx") == deck_bytes
    assert json.loads(archive.read(f"{base}/project.json"))["name"] == "Segurança – NR-10"
    scenes = json.loads(archive.read(f"{base}/scenes.json"))
    assert scenes[0]["script"] == "Roteiro editado."
    assert json.loads(archive.read("glossary.json"))["entries"][0]["term"] == "EPI"
    hooks = json.loads(archive.read("webhooks.json"))
    assert hooks[0]["url"] == receiver.url
    assert {f"renders/{render['id']}/render.json", f"renders/{render['id']}/video.mp4"} <= names
    assert f"renders/{render['id']}/manifest.json" in names
    assert json.loads(archive.read("api-keys.json"))[0]["id"].startswith("key_")
    actions = [e["action"] for e in json.loads(archive.read("audit-log.json"))]
    assert (
        "POST /v1/projects" in actions
        and "PATCH /v1/projects/{project_id}/scenes/{index}" in actions
    )
    everything = b"".join(archive.read(name) for name in names)
    assert secret.encode() not in everything
    assert b"Outro inquilino" not in everything
    for key in env.items.find(
        "apikey", "prefix", json.loads(archive.read("api-keys.json"))[0]["prefix"]
    ):
        assert key.data["hash"].encode() not in everything


def test_given_changes_when_made_then_the_audit_log_names_key_action_and_ids_never_scripts(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    client.patch(f"/v1/projects/{project['id']}/scenes/1", json={"script": "Texto secreto."})
    client.get(f"/v1/projects/{project['id']}")  # reads are not audited
    entries = env.app.state.services.audit.entries("acme")
    assert [e.data["action"] for e in entries] == [
        "POST /v1/projects",
        "POST /v1/projects/{project_id}/deck",
        "PATCH /v1/projects/{project_id}/scenes/{index}",
    ]
    assert entries[-1].data["resource"] == {"project_id": project["id"], "index": "1"}
    assert all(e.data["actor"].startswith("key_") for e in entries)
    assert "Texto secreto" not in json.dumps([e.data for e in entries])
    assert not hasattr(env.app.state.services.audit, "delete")


def test_given_a_revoked_key_when_used_then_401_at_once(env: Env) -> None:
    from estudio.api.keys import list_keys, revoke_key

    client = env.client("acme")
    assert client.get("/v1/projects").status_code == 200
    [key] = list_keys(env.items, "acme")
    assert "hash" not in key
    assert revoke_key(env.items, key["id"]) == "acme"
    assert client.get("/v1/projects").status_code == 401
    assert list_keys(env.items, "acme")[0]["revoked"] is True


# --- erasure with a real render ------------------------------------------------------------------
@dataclass
class RenderingEnv:
    app: FastAPI
    items: SqliteItemStore
    blobs: FolderBlobStore
    root: Path
    orchestrator: object

    def client(self, tenant: str) -> TestClient:
        client = TestClient(self.app)
        client.headers["Authorization"] = f"Bearer {create_key(self.items, tenant)}"
        return client


@pytest.fixture
def rendering_env(tmp_path: Path) -> Iterator[RenderingEnv]:
    from estudio.pipeline.context import StageContext
    from estudio.pipeline.runner import LocalOrchestrator

    settings = Settings(data=tmp_path, workers=2)
    items = SqliteItemStore(tmp_path / "state.db")
    blobs = FolderBlobStore(tmp_path / "blobs")
    webhooks = WebhookService(items, allow_private=True)
    jobs = JobRepository(items, events=webhooks)
    context = StageContext(blobs=blobs, jobs=jobs, settings=settings)
    orchestrator = LocalOrchestrator(lambda: context, workers=1)
    app = create_app(
        items,
        blobs,
        orchestrator,
        settings,
        webhooks=webhooks,
        jobs=jobs,
        signer=UrlSigner(b"s" * 32),
        allow_private_webhooks=True,
    )
    yield RenderingEnv(app, items, blobs, tmp_path, orchestrator)
    orchestrator.shutdown(wait=True)
    webhooks.stop()


def _rows(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("SELECT kind, id, tenant FROM items").fetchall())


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_given_a_tenant_that_rendered_when_erased_then_nothing_of_it_is_left_anywhere(
    rendering_env: RenderingEnv, deck_bytes: bytes, receiver: Receiver
) -> None:
    env = rendering_env
    other = env.client("beta")
    new_project_with_deck(other, deck_bytes, name="Fica")
    rows_before = _rows(env.root / "state.db")
    files_before = _files(env.blobs.root)

    acme = env.client("acme")
    acme.post("/v1/webhooks", json={"url": receiver.url, "events": ["render.completed"]})
    acme.put("/v1/glossary", json={"entries": [{"term": "EPI", "spoken": "é pê í"}]})
    project = new_project_with_deck(acme, deck_bytes, name="Some")
    render = acme.post(
        f"/v1/projects/{project['id']}/renders",
        json={"preset": "720p"},
        headers={"Idempotency-Key": "once"},
    ).json()
    env.orchestrator.wait(render["id"], timeout=600)  # type: ignore[attr-defined]
    done = acme.get(f"/v1/renders/{render['id']}").json()
    assert done["status"] == "succeeded", done
    link = next(o["url"] for o in done["outputs"] if o["name"] == "video.mp4")
    ticket = acme.post(f"/v1/projects/{project['id']}/deck", json={"filename": "b.pptx"}).json()
    TestClient(env.app).put(ticket["upload_url"], content=deck_bytes)
    assert any(tenant == "acme" for _, _, tenant in _rows(env.root / "state.db"))
    assert any(f.startswith(f"jobs/{render['id']}/") for f in _files(env.blobs.root))
    assert any(f.startswith("speech-cache/acme/") for f in _files(env.blobs.root))
    assert any(f.startswith("cache/slides/acme/") for f in _files(env.blobs.root))

    assert acme.request("DELETE", "/v1/tenant", json={"confirm": "beta"}).status_code == 422
    response = acme.request("DELETE", "/v1/tenant", json={"confirm": "acme"})

    assert response.status_code == 204
    assert acme.get("/v1/projects").status_code == 401  # the keys went with it
    assert TestClient(env.app).get(link).status_code == 404
    assert _rows(env.root / "state.db") == rows_before
    assert _files(env.blobs.root) == files_before
    assert other.get("/v1/projects").json()["items"][0]["name"] == "Fica"


def test_given_the_cli_when_keys_and_tenants_are_managed_then_it_mirrors_the_api(
    tmp_path: Path, deck_bytes: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    from estudio.cli import main
    from estudio.serve import open_stores

    data = tmp_path / "data"
    items, blobs = open_stores(data)
    app = create_app(items, blobs, settings=Settings(data=data), signer=UrlSigner(b"c" * 32))
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {create_key(items, 'acme', label='painel')}"
    project = new_project_with_deck(client, deck_bytes)  # type: ignore[arg-type]
    capsys.readouterr()

    assert main(["keys", "list", "--tenant", "ACME", "--data", str(data), "--json"]) == 0
    [key] = json.loads(capsys.readouterr().out)["keys"]
    assert key["label"] == "painel" and key["revoked"] is False and "hash" not in key
    out = tmp_path / "acme.zip"
    assert (
        main(["tenants", "export", "--tenant", "acme", "--out", str(out), "--data", str(data)]) == 0
    )
    assert f"projects/{project['id']}/project.json" in zipfile.ZipFile(out).namelist()
    assert (
        main(["tenants", "export", "--tenant", "nobody", "--out", str(out), "--data", str(data)])
        == 2
    )
    assert main(["keys", "revoke", key["id"], "--data", str(data)]) == 0
    assert client.get("/v1/projects").status_code == 401
    assert main(["keys", "revoke", "key_unknown", "--data", str(data)]) == 2
    assert main(["tenants", "delete", "--tenant", "acme", "--data", str(data)]) == 2
    assert main(["tenants", "delete", "--tenant", "acme", "--yes", "--data", str(data)]) == 0
    assert [r for r in _rows(data / "state.db") if r[2] == "acme"] == []
    assert _files(blobs.root) == set()
