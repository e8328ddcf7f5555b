"""An uploaded intro clip: transcoded to the output's size and frame rate, letterboxed, its sound
kept in the mix; a clip that is not a video is refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from estudio.brand.ingest import check_clip
from estudio.deck.samples import make_benchmark_deck
from estudio.errors import InvalidBrandAsset

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("render")]
W, H = 1280, 720


def _ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if exe is None or shutil.which("soffice") is None:
        pytest.skip("ffmpeg or LibreOffice is not installed")
    return exe


def _clip(path: Path, ffmpeg: str) -> Path:
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=640x480:rate=30:duration=3",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=3",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
    )
    return path


def test_a_clip_that_is_not_a_video_is_refused(tmp_path: Path) -> None:
    ffmpeg = _ffmpeg()
    fake = tmp_path / "intro.mp4"
    fake.write_text("not a video", encoding="utf-8")
    with pytest.raises(InvalidBrandAsset, match=r"clip intro\.mp4"):
        check_clip(fake, "intro.mp4", ffmpeg)
    with pytest.raises(InvalidBrandAsset, match="must be MP4"):
        check_clip(tmp_path / "intro.gif", "intro.gif", ffmpeg)


def test_the_intro_clip_opens_the_video_letterboxed_with_its_sound(tmp_path: Path) -> None:
    ffmpeg = _ffmpeg()
    _clip(tmp_path / "clip.mp4", ffmpeg)
    deck = make_benchmark_deck(tmp_path / "aula.pptx", slides=1, seconds_per_slide=3.0)
    brand = {"intro": {"video": "clip.mp4"}, "outro": {"card": {"title": "Obrigado!"}}}
    (tmp_path / "brand.json").write_text(json.dumps(brand), encoding="utf-8")
    env = {**os.environ, "ESTUDIO_DATA": str(tmp_path / "data")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "estudio.cli",
            "render",
            str(deck),
            "--out",
            str(tmp_path / "out"),
            "--preset",
            "720p",
            "--brand",
            str(tmp_path / "brand.json"),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    video = tmp_path / "out" / "video.mp4"
    # Then the clip is the intro, its own length, at the motion frame rate
    intro = manifest["scenes"][0]
    assert intro["kind"] == "intro" and intro["end_s"] == pytest.approx(3.0)
    assert manifest["fps"] == 25
    raw = subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-ss",
            "1.0",
            "-i",
            str(video),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    frame = np.frombuffer(raw, np.uint8).reshape(H, W, 3)
    assert frame[H // 2, 40].max() < 20  # pillarboxed: 4:3 in 16:9
    assert frame[H // 3, W // 2].max() > 100  # the clip's picture
    # And its 440 Hz tone is in the mix during the intro, not after it
    pcm = subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-i",
            str(video),
            "-vn",
            "-ac",
            "1",
            "-ar",
            "8000",
            "-f",
            "f32le",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    audio = np.frombuffer(pcm, "<f4")

    def tone_db(a: float, b: float) -> float:
        part = audio[round(a * 8000) : round(b * 8000)]
        spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
        freqs = np.fft.rfftfreq(len(part), 1 / 8000)
        return float(20 * np.log10(spectrum[(freqs > 430) & (freqs < 450)].max() + 1e-12))

    assert (
        tone_db(0.5, 2.5) - tone_db(manifest["duration_s"] - 2.5, manifest["duration_s"] - 0.5) > 30
    )
