"""LMS packages through the API: ``"quiz"`` on the project, ``"packages"`` on a render, and the
package zips among the render's outputs with download links."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from estudio.pipeline import keys
from tests.integration.api.conftest import Env, new_project_with_deck

QUIZ: dict[str, Any] = {
    "pass_percent": 80,
    "questions": [{"text": "Crachá é obrigatório?", "choices": ["Sim", "Não"], "answer": 0}],
}


def test_given_a_project_with_a_quiz_then_it_is_kept_and_an_explicit_null_removes_it(
    env: Env,
) -> None:
    client = env.client("acme")
    project = client.post("/v1/projects", json={"name": "NR-10", "quiz": QUIZ}).json()
    assert project["quiz"] == QUIZ
    assert client.get(f"/v1/projects/{project['id']}").json()["quiz"] == QUIZ
    renamed = client.patch(f"/v1/projects/{project['id']}", json={"name": "NR-10 (2026)"})
    assert renamed.json()["quiz"] == QUIZ
    removed = client.patch(f"/v1/projects/{project['id']}", json={"quiz": None})
    assert removed.status_code == 200 and removed.json()["quiz"] is None


def test_given_a_bad_quiz_then_422_naming_the_field(env: Env) -> None:
    client = env.client("acme")
    bad = {"questions": [{"text": "?", "choices": ["a", "b"], "answer": 5}]}
    response = client.post("/v1/projects", json={"name": "x", "quiz": bad})
    assert response.status_code == 422
    assert any(e["loc"][:2] == ["body", "quiz"] for e in response.json()["errors"])


def test_given_packages_when_rendering_then_the_job_carries_them_and_the_quiz(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    client.patch(f"/v1/projects/{project['id']}", json={"quiz": QUIZ})
    response = client.post(
        f"/v1/projects/{project['id']}/renders",
        json={"preset": "720p", "packages": ["storyboard", "scorm2004"], "completion_percent": 80},
    )
    assert response.status_code == 202, response.text
    render = response.json()
    assert render["options"]["packages"] == ["scorm2004", "storyboard"]
    assert render["options"]["completion_percent"] == 80
    stored = json.loads(env.blobs.get_bytes(keys.quiz(render["id"])))
    assert stored["questions"][0]["answer"] == 0 and stored["pass_percent"] == 80


def test_given_no_scorm_package_then_the_quiz_is_not_handed_to_the_render(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    client.patch(f"/v1/projects/{project['id']}", json={"quiz": QUIZ})
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    assert render["options"]["packages"] == []
    assert not env.blobs.exists(keys.quiz(render["id"]))


def test_given_an_unknown_package_then_422(env: Env, deck_bytes: bytes) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    response = client.post(f"/v1/projects/{project['id']}/renders", json={"packages": ["xapi"]})
    assert response.status_code == 422


def test_given_a_finished_render_with_packages_then_each_zip_has_a_download_link(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, deck_bytes)
    render = client.post(
        f"/v1/projects/{project['id']}/renders", json={"packages": ["scorm12"]}
    ).json()
    names = ["video.mp4", "manifest.json", "scorm12.zip"]
    for name in names:
        env.blobs.put_bytes(keys.output(render["id"], name), name.encode())
    services = env.app.state.services
    services.jobs.succeed(render["id"], {n: keys.output(render["id"], n) for n in names}, 4.0)
    outputs = client.get(f"/v1/renders/{render['id']}").json()["outputs"]
    assert [o["name"] for o in outputs] == names
    link = next(o["url"] for o in outputs if o["name"] == "scorm12.zip")
    assert client.get(link).content == b"scorm12.zip"


def test_given_a_sidecar_with_packages_when_dropped_then_the_render_builds_them(
    env: Env, deck_bytes: bytes, tmp_path: Path
) -> None:
    from estudio.api.keys import create_key
    from estudio.dropbox import DropFolder

    if not env.items.list("apikey", "acme")[0]:
        create_key(env.items, "acme")  # a drop-folder tenant must exist
    root = tmp_path / "drop"
    (root / "acme").mkdir(parents=True)
    (root / "acme" / "nr10.pptx").write_bytes(deck_bytes)
    sidecar = {"preset": "720p", "packages": ["storyboard", "scorm12"], "completion_percent": 75}
    (root / "acme" / "nr10.json").write_text(json.dumps(sidecar))
    drop = DropFolder(root, env.app.state.services, settle_s=1.0)
    drop.scan(now=0.0)
    [job_id] = drop.scan(now=2.0)
    options = env.app.state.services.jobs.get(job_id).options
    assert options.packages == ("scorm12", "storyboard")
    assert options.completion_percent == 75
