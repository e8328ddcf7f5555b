"""``make rehearse`` end to end: a deck through the API Lambda, the deployed definition run over
the stage handlers and the Batch render container, all on moto, and a playable MP4 back.

Short decks at 720p keep it to about half a minute each on two cores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from estudio.deck.samples import make_benchmark_deck

ROOT = Path(__file__).parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("rehearse")]
STAGE_FUNCTIONS = {"parse", "rasterize", "speak", "plan", "narrate", "assemble", "publish"}


def rehearse(*args: str) -> tuple[int, dict[str, Any], str]:
    env = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}
    for name in list(env):  # the rehearsal must not lean on this shell's cloud settings
        if name.startswith(("AWS_", "ESTUDIO_")):
            env.pop(name)
    done = subprocess.run(
        [sys.executable, "-m", "stacks.rehearse", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 1, (done.stdout[-2000:], done.stderr[-4000:])
    return done.returncode, json.loads(lines[0]), done.stderr


def ffprobe(path: Path) -> dict[str, Any]:
    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe is not installed")
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def assert_playable(summary: dict[str, Any], out: Path) -> dict[str, Any]:
    names = {Path(p).name for p in summary["outputs"]}
    assert {"video.mp4", "subtitles.vtt", "subtitles.srt", "manifest.json"} <= names
    assert all(Path(p).parent == out for p in summary["outputs"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    info = ffprobe(out / "video.mp4")
    codecs = {stream["codec_type"]: stream["codec_name"] for stream in info["streams"]}
    assert (codecs["video"], codecs["audio"]) == ("h264", "aac")  # and chapters as data
    assert abs(float(info["format"]["duration"]) - manifest["duration_s"]) <= 0.1
    assert summary["duration_s"] == manifest["duration_s"]
    assert summary["scenes"] == len(manifest["scenes"])
    assert "WEBVTT" in (out / "subtitles.vtt").read_text(encoding="utf-8")
    return manifest


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_benchmark_deck(tmp_path_factory.mktemp("deck") / "curto.pptx", 2, 3.0)


def test_given_a_deck_when_rehearsed_then_the_cloud_path_returns_a_playable_video(
    deck: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"

    code, summary, stderr = rehearse("--deck", str(deck), "--preset", "720p", "--out", str(out))

    assert code == 0, stderr[-4000:]
    assert (summary["status"], summary["execution"]) == ("succeeded", "SUCCEEDED")
    assert summary["studio_status"] == "succeeded"  # a person's token, through the studio API
    assert_playable(summary, out)
    called = summary["invocations"]
    api = {"api_projects", "api_uploads", "api_renders"}  # each request through its group's
    assert STAGE_FUNCTIONS | api | {"render_scene", "authorizer", "webhooks"} <= set(called)
    assert called["render_scene"]["calls"] == summary["scenes"]
    assert summary["presenter_jobs"] == 0
    assert "fail" not in called
    assert all(row["failed"] == 0 and row["init_s"] is not None for row in called.values())
    assert summary["events"][0] == "deck.parsed" and summary["events"][-1] == "render.completed"


def test_given_a_presenter_when_rehearsed_then_its_scenes_go_through_the_batch_container(
    deck: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"

    code, summary, stderr = rehearse(
        "--deck", str(deck), "--preset", "720p", "--avatar", "ana", "--out", str(out)
    )

    assert code == 0, stderr[-4000:]
    assert summary["status"] == "succeeded"
    manifest = assert_playable(summary, out)
    assert summary["presenter_jobs"] == len(manifest["scenes"]) == summary["scenes"]
    assert "render_scene" not in summary["invocations"]  # no scene took the Lambda path
    # The container prints one result line per job: its segment, and the encoder its preflight
    # chose (no GPU on this machine, so libx264).
    results = [line for line in json_lines(stderr) if {"key", "encoder", "gpu"} <= set(line)]
    assert sorted(r["index"] for r in results) == list(range(summary["scenes"]))
    assert {(r["gpu"], r["encoder"]) for r in results} == {(None, "libx264")}


def json_lines(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found


def test_given_no_deck_when_rehearsed_then_it_says_so_and_exits_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stacks.rehearse", "--deck", str(tmp_path / "none.pptx")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no deck" in done.stderr and done.stdout == ""
