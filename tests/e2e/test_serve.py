"""``estudio serve`` as a real subprocess on loopback: the whole flow, a restart mid-render, and
the drop folder. Real pipeline (LibreOffice, espeak-ng, ffmpeg), real SQLite, real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from estudio.webhooks import verify
from tests.e2e.serve_process import Served, start_server, wait_for
from tests.integration.api.conftest import SMALL_DECK, Receiver, make_deck

pytestmark = pytest.mark.slow
FINISHED = {"succeeded", "failed", "cancelled"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = start_server(tmp_path / "data", dropbox=tmp_path / "drop")
    yield server
    server.stop()


def _upload(client: httpx.Client, deck: bytes, name: str = "treino.pptx") -> dict:
    project = client.post("/v1/projects", json={"name": name}).json()
    response = client.post(f"/v1/projects/{project['id']}/deck", files={"file": (name, deck)})
    assert response.status_code == 200, response.text
    return response.json()


def test_given_a_running_server_when_a_deck_is_rendered_then_video_and_signed_webhooks_arrive(
    served: Served, receiver: Receiver
) -> None:
    client = served.client()
    hook = client.post(
        "/v1/webhooks",
        json={
            "url": receiver.url,
            "events": ["render.started", "render.completed", "render.progress", "deck.parsed"],
        },
    ).json()
    project = _upload(client, make_deck(SMALL_DECK))
    accepted = client.post(
        f"/v1/projects/{project['id']}/renders",
        json={"preset": "720p"},
        headers={"Idempotency-Key": "e2e-1"},
    )
    assert accepted.status_code == 202
    render = wait_for(client, accepted.json()["id"], FINISHED, timeout_s=300)
    assert render["status"] == "succeeded", render.get("error")
    seen = render["_progress_seen"]
    assert seen == sorted(seen) and seen[-1] == 100  # progress only grows
    outputs = {o["name"]: o["url"] for o in render["outputs"]}
    assert set(outputs) == {
        "video.mp4",
        "subtitles.vtt",
        "subtitles.srt",
        "thumbnail.jpg",
        "manifest.json",
    }
    video = httpx.get(outputs["video.mp4"], timeout=30)  # a signed link: no key needed
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    assert httpx.get(outputs["subtitles.vtt"]).text.startswith("WEBVTT")
    manifest = httpx.get(outputs["manifest.json"]).json()
    assert [s["title"] for s in manifest["scenes"]] == ["Boas-vindas", "Regras"]
    # Webhooks: delivered by the server's dispatcher, signed with the subscription's secret.
    deadline = time.monotonic() + 20
    types: list[str] = []
    while time.monotonic() < deadline and "render.completed" not in types:
        types = [json.loads(r.body)["type"] for r in receiver.received]
        time.sleep(0.2)
    assert types[0] == "deck.parsed" and "render.started" in types and "render.completed" in types
    for got in receiver.received:
        assert verify(hook["secret"], got.body, got.headers["Estudio-Signature"])
    completed = next(
        json.loads(r.body)
        for r in receiver.received
        if json.loads(r.body)["type"] == "render.completed"
    )
    assert completed["data"]["render_id"] == render["id"] and completed["data"]["progress"] == 100


def test_given_an_edited_scene_when_rendered_then_the_video_speaks_the_edit(served: Served) -> None:
    client = served.client()
    project = _upload(client, make_deck(SMALL_DECK))
    client.patch(f"/v1/projects/{project['id']}/scenes/1", json={"script": "Frase nova."})
    render = client.post(f"/v1/projects/{project['id']}/renders", json={"preset": "720p"}).json()
    render = wait_for(client, render["id"], FINISHED, timeout_s=300)
    manifest_url = next(o["url"] for o in render["outputs"] if o["name"] == "manifest.json")
    assert httpx.get(manifest_url).json()["scenes"][1]["script"] == "Frase nova."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def _worker_pid(server: Served) -> int:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(server.process.pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert out, "the server has no worker process"
    return int(out[0])


def test_given_a_render_in_flight_when_the_server_is_killed_and_restarted_then_it_finishes(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    slides = [(f"Parte {i}", f"Esta é a parte número {i} do treinamento.") for i in range(12)]
    try:
        client = server.client()
        project = _upload(client, make_deck(slides))
        render_id = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()["id"]
        worker = _worker_pid(server)
        wait_for(client, render_id, {"running"}, timeout_s=60)
        server.kill()  # kill -9 the server mid-render
    finally:
        server.kill()
    deadline = time.monotonic() + 5
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker), "the render worker outlived its server"
    restarted = start_server(data)
    try:
        render = wait_for(restarted.client(), render_id, FINISHED, timeout_s=400)
        assert render["status"] == "succeeded" or (
            render["status"] == "failed" and render["error"]["code"] == "interrupted"
        ), render
        assert render["status"] == "succeeded"  # resumed from the start, once
    finally:
        restarted.stop()


def test_given_a_deck_in_the_drop_folder_when_settled_then_outputs_land_in_outgoing_once(
    served: Served, tmp_path: Path
) -> None:
    folder = tmp_path / "drop" / "local" / "equipe"
    folder.mkdir(parents=True)
    deck = make_deck(SMALL_DECK)
    (folder / "aula.json").write_text(json.dumps({"preset": "720p"}))
    (folder / "aula.pptx").write_bytes(deck)
    outgoing = folder / "outgoing" / "aula"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (outgoing / "manifest.json").exists():
        time.sleep(0.5)
    assert {p.name for p in outgoing.iterdir()} >= {"video.mp4", "subtitles.vtt", "manifest.json"}
    assert json.loads((outgoing / "manifest.json").read_text())["width"] == 1280
    # The same deck and options under another name render no second time.
    (folder / "copia.json").write_text(json.dumps({"preset": "720p"}))
    (folder / "copia.pptx").write_bytes(deck)
    time.sleep(8)  # past the settle time
    renders = served.client().get("/v1/renders").json()["items"]
    assert len(renders) == 1
    assert not (folder / "outgoing" / "copia").exists()


def test_given_a_running_server_then_its_render_worker_runs_below_the_api(served: Served) -> None:
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(served.process.pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    [worker] = [
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    api = os.getpriority(os.PRIO_PROCESS, served.process.pid)
    wanted = min(api + 10, 19)
    deadline = time.monotonic() + 60  # the worker lowers itself once it has started up
    while os.getpriority(os.PRIO_PROCESS, worker) < wanted and time.monotonic() < deadline:
        time.sleep(0.2)
    assert os.getpriority(os.PRIO_PROCESS, worker) >= wanted
