"""The studio's scene API through the real app: visibility, play order, spoken-duration
estimates, a render's step and its live events, and the partner page's API keys."""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

import pytest

from estudio.jobs import JobRepository
from estudio.services.scenes import duration_estimate_s
from tests.integration.api.conftest import Env, make_deck, new_project_with_deck

THREE = [
    ("Abertura", "Bem-vindos ao treinamento."),
    ("Regras", "Use sempre o crachá. [pausa 2s] E os equipamentos."),
    ("Fim", "Obrigado e bom trabalho!"),
]


def _scenes(client, project_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = client.get(f"/v1/projects/{project_id}/scenes")
    assert response.status_code == 200, response.text
    return list(response.json())


def test_given_a_deck_when_scenes_listed_then_each_has_position_visibility_and_estimate(
    env: Env,
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, make_deck(THREE))
    scenes = _scenes(client, project["id"])
    assert [s["position"] for s in scenes] == [0, 1, 2]
    assert [s["hidden"] for s in scenes] == [False, False, False]
    assert all(s["image_url"] is None for s in scenes)  # slide images off for this upload
    # "Use sempre o crachá. [pausa 2s] E os equipamentos.": 7 words, 2 sentence ends, 2 s.
    assert scenes[1]["duration_estimate_s"] == round(7 * 0.35 + 2 * 0.9 + 2.0, 1)
    edited = client.patch(
        f"/v1/projects/{project['id']}/scenes/0", json={"script": "Olá. " * 10}
    ).json()
    assert edited["duration_estimate_s"] == round(10 * (0.35 + 0.9), 1)


def test_given_a_scene_when_hidden_then_listed_hidden_not_edited_and_shown_again_on_false(
    env: Env,
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, make_deck(THREE))
    url = f"/v1/projects/{project['id']}/scenes/1"
    hidden = client.patch(url, json={"hidden": True})
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    assert hidden.json()["edited"] is False  # the narration is untouched
    assert client.get(f"/v1/projects/{project['id']}").json()["edited_scenes"] == []
    assert [s["hidden"] for s in _scenes(client, project["id"])] == [False, True, False]
    shown = client.patch(url, json={"hidden": False}).json()
    assert shown["hidden"] is False
    stored = env.items.get("project", project["id"]).data["scene_overrides"]
    assert stored == {}  # showing it again leaves no edit behind


def test_given_an_order_when_put_then_scenes_answer_in_that_order_and_bad_orders_are_422(
    env: Env,
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, make_deck(THREE))
    url = f"/v1/projects/{project['id']}/scenes/order"
    ordered = client.put(url, json={"order": [2, 0, 1]})
    assert ordered.status_code == 200, ordered.text
    assert [(s["index"], s["position"]) for s in ordered.json()] == [(2, 0), (0, 1), (1, 2)]
    listed = _scenes(client, project["id"])
    assert [s["position"] for s in listed] == [1, 2, 0]  # listed by index, positions kept
    for bad in ([0, 1], [0, 1, 1], [0, 1, 3], [0, 1, 2, 3]):
        response = client.put(url, json={"order": bad})
        assert response.status_code == 422 and response.json()["code"] == "invalid_scene_order"
    assert client.put(url, json={"order": "2,0,1"}).status_code == 422
    other = env.client("globex")
    assert other.put(url, json={"order": [0, 1, 2]}).status_code == 404


def test_given_hidden_and_ordered_scenes_when_rendering_then_the_job_carries_both(
    env: Env,
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, make_deck(THREE))
    client.put(f"/v1/projects/{project['id']}/scenes/order", json={"order": [2, 0, 1]})
    client.patch(f"/v1/projects/{project['id']}/scenes/0", json={"hidden": True})
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    edits = env.items.get("job", render["id"]).data["scene_overrides"]
    assert edits == {
        "0": {"hidden": True, "position": 1},
        "1": {"position": 2},
        "2": {"position": 0},
    }


def test_given_every_scene_hidden_when_rendering_then_422_empty_deck(env: Env) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, make_deck(THREE[:2]))
    for index in (0, 1):
        client.patch(f"/v1/projects/{project['id']}/scenes/{index}", json={"hidden": True})
    response = client.post(f"/v1/projects/{project['id']}/renders", json={})
    assert response.status_code == 422 and response.json()["code"] == "empty_deck"


def test_given_scripts_then_the_duration_estimate_follows_its_formula() -> None:
    assert duration_estimate_s("") == 0.0
    assert duration_estimate_s("Um dois três.\n\nQuatro.") == round(4 * 0.35 + 2 * 0.9 + 0.4, 1)


