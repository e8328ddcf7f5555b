"""A deck with click builds, made by the project, rendered by the real CLI and checked frame by
frame: a built slide's first picture lacks its later bullets, and the picture changes at the
manifest's step times, on the frame."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from estudio.deck.build_samples import make_builds_deck
from estudio.media.ffmpeg import ffmpeg_exe

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("render")]
W, H = 320, 180


def _render(deck: Path, out: Path, data: Path, *extra: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "estudio.cli", "render", str(deck), "--out", str(out)]
    result = subprocess.run(
        [*argv, "--json", "--preset", "720p", *extra],
        capture_output=True,
        text=True,
        env={**os.environ, "ESTUDIO_DATA": str(data)},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def _frames(video: Path) -> np.ndarray:
    scale = f"scale={W}:{H},format=gray"
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(video), "-vf", scale, "-f", "rawvideo", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, H, W)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], np.ndarray]:
    base = tmp_path_factory.mktemp("builds")
    deck = make_builds_deck(base / "etapas.pptx")
    summary = _render(deck, base / "out", base / "data")
    manifest = json.loads((base / "out" / "manifest.json").read_text())
    assert summary["build_steps"] == 4
    return manifest, _frames(base / "out" / "video.mp4")


def _ink(frame: np.ndarray) -> int:
    body = frame[int(H * 0.22) :, :]  # below the title
    return int((body < 128).sum())


def test_the_first_picture_of_a_built_slide_lacks_its_bullets(
    rendered: tuple[dict[str, Any], np.ndarray],
) -> None:
    manifest, frames = rendered
    fps = manifest["fps"]
    for scene in manifest["scenes"][1:]:
        first = round(scene["start_s"] * fps)
        last = round(scene["end_s"] * fps) - 1
        assert _ink(frames[first]) < 20, "step 0 shows no bullet yet"
        assert _ink(frames[last]) > 200, "the last step shows every bullet"


def test_pictures_change_at_the_step_times_within_one_frame(
    rendered: tuple[dict[str, Any], np.ndarray],
) -> None:
    manifest, frames = rendered
    fps = manifest["fps"]
    for scene in manifest["scenes"][1:]:
        first = round(scene["start_s"] * fps)
        last = round(scene["end_s"] * fps)
        ink = [_ink(f) for f in frames[first:last]]
        changes = [i for i in range(1, len(ink)) if ink[i] - ink[i - 1] > 40]
        expected = [round(t * fps) for t in scene["step_times_s"]]
        assert len(changes) == len(expected), (ink, expected)
        for seen, want in zip(changes, expected, strict=True):
            assert abs(seen - want) <= 1, (changes, expected)
        assert all(b >= a - 40 for a, b in itertools.pairwise(ink)), "bullets only appear"


def test_steps_follow_the_narration_markers(
    rendered: tuple[dict[str, Any], np.ndarray],
) -> None:
    manifest, _ = rendered
    timed = manifest["scenes"][1]
    assert "[click]" not in timed["script"] and "[clique]" not in timed["spoken"]
    length = timed["end_s"] - timed["start_s"]
    times = timed["step_times_s"]
    assert times == sorted(times) and times[0] > 0 and times[-1] < length
    # Each step comes as its sentence is read: the three are spread over the speech.
    assert times[1] - times[0] > 1.0 and times[2] - times[1] > 1.0


@pytest.mark.parametrize("fmt", ["ppt", "odp", "pdf"])
def test_the_example_saved_as_another_format_renders_with_the_same_scenes(
    tmp_path: Path, fmt: str
) -> None:
    from estudio.deck.parse import parse_deck
    from estudio.settings import Limits
    from tests.integration.deck.test_inputs import EXAMPLE, libreoffice_convert

    twin = libreoffice_convert(EXAMPLE, fmt, tmp_path / "convert")
    summary = _render(twin, tmp_path / "out", tmp_path / "data")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())

    assert summary["scenes"] == len(parse_deck(EXAMPLE, Limits()).scenes)
    assert manifest["source_format"] == fmt and summary["source_format"] == fmt
    assert all(s["end_s"] > s["start_s"] for s in manifest["scenes"])
    assert (tmp_path / "out" / "video.mp4").stat().st_size > 0


def test_an_out_of_range_silent_duration_is_an_input_error(tmp_path: Path) -> None:
    deck = make_builds_deck(tmp_path / "d.pptx")
    argv = [sys.executable, "-m", "estudio.cli", "render", str(deck), "--out", str(tmp_path / "o")]
    result = subprocess.run(
        [*argv, "--silent-seconds", "0", "--json", "--data", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["code"] == "invalid_options"
