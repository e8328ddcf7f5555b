"""``estudio render`` end to end: the real CLI, LibreOffice, espeak-ng and ffmpeg on real decks."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "nr10-seguranca-eletrica.pptx"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("render")]


def estudio(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ESTUDIO_DATA": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "estudio.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


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


def vtt_cues(text: str) -> list[tuple[float, float]]:
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    cues = []
    for line in text.splitlines():
        if "-->" in line:
            start, end = line.split("-->")
            cues.append((seconds(start.strip()), seconds(end.strip().split()[0])))
    return cues


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("render")
    result = estudio(
        "render", str(EXAMPLE), "--out", str(base / "out"), "--json", data=base / "data"
    )
    assert result.returncode == 0, result.stderr
    return base / "out", json.loads(result.stdout)


def test_the_example_renders_every_output(rendered: tuple[Path, dict[str, Any]]) -> None:
    out, summary = rendered
    for name in ("video.mp4", "subtitles.vtt", "subtitles.srt", "thumbnail.jpg", "manifest.json"):
        assert (out / name).stat().st_size > 0, name
    assert summary["scenes"] >= 5
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "staging leftovers"


def test_video_duration_matches_the_manifest_and_has_audio(
    rendered: tuple[Path, dict[str, Any]],
) -> None:
    out, _ = rendered
    manifest = json.loads((out / "manifest.json").read_text())
    info = ffprobe(out / "video.mp4")
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert video["codec_name"] == "h264" and audio["codec_name"] == "aac"
    assert (
        (int(video["width"]), int(video["height"]))
        == (manifest["width"], manifest["height"])
        == (1920, 1080)
    )
    assert abs(float(info["format"]["duration"]) - manifest["duration_s"]) <= 0.1
    assert abs(float(audio["duration"]) - manifest["duration_s"]) <= 0.1
    scenes = manifest["scenes"]
    assert scenes[0]["start_s"] == 0
    for before, after in itertools.pairwise(scenes):
        assert after["start_s"] == pytest.approx(before["end_s"], abs=1e-3)
    assert scenes[-1]["end_s"] == pytest.approx(manifest["duration_s"], abs=1e-3)
    for key in ("index", "slide_number", "title", "script", "spoken", "start_s", "end_s", "voice"):
        assert key in scenes[0]
    assert {scene["rendered_on"] for scene in scenes} == {"local"}  # this machine rendered all
    assert set(manifest["stage_seconds"]) >= {"parse", "rasterize", "speak", "render", "assemble"}


def test_moov_atom_comes_first_for_streaming(rendered: tuple[Path, dict[str, Any]]) -> None:
    out, _ = rendered
    head = (out / "video.mp4").read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat") or head.find(b"mdat") == -1


def test_captions_cover_the_speech_of_every_spoken_scene(
    rendered: tuple[Path, dict[str, Any]],
) -> None:
    out, _ = rendered
    manifest = json.loads((out / "manifest.json").read_text())
    cues = vtt_cues((out / "subtitles.vtt").read_text())
    assert cues and (out / "subtitles.srt").read_text().count("-->") == len(cues)
    for scene in manifest["scenes"]:
        if not scene["script"].strip():
            continue
        inside = [c for c in cues if scene["start_s"] - 0.01 <= c[0] < scene["end_s"]]
        assert inside, f"no caption for scene {scene['index']}"
        assert inside[0][0] - scene["start_s"] < 1.0  # captions start with the voice
        assert inside[-1][1] <= scene["end_s"] + 0.01
    for (s1, e1), (s2, _) in itertools.pairwise(cues):
        assert s1 < e1 <= s2 + 1e-3


def test_the_notes_are_spoken_as_written_and_normalised(
    rendered: tuple[Path, dict[str, Any]],
) -> None:
    out, _ = rendered
    manifest = json.loads((out / "manifest.json").read_text())
    written = " ".join(s["script"] for s in manifest["scenes"])
    spoken = " ".join(s["spoken"] for s in manifest["scenes"])
    assert "NR-10" in written and "NR-10" not in spoken
    assert all(s["voice"].startswith("espeak:") for s in manifest["scenes"])


def hostile(tmp: Path) -> dict[str, Path]:
    decks = {}
    decks["not_a_pptx"] = tmp / "notes.pptx"
    decks["not_a_pptx"].write_text("this is not a deck")
    decks["encrypted_deck"] = tmp / "locked.pptx"
    decks["encrypted_deck"].write_bytes(
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 504
        + "EncryptionInfo".encode("utf-16-le")
        + b"\0" * 1024
    )
    truncated = EXAMPLE.read_bytes()
    decks["corrupt_deck"] = tmp / "truncated.pptx"
    decks["corrupt_deck"].write_bytes(truncated[: len(truncated) // 2])
    bomb = tmp / "bomb.pptx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p/>")
        archive.writestr("ppt/media/huge.bin", b"\0" * (1100 * 1024 * 1024))
    decks["deck_too_large"] = bomb
    return decks


@pytest.mark.parametrize("code", ["not_a_pptx", "encrypted_deck", "corrupt_deck", "deck_too_large"])
def test_bad_decks_are_refused_with_one_line_and_a_stable_code(tmp_path: Path, code: str) -> None:
    deck = hostile(tmp_path)[code]
    result = estudio(
        "render", str(deck), "--out", str(tmp_path / "out"), "--json", data=tmp_path / "d"
    )
    assert result.returncode == 2, result.stderr
    assert json.loads(result.stdout)["error"]["code"] == code
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "video.mp4").exists()


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    result = estudio(
        "render", str(tmp_path / "nope.pptx"), "--out", str(tmp_path / "o"), data=tmp_path
    )
    assert result.returncode == 2 and "not_a_pptx" in result.stderr


def test_captions_start_when_the_voice_is_heard(
    rendered: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """Measured on the audio itself: each scene's first cue starts within 50 ms of the first
    audible speech, and its last cue ends within 150 ms of the last."""
    import wave

    import numpy as np

    from estudio.media.ffmpeg import ffmpeg_exe

    out, _ = rendered
    wav = tmp_path / "audio.wav"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(out / "video.mp4"),
            "-vn",
            "-ac",
            "1",
            "-ar",
            "16000",
            str(wav),
        ],
        check=True,
    )
    with wave.open(str(wav)) as reader:
        rate = reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    window = int(0.01 * rate)
    envelope = np.sqrt(np.convolve(samples.astype(float) ** 2, np.ones(window) / window, "same"))
    loud = envelope > 0.05 * envelope.max()
    cues = vtt_cues((out / "subtitles.vtt").read_text())
    for scene in json.loads((out / "manifest.json").read_text())["scenes"]:
        start, end = scene["start_s"], scene["end_s"]
        heard = np.nonzero(loud[int(start * rate) : int(end * rate)])[0]
        if not scene["script"].strip() or not len(heard):
            continue
        inside = [c for c in cues if start - 0.01 <= c[0] < end]
        assert abs(inside[0][0] - (start + heard[0] / rate)) < 0.05, scene["index"]
        assert abs(inside[-1][1] - (start + heard[-1] / rate)) < 0.15, scene["index"]


def test_vertical_video_with_burned_captions(tmp_path: Path) -> None:
    """Presets and burned captions: 1080x1920, 5 fps (captions change within a slide), the
    caption drawn into the bottom of the picture while the voice speaks."""
    import numpy as np

    from estudio.media.ffmpeg import ffmpeg_exe

    out = tmp_path / "out"
    result = estudio(
        "render",
        str(EXAMPLE),
        "--out",
        str(out),
        "--preset",
        "vertical",
        "--subtitles",
        "burn",
        "--json",
        data=tmp_path / "data",
    )
    assert result.returncode == 0, result.stderr
    video = next(s for s in ffprobe(out / "video.mp4")["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"], video["r_frame_rate"]) == (1080, 1920, "5/1")
    manifest = json.loads((out / "manifest.json").read_text())
    first_cue = vtt_cues((out / "subtitles.vtt").read_text())[0]
    raw = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-ss",
            f"{first_cue[0] + 0.5:.2f}",
            "-i",
            str(out / "video.mp4"),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    frame = np.frombuffer(raw, dtype=np.uint8).reshape(1920, 1080)
    bottom = frame[1600:1900]  # below the letterboxed slide: dark unless a caption is drawn
    assert (bottom > 200).sum() > 500
    assert manifest["subtitles"] == "burn"
