"""A branded render end to end (the real CLI, LibreOffice, espeak-ng, ffmpeg), checked on the
output itself: the intro card for its duration, the logo at its corner, the outro, the music bed
ducked under the voice (measured at its own frequency) and the final loudness (ebur128)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from estudio.deck.samples import make_benchmark_deck

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("render")]
TONE_HZ = 55.0  # the test bed: a pure low tone, below the voice's fundamental
PRIMARY = (0x0B, 0x3D, 0x91)
WIDTH, HEIGHT = 1280, 720


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed")
    return path


def _tone_wav(path: Path, seconds: float = 7.0, rate: int = 44100) -> None:
    t = np.arange(round(seconds * rate)) / rate
    samples = (0.5 * np.sin(2 * np.pi * TONE_HZ * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def _logo(path: Path) -> None:
    img = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # a transparent border around magenta
    img.paste(Image.new("RGBA", (160, 60), (255, 0, 255, 255)), (20, 20))
    img.save(path)


@pytest.fixture(scope="module")
def branded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    _need("ffmpeg")
    _need("soffice")
    base = tmp_path_factory.mktemp("branded")
    deck = make_benchmark_deck(base / "aula.pptx", slides=3, seconds_per_slide=4.0)
    _logo(base / "logo.png")
    _tone_wav(base / "bed.wav")
    brand = {
        "logo": {"path": "logo.png", "corner": "top-right", "width": 0.12, "margin": 0.03},
        "intro": {
            "card": {
                "title": "NR-10 Básico",
                "subtitle": "Treinamento obrigatório",
                "say": "Bem-vindo ao treinamento.",
            }
        },
        "outro": {"card": {"title": "Obrigado!", "say": "Até a próxima."}},
        "colors": {"primary": "#0B3D91", "text": "#FFFFFF"},
        "music": {"path": "bed.wav", "level_lufs": -22, "duck_db": 12},
        "template": "corporate",
    }
    (base / "brand.json").write_text(json.dumps(brand, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "ESTUDIO_DATA": str(base / "data")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "estudio.cli",
            "render",
            str(deck),
            "--out",
            str(base / "out"),
            "--preset",
            "720p",
            "--brand",
            str(base / "brand.json"),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((base / "out" / "manifest.json").read_text(encoding="utf-8"))
    return base / "out" / "video.mp4", manifest


def _frame(video: Path, at_s: float) -> np.ndarray:
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            f"{at_s:.3f}",
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
    return np.frombuffer(raw, np.uint8).reshape(HEIGHT, WIDTH, 3)


def _near(pixel: np.ndarray, color: tuple[int, int, int], tol: int = 24) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - color) <= tol))


def _magenta(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(int)
    return (f[..., 0] > 200) & (f[..., 1] < 70) & (f[..., 2] > 200)


def test_the_manifest_lists_the_cards_and_the_loudness(
    branded: tuple[Path, dict[str, Any]],
) -> None:
    video, manifest = branded
    kinds = [s["kind"] for s in manifest["scenes"]]
    assert kinds == ["intro", "slide", "slide", "slide", "outro"]
    assert manifest["scenes"][0]["title"] == "NR-10 Básico"
    assert manifest["scenes"][-1]["end_s"] == pytest.approx(manifest["duration_s"], abs=0.01)
    assert manifest["loudness"]["target_lufs"] == -16.0
    # The cards' spoken lines are captioned where they are said
    vtt = (video.parent / "subtitles.vtt").read_text(encoding="utf-8")
    first, last = _cues(vtt)[0], _cues(vtt)[-1]
    assert first[0] < manifest["scenes"][0]["end_s"] and "Bem-vindo" in vtt
    assert last[0] >= manifest["scenes"][-1]["start_s"] and "próxima" in vtt


def test_the_intro_card_shows_for_its_duration(branded: tuple[Path, dict[str, Any]]) -> None:
    video, manifest = branded
    intro = manifest["scenes"][0]
    assert 3.0 <= intro["end_s"] - intro["start_s"] <= 6.0
    # Then the card's colour fills the frame from the first to its last frame, then the slide
    # (a seek shows the first frame at or after the time asked)
    for at in (0.0, intro["end_s"] - 1 / manifest["fps"]):
        frame = _frame(video, at)
        assert _near(frame[HEIGHT // 2 + 120, 100], PRIMARY), at
    first_slide = _frame(video, intro["end_s"] + 0.6)
    assert _near(first_slide[HEIGHT // 2, WIDTH // 2], (255, 255, 255), 40)  # the white slide


def test_the_logo_is_at_its_corner_on_every_slide(branded: tuple[Path, dict[str, Any]]) -> None:
    video, manifest = branded
    margin, width = round(0.03 * WIDTH), round(0.12 * WIDTH)
    for scene in manifest["scenes"]:
        frame = _frame(video, (scene["start_s"] + scene["end_s"]) / 2)
        ys, xs = np.nonzero(_magenta(frame))
        # The opaque part of the logo (its inner 80 %), top right, nothing magenta elsewhere
        assert xs.size > 0, scene["kind"]
        assert WIDTH - margin - width <= xs.min() and xs.max() < WIDTH - margin
        assert margin <= ys.min() and ys.max() < margin + width // 2


def _audio(video: Path, rate: int = 8000) -> np.ndarray:
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(video),
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "f32le",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, "<f4")


def _tone_db(audio: np.ndarray, start_s: float, end_s: float, rate: int = 8000) -> float:
    """The bed's own level in a window: its frequency's amplitude (Hann-windowed FFT)."""
    part = audio[round(start_s * rate) : round(end_s * rate)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    freqs = np.fft.rfftfreq(len(part), 1 / rate)
    band = (freqs > TONE_HZ - 4) & (freqs < TONE_HZ + 4)
    return float(20 * np.log10(spectrum[band].max() + 1e-12))


def _cues(vtt: str) -> list[tuple[float, float]]:
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    return [
        (seconds(a), seconds(b))
        for a, b in re.findall(r"^([\d:.]+) --> ([\d:.]+)", vtt, flags=re.MULTILINE)
    ]


def test_the_music_ducks_at_least_8_db_under_the_voice(
    branded: tuple[Path, dict[str, Any]],
) -> None:
    video, manifest = branded
    audio = _audio(video)
    # Speech: the middle of each caption cue. Pauses: across each join between slides.
    cues = _cues((video.parent / "subtitles.vtt").read_text(encoding="utf-8"))
    assert cues
    speech = [_tone_db(audio, (a + b) / 2 - 0.25, (a + b) / 2 + 0.25) for a, b in cues]
    joins = [s["start_s"] for s in manifest["scenes"][1:]]
    pauses = [_tone_db(audio, t - 0.3, t + 0.2) for t in joins]
    depth = float(np.median(pauses) - np.median(speech))
    assert depth >= 8.0, (pauses, speech)


def test_the_final_mix_is_at_minus_16_lufs_with_true_peak_under_minus_1(
    branded: tuple[Path, dict[str, Any]],
) -> None:
    video, manifest = branded
    text = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            "-i",
            str(video),
            "-vn",
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = text[text.rfind("Summary:") :]
    integrated = float(re.search(r"I:\s*(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s*(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    assert abs(integrated - -16.0) <= 1.0
    assert peak <= -1.0
    assert manifest["loudness"]["integrated_lufs"] == pytest.approx(integrated, abs=0.2)
