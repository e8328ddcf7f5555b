"""Slide images drawn at upload, scene previews and a render that honours the scene order and
visibility: real LibreOffice, espeak-ng and ffmpeg through the real app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from estudio.media.probe import probe
from tests.integration.api.conftest import Env, make_deck, new_project_with_deck

pytestmark = [pytest.mark.slides, pytest.mark.slow]

if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
    pytest.skip("LibreOffice is not installed", allow_module_level=True)

DECK = [
    ("Abertura", "Bem-vindos ao treinamento de segurança."),
    ("Regras", "Use sempre o crachá e os equipamentos de proteção."),
    ("Fim", "Obrigado e bom trabalho!"),
]


def test_given_an_upload_then_scenes_link_their_cached_slide_images_and_previews_play(
    env: Env, tmp_path: Path
) -> None:
    client = env.client("acme")
    deck = make_deck(DECK)
    project = new_project_with_deck(client, deck)
    scenes = client.get(f"/v1/projects/{project['id']}/scenes").json()
    for scene in scenes:
        image = client.get(scene["image_url"])
        assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert len({s["image_url"] for s in scenes}) == len(scenes)
    (listed,) = client.get("/v1/projects").json()["items"]
    thumbnail = client.get(listed["thumbnail_url"])  # the first slide, for the project list
    assert (
        thumbnail.status_code == 200
        and thumbnail.content == client.get(scenes[0]["image_url"]).content
    )

    client.patch(
        f"/v1/projects/{project['id']}/scenes/1", json={"script": "Agora com um roteiro novo."}
    )
    video = client.post(f"/v1/projects/{project['id']}/scenes/1/preview")
    assert video.status_code == 200, video.text
    assert video.headers["content-type"] == "video/mp4"
    path = tmp_path / "preview.mp4"
    path.write_bytes(video.content)
    info = probe(path)
    assert (info.width, info.video_codec, info.has_audio) == (640, "h264", True)

    audio = client.post(f"/v1/projects/{project['id']}/scenes/1/preview?audio=1")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    (tmp_path / "speech.wav").write_bytes(audio.content)
    spoken = probe(tmp_path / "speech.wav").duration_s
    assert spoken > 1.0  # the edited script, spoken
    assert info.duration_s == pytest.approx(spoken + 0.3, abs=0.25)  # the whole narration

    plain = client.post(
        f"/v1/projects/{project['id']}/scenes/1/preview", json={"subtitles": "none"}
    )
    assert plain.status_code == 200 and plain.content != video.content  # no captions drawn

    # The same bytes through an upload link: deck/complete finds them in the slide cache.
    again = client.post("/v1/projects", json={"name": "De novo"}).json()
    ticket = client.post(f"/v1/projects/{again['id']}/deck", json={"filename": "b.pptx"}).json()
    assert client.put(ticket["upload_url"], content=deck).status_code == 204
    done = client.post(ticket["complete_url"], json={"upload_id": ticket["upload_id"]})
    assert done.status_code == 200, done.text
    keys = [env.items.get("project", p["id"]).data["slide_images"] for p in (project, again)]
    assert keys[0] == keys[1] and len(keys[0]) == 3  # one cache entry, drawn once


def test_given_drawing_past_its_bound_when_uploading_then_no_images_and_409_on_preview(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = env.client("acme")
    # The cloud bounds the drawing (the answer is due in 29 s); past it, the deck still uploads.
    monkeypatch.setattr(env.app.state.services.settings, "slides_upload_timeout_s", 0)
    project = new_project_with_deck(client, make_deck(DECK))
    assert [s["image_url"] for s in client.get(f"/v1/projects/{project['id']}/scenes").json()] == [
        None,
        None,
        None,
    ]
    response = client.post(f"/v1/projects/{project['id']}/scenes/0/preview")
    assert response.status_code == 409 and response.json()["code"] == "slides_not_ready"
    audio = client.post(f"/v1/projects/{project['id']}/scenes/0/preview?audio=1")
    assert audio.status_code == 200  # the narration needs no picture
    missing = client.post(f"/v1/projects/{project['id']}/scenes/9/preview")
    assert missing.status_code == 404
    bad = client.post(f"/v1/projects/{project['id']}/scenes/0/preview", json={"avatar": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_avatar"


def test_given_a_presenter_when_previewing_then_the_clip_has_the_narration_length(
    env: Env, tmp_path: Path
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, make_deck(DECK[:1]))
    video = client.post(
        f"/v1/projects/{project['id']}/scenes/0/preview",
        json={"avatar": "ana", "avatar_layout": "pip-left"},
    )
    assert video.status_code == 200, video.text
    (tmp_path / "p.mp4").write_bytes(video.content)
    info = probe(tmp_path / "p.mp4")
    assert info.width == 640 and info.fps == pytest.approx(25, abs=0.1)
    assert info.duration_s > 1.0


def test_given_hidden_and_reordered_scenes_when_rendered_then_the_video_follows_them(
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient

    from estudio.adapters.local import FolderBlobStore, SqliteItemStore
    from estudio.api import create_app, create_key
    from estudio.api.urls import UrlSigner
    from estudio.jobs import JobRepository
    from estudio.pipeline.context import StageContext
    from estudio.pipeline.runner import LocalOrchestrator
    from estudio.settings import Settings
    from estudio.webhooks.delivery import WebhookService

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
    )
    try:
        client = TestClient(app)
        client.headers["Authorization"] = f"Bearer {create_key(items, 'acme')}"
        project = new_project_with_deck(client, make_deck(DECK))
        client.put(f"/v1/projects/{project['id']}/scenes/order", json={"order": [2, 1, 0]})
        client.patch(f"/v1/projects/{project['id']}/scenes/1", json={"hidden": True})
        render = client.post(f"/v1/projects/{project['id']}/renders", json={"preset": "720p"})
        orchestrator.wait(render.json()["id"], timeout=600)
        done = client.get(f"/v1/renders/{render.json()['id']}").json()
        assert done["status"] == "succeeded", done
        link = next(o["url"] for o in done["outputs"] if o["name"] == "manifest.json")
        manifest = client.get(link).json()
        assert [s["title"] for s in manifest["scenes"]] == ["Fim", "Abertura"]
        assert [s["index"] for s in manifest["scenes"]] == [0, 1]
    finally:
        orchestrator.shutdown(wait=True)
        webhooks.stop()