def test_given_a_render_in_a_map_stage_when_read_then_step_counts_its_items(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    assert render["step"] is None  # queued
    jobs = JobRepository(env.items)
    jobs.item_done(render["id"], "speak", 3, 40)
    jobs.item_done(render["id"], "speak", 7, 40)
    jobs.item_done(render["id"], "speak", 7, 40)  # a retry counts once
    running = client.get(f"/v1/renders/{render['id']}").json()
    assert running["status"] == "running"
    assert running["step"] == {"stage": "speak", "done": 2, "total": 40}


def _events(lines: list[str]) -> list[dict]:
    found, kind = [], None
    for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind == "progress":
            found.append(json.loads(line.removeprefix("data: ")))
    return found


def test_given_a_finished_render_when_watching_events_then_one_event_and_the_end(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    client.post(f"/v1/renders/{render['id']}/cancel")
    with client.stream("GET", f"/v1/renders/{render['id']}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = list(response.iter_lines())
    (only,) = _events(lines)
    assert only["status"] == "cancelled" and only["id"] == render["id"]
    assert env.client("globex").get(f"/v1/renders/{render['id']}/events").status_code == 404


def test_given_a_running_render_when_watching_events_then_each_change_once_until_final(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    jobs = JobRepository(env.items)

    def pipeline() -> None:
        time.sleep(0.7)
        jobs.start_stage(render["id"], "speak")
        time.sleep(0.7)
        jobs.item_done(render["id"], "speak", 0, 2)
        time.sleep(1.2)  # two polls without a change: nothing sent
        jobs.item_done(render["id"], "speak", 1, 2)
        time.sleep(0.7)
        jobs.fail(render["id"], "render_failed", "boom")

    worker = threading.Thread(target=pipeline)
    worker.start()
    with client.stream("GET", f"/v1/renders/{render['id']}/events") as response:
        lines = list(response.iter_lines())
    worker.join()
    events = _events(lines)
    statuses = [e["status"] for e in events]
    assert statuses[0] == "queued" and statuses[-1] == "failed"
    assert set(statuses) == {"queued", "running", "failed"}
    assert all(a != b for a, b in itertools.pairwise(events))  # only on change
    steps = [e["step"] for e in events if e["step"]]
    assert {"stage": "speak", "done": 2, "total": 2} in steps
    progress = [e["progress"] for e in events]
    assert progress == sorted(progress)
    assert events[-1]["error"]["code"] == "render_failed"


def test_given_a_partner_when_managing_keys_then_list_create_revoke_and_audit(env: Env) -> None:
    client = env.client("acme")
    (mine,) = client.get("/v1/keys").json()
    created = client.post("/v1/keys", json={"label": "LMS da empresa"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["key"].startswith("est_") and body["label"] == "LMS da empresa"
    listed = client.get("/v1/keys").json()
    assert [k["id"] for k in listed] == [body["id"], mine["id"]]  # newest first
    assert all("key" not in k and "hash" not in k for k in listed)
    assert "key" not in json.dumps(listed).replace('"key_', "")

    partner = env.client("acme")
    partner.headers["Authorization"] = f"Bearer {body['key']}"
    assert partner.post("/v1/projects", json={"name": "Do parceiro"}).status_code == 201
    used = {k["id"]: k["last_used_at"] for k in client.get("/v1/keys").json()}
    assert used[body["id"]] is not None  # its change is in the audit log

    assert env.client("globex").delete(f"/v1/keys/{body['id']}").status_code == 404
    revoked = client.delete(f"/v1/keys/{body['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert partner.get("/v1/projects").status_code == 401
    assert client.delete(f"/v1/keys/{body['id']}").json()["revoked"] is True  # twice: fine

    actions = [e.data["action"] for e in env.app.state.services.audit.entries("acme")]
    assert "POST /v1/keys" in actions and "DELETE /v1/keys/{key_id}" in actions


def test_given_a_key_when_it_revokes_itself_then_that_request_succeeds_and_the_next_is_401(
    env: Env,
) -> None:
    client = env.client("acme")
    (mine,) = client.get("/v1/keys").json()
    assert client.delete(f"/v1/keys/{mine['id']}").status_code == 200
    assert client.get("/v1/keys").status_code == 401


@pytest.mark.parametrize("label", ["", " ", "x" * 101])
def test_given_a_bad_label_when_creating_a_key_then_422(env: Env, label: str) -> None:
    response = env.client("acme").post("/v1/keys", json={"label": label})
    assert response.status_code == 422


def test_given_a_text_when_heard_then_wav_with_the_offline_voice(env: Env) -> None:
    client = env.client("acme")
    response = client.post("/v1/speech/preview", json={"text": "NR-10", "language": "pt-BR"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    assert response.content[:4] == b"RIFF" and len(response.content) > 8000
    blank = client.post("/v1/speech/preview", json={"text": "   "})
    assert blank.status_code == 422 and blank.json()["code"] == "empty_script"
    unknown = client.post("/v1/speech/preview", json={"text": "oi", "voice": "espeak:nobody"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_voice"


def test_given_a_buffered_deployment_when_watching_a_running_render_then_one_event_and_the_end(
    tmp_path: Path, deck_bytes: bytes
) -> None:
    from fastapi.testclient import TestClient

    from estudio.adapters.local import FolderBlobStore, SqliteItemStore
    from estudio.api import create_app, create_key
    from estudio.settings import Settings

    items = SqliteItemStore(tmp_path / "state.sqlite3")
    app = create_app(items, FolderBlobStore(tmp_path / "blobs"), settings=Settings(data=tmp_path))
    client = TestClient(app)  # no signed local links: the cloud's way (S3 presigned URLs)
    client.headers["Authorization"] = f"Bearer {create_key(items, 'acme')}"
    project = client.post("/v1/projects", json={"name": "nuvem"}).json()
    files = {"file": ("a.pptx", deck_bytes)}
    assert client.post(f"/v1/projects/{project['id']}/deck", files=files).status_code == 200
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    JobRepository(items).start_stage(render["id"], "parse")
    with client.stream("GET", f"/v1/renders/{render['id']}/events") as response:
        lines = list(response.iter_lines())
    assert "retry: 2000" in lines
    (only,) = _events(lines)
    assert only["status"] == "running"  # as it is now; the client asks again
    app.state.services.webhooks.stop()
