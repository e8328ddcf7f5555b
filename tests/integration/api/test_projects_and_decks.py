"""Projects, deck uploads and scene edits through the real app (SQLite, folder blobs, parser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from estudio.settings import Limits, Settings
from tests.integration.api.conftest import CORPUS, Env, new_project_with_deck


def test_given_no_key_when_listing_projects_then_401_problem(env: Env) -> None:
    from fastapi.testclient import TestClient

    response = TestClient(env.app).get("/v1/projects")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_given_a_wrong_key_when_calling_then_401(env: Env) -> None:
    client = env.client("acme")
    client.headers["Authorization"] = "Bearer est_not-a-real-key"
    assert client.get("/v1/projects").json()["code"] == "unauthorized"


def test_given_projects_when_listing_with_a_small_page_then_cursor_walks_them_all(env: Env) -> None:
    client = env.client("acme")
    made = [client.post("/v1/projects", json={"name": f"P{i}"}).json()["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/projects", params=params).json()
        seen += [p["id"] for p in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(made))  # newest first, each once


def test_given_a_project_when_updated_and_deleted_then_changes_show_and_it_is_gone(
    env: Env,
) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "Antes"}).json()
    updated = client.patch(f"/v1/projects/{project['id']}", json={"name": "Depois"}).json()
    assert updated["name"] == "Depois"
    assert client.delete(f"/v1/projects/{project['id']}").status_code == 204
    gone = client.get(f"/v1/projects/{project['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"


def test_given_a_deck_when_uploaded_multipart_then_scenes_are_stored(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    assert project["deck"]["scene_count"] == 2
    assert project["deck"]["language"].startswith("pt")
    scenes = client.get(f"/v1/projects/{project['id']}/scenes").json()
    assert [s["title"] for s in scenes] == ["Boas-vindas", "Regras"]
    assert scenes[0]["script_source"] == "notes"
    assert "segurança" in scenes[0]["script"]


def test_given_a_text_file_when_uploaded_as_deck_then_422_not_a_pptx(env: Env) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    response = client.post(
        f"/v1/projects/{project['id']}/deck", files={"file": ("a.pptx", b"just text")}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_a_pptx"


def test_given_an_encrypted_deck_when_uploaded_then_422_encrypted_deck(env: Env) -> None:
    # An OLE/CFB container holding the streams Office writes for a password-protected deck.
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 1024
        + "EncryptionInfo".encode("utf-16-le")
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 1024
    )
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    response = client.post(f"/v1/projects/{project['id']}/deck", files={"file": ("e.pptx", ole)})
    assert response.status_code == 422
    assert response.json()["code"] == "encrypted_deck"


def test_given_a_deck_over_the_limit_when_uploaded_then_413_before_parsing(
    tmp_path: Path, deck_bytes: bytes
) -> None:
    from fastapi.testclient import TestClient

    from estudio.adapters.local import FolderBlobStore, SqliteItemStore
    from estudio.api import create_app, create_key

    items = SqliteItemStore(tmp_path / "s.sqlite3")
    settings = Settings(data=tmp_path, limits=Limits(max_deck_bytes=len(deck_bytes) - 1))
    app = create_app(items, FolderBlobStore(tmp_path / "b"), settings=settings)
    client = TestClient(app, headers={"Authorization": f"Bearer {create_key(items, 'acme')}"})
    project = client.post("/v1/projects", json={"name": "x"}).json()
    response = client.post(
        f"/v1/projects/{project['id']}/deck", files={"file": ("big.pptx", deck_bytes)}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "deck_too_large"
    assert client.get(f"/v1/projects/{project['id']}").json()["deck"] is None


def test_given_a_filename_when_asking_for_upload_then_put_and_complete_parse_it(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    ticket = client.post(f"/v1/projects/{project['id']}/deck", json={"filename": "grande.pptx"})
    assert ticket.status_code == 201
    body = ticket.json()
    early = client.post(body["complete_url"], json={"upload_id": body["upload_id"]})
    assert early.status_code == 409  # nothing uploaded yet
    anonymous = type(client)(env.app)
    assert anonymous.put(body["upload_url"], content=deck_bytes).status_code == 204
    done = client.post(body["complete_url"], json={"upload_id": body["upload_id"]})
    assert done.status_code == 200, done.text
    assert done.json()["deck"]["source_name"] == "grande.pptx"
    assert done.json()["deck"]["scene_count"] == 2


def test_given_a_tampered_upload_link_when_putting_then_404(env: Env, deck_bytes: bytes) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    url = client.post(f"/v1/projects/{project['id']}/deck", json={"filename": "a.pptx"}).json()[
        "upload_url"
    ]
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert client.put(tampered, content=deck_bytes).status_code == 404


def test_given_scenes_when_one_is_edited_then_the_edit_shows_and_null_undoes_it(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    url = f"/v1/projects/{project['id']}/scenes/1"
    edited = client.patch(url, json={"script": "Texto novo.", "voice": "espeak:pt-br"}).json()
    assert edited["script"] == "Texto novo." and edited["edited"] is True
    assert edited["script_source"] == "edited" and edited["voice"] == "espeak:pt-br"
    assert client.get(f"/v1/projects/{project['id']}").json()["edited_scenes"] == [1]
    undone = client.patch(url, json={"script": None, "voice": None}).json()
    assert undone["edited"] is False and "crachá" in undone["script"]
    assert client.patch(f"/v1/projects/{project['id']}/scenes/9", json={}).status_code == 404


def test_given_a_project_without_deck_when_listing_scenes_then_409(env: Env) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "x"}).json()
    assert client.get(f"/v1/projects/{project['id']}/scenes").status_code == 409


def test_given_no_key_when_health_then_ok(env: Env) -> None:
    from fastapi.testclient import TestClient

    assert TestClient(env.app).get("/v1/health").json()["status"] == "ok"


@pytest.mark.corpus
def test_given_a_corpus_deck_when_uploaded_then_its_scene_count_matches_probe(env: Env) -> None:
    deck = CORPUS / "decks" / "ganesh__Bash_Linux.pptx"
    if not deck.is_file():
        pytest.skip("shared corpus not present")
    client = env.client("acme")
    project = new_project_with_deck(client, deck.read_bytes())
    rows = (CORPUS / "PROBE.tsv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split("\t")
    row = next(
        dict(zip(header, r.split("\t"), strict=False)) for r in rows if r.startswith(deck.name)
    )
    expected = int(row["slides"]) - int(row["hidden"])
    assert project["deck"]["scene_count"] == expected
