"""A render in several languages through the API (ADR 0017): each further language is a render
linked to the first; the answer folds their status and progress, its outputs carry their
language; cancel and delete reach every language; without an LLM writer it is refused."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.api import create_app, create_key
from estudio.api.urls import UrlSigner
from estudio.script.factory import Writers
from estudio.script.openai_compat import OpenAIWriter
from estudio.script.rules import RulesWriter
from estudio.settings import Settings
from tests.integration.api.conftest import Env, new_project_with_deck


@pytest.fixture
def llm_env(tmp_path: Path) -> Iterator[Env]:
    """The API with an LLM writer configured (never called at request time: nothing answers)."""
    items = SqliteItemStore(tmp_path / "state.sqlite3")
    blobs = FolderBlobStore(tmp_path / "blobs")
    writer = OpenAIWriter("http://127.0.0.1:9/v1", "local-model")
    app = create_app(
        items,
        blobs,
        settings=Settings(data=tmp_path),
        signer=UrlSigner(b"k" * 32),
        writers=Writers(rules=RulesWriter(), llm=writer),
    )
    yield Env(app, items, blobs, tmp_path)
    app.state.services.webhooks.stop()


def _client(env: Env) -> TestClient:
    client = TestClient(env.app)
    client.headers["Authorization"] = f"Bearer {create_key(env.items, 'acme')}"
    return client


def _succeed(env: Env, render_id: str, text: str) -> None:
    key = f"jobs/{render_id}/out/subtitles.vtt"
    env.blobs.put_bytes(key, f"WEBVTT\n\n00:00.000 --> 00:01.000\n{text}\n".encode())
    env.app.state.services.jobs.succeed(render_id, {"subtitles.vtt": key}, 1.0)


def test_given_two_languages_when_rendered_then_one_render_with_a_linked_english_one(
    llm_env: Env, deck_bytes: bytes
) -> None:
    client = _client(llm_env)
    project = new_project_with_deck(client, deck_bytes)

    accepted = client.post(
        f"/v1/projects/{project['id']}/renders",
        json={"languages": ["pt-BR", "en"], "translate_slides": True, "preset": "720p"},
    )

    assert accepted.status_code == 202, accepted.text
    render = accepted.json()
    assert render["options"]["language"] == "pt-BR" and render["options"]["translate"]
    assert [(lang["language"], lang["status"]) for lang in render["languages"]] == [
        ("pt-BR", "queued"),
        ("en", "queued"),
    ]
    english_id = render["languages"][1]["render_id"]
    english = client.get(f"/v1/renders/{english_id}").json()
    assert english["parent_id"] == render["id"]
    assert english["options"]["language"] == "en" and english["options"]["voice"] is None
    assert english["options"]["translate_slides"] and english["options"]["languages"] == []
    assert [r["id"] for r in client.get("/v1/renders").json()["items"]] == [render["id"]]

    _succeed(llm_env, render["id"], "Desligue o disjuntor")
    halfway = client.get(f"/v1/renders/{render['id']}").json()
    assert halfway["status"] == "running" and halfway["progress"] == 50
    assert [o["language"] for o in halfway["outputs"]] == ["pt-BR"]  # what is ready already

    _succeed(llm_env, english_id, "Switch off the breaker")
    done = client.get(f"/v1/renders/{render['id']}").json()
    assert done["status"] == "succeeded" and done["progress"] == 100
    by_language = {o["language"]: o["url"] for o in done["outputs"]}
    assert set(by_language) == {"pt-BR", "en"}
    captions = type(client)(llm_env.app).get(by_language["en"])  # the link is the grant
    assert captions.status_code == 200 and "Switch off the breaker" in captions.text
    assert 'filename="treino.en.vtt"' in captions.headers["content-disposition"]

    assert client.delete(f"/v1/renders/{render['id']}").status_code == 204
    assert client.get(f"/v1/renders/{english_id}").status_code == 404
    assert not llm_env.blobs.list(f"jobs/{english_id}/")


def test_given_two_languages_when_cancelled_or_one_fails_then_the_render_says_so(
    llm_env: Env, deck_bytes: bytes
) -> None:
    client = _client(llm_env)
    project = new_project_with_deck(client, deck_bytes)
    url = f"/v1/projects/{project['id']}/renders"
    first = client.post(url, json={"languages": ["pt-BR", "en", "es"]}).json()
    second = client.post(url, json={"languages": ["pt-BR", "en"]}).json()

    cancelled = client.post(f"/v1/renders/{first['id']}/cancel").json()
    llm_env.app.state.services.jobs.fail(
        second["languages"][1]["render_id"], "writer_failed", "scene 1 could not be translated"
    )
    failed = client.get(f"/v1/renders/{second['id']}").json()

    assert cancelled["status"] == "cancelled"
    assert {lang["status"] for lang in cancelled["languages"]} == {"cancelled"}
    assert failed["status"] == "failed"
    assert failed["error"] == {
        "code": "writer_failed",
        "message": "en: scene 1 could not be translated",
    }


def test_given_no_llm_writer_when_asking_for_languages_then_409_writer_unavailable(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    url = f"/v1/projects/{project['id']}/renders"

    refused = client.post(url, json={"languages": ["pt-BR", "en"]})
    slides_alone = client.post(url, json={"translate_slides": True})
    disagree = client.post(url, json={"language": "es", "languages": ["pt-BR", "en"]})

    assert refused.status_code == 409 and refused.json()["code"] == "writer_unavailable"
    assert slides_alone.status_code == 422 and slides_alone.json()["code"] == "invalid_options"
    assert disagree.status_code == 422 and disagree.json()["code"] == "invalid_options"
    assert client.get("/v1/renders").json()["items"] == []  # nothing was queued


def test_given_a_dropped_deck_with_two_languages_then_each_lands_in_its_folder_once_all_are_done(
    llm_env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    from estudio.dropbox import DropFolder

    create_key(llm_env.items, "acme")
    root = tmp_path / "drop"
    (root / "acme").mkdir(parents=True)
    (root / "acme" / "curso.pptx").write_bytes(deck_bytes)
    (root / "acme" / "curso.json").write_text(json.dumps({"languages": ["pt-BR", "en"]}))
    drop = DropFolder(root, llm_env.app.state.services, settle_s=2.0)
    drop.scan(now=0.0)
    [job_id] = drop.scan(now=5.0)
    english_id = llm_env.app.state.services.jobs.get(job_id).children["en"]
    outgoing = root / "acme" / "outgoing" / "curso"

    _succeed(llm_env, job_id, "Desligue o disjuntor")
    drop.scan(now=6.0)
    assert not outgoing.exists()  # the English render is not done yet
    _succeed(llm_env, english_id, "Switch off the breaker")
    drop.scan(now=7.0)

    assert "Desligue o disjuntor" in (outgoing / "subtitles.vtt").read_text()
    assert "Switch off the breaker" in (outgoing / "en" / "subtitles.vtt").read_text()


def test_given_no_llm_writer_when_one_language_other_than_the_decks_then_409_else_accepted(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)  # a Portuguese deck
    url = f"/v1/projects/{project['id']}/renders"

    english = client.post(url, json={"languages": ["en"]})
    portuguese = client.post(url, json={"languages": ["pt-BR"]})

    assert english.status_code == 409 and english.json()["code"] == "writer_unavailable"
    assert portuguese.status_code == 202 and portuguese.json()["options"]["language"] == "pt-BR"


def test_given_two_languages_when_watching_events_then_the_stream_ends_with_the_last_language(
    llm_env: Env, deck_bytes: bytes
) -> None:
    client = _client(llm_env)
    project = new_project_with_deck(client, deck_bytes)
    render = client.post(
        f"/v1/projects/{project['id']}/renders", json={"languages": ["pt-BR", "en"]}
    ).json()
    english_id = render["languages"][1]["render_id"]

    def pipeline() -> None:
        time.sleep(0.7)
        _succeed(llm_env, render["id"], "Desligue o disjuntor")
        time.sleep(1.2)  # the first language is done; the stream goes on
        llm_env.app.state.services.jobs.start_stage(english_id, "speak")
        time.sleep(0.7)
        _succeed(llm_env, english_id, "Switch off the breaker")

    worker = threading.Thread(target=pipeline)
    worker.start()
    with client.stream("GET", f"/v1/renders/{render['id']}/events") as response:
        lines = list(response.iter_lines())
    worker.join()
    bodies = [json.loads(line[6:]) for line in lines if line.startswith("data: {")]
    assert bodies[0]["status"] == "queued"
    assert bodies[-1]["status"] == "succeeded" and bodies[-1]["progress"] == 100
    assert [b["progress"] for b in bodies] == sorted(b["progress"] for b in bodies)
    assert any(b["status"] == "running" and b["progress"] == 50 for b in bodies)
    assert {o["language"] for o in bodies[-1]["outputs"]} == {"pt-BR", "en"}
