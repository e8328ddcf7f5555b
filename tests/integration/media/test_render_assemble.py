"""Segments, audio track and assembly with the real ffmpeg (imageio-ffmpeg's, or ffprobe's
sibling when installed) on images made here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from estudio.errors import RenderError, StageTimeout
from estudio.media.assemble import assemble_video
from estudio.media.audio import AudioPart, build_audio_track, write_wav
from estudio.media.ffmpeg import ENCODERS, choose_encoder, ffmpeg_exe, run_ffmpeg
from estudio.media.probe import mp4_duration_s, mp4_top_level_boxes, probe, probe_with_ffmpeg
from estudio.media.render import render_still_segment
from estudio.media.thumbnail import make_thumbnail
from estudio.models import Chapter

pytestmark = pytest.mark.slow

W, H, FPS = 640, 360, 5
COLOURS = [(220, 20, 20), (20, 200, 40), (30, 40, 220)]
DURATIONS = [1.2, 0.6, 2.0]  # whole frames at 5 fps: 6, 3, 10
ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 640
PlayResY: 360

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, \
Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Noto Sans,40,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,\
1,2,0,2,10,10,20,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.60,0:00:01.20,Default,,0,0,0,,Ação de formação
"""


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    return ffmpeg_exe()


@pytest.fixture(scope="module")
def encoder(ffmpeg: str) -> str:
    return choose_encoder(ffmpeg)


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("slides")
    paths = []
    for i, colour in enumerate(COLOURS):
        path = folder / f"slide-{i}.png"
        Image.new("RGB", (W, H), colour).save(path)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def segments(
    slides: list[Path], ffmpeg: str, encoder: str, tmp_path_factory: pytest.TempPathFactory
) -> list[Path]:
    folder = tmp_path_factory.mktemp("segments")
    out = []
    for i, (image, duration) in enumerate(zip(slides, DURATIONS, strict=True)):
        seg = folder / f"seg-{i}.mp4"
        render_still_segment(image, seg, duration, FPS, encoder, ffmpeg)
        out.append(seg)
    return out


def _frames(ffmpeg: str, video: Path) -> np.ndarray:
    """Every frame decoded at 16x9 RGB: shape (frames, 9, 16, 3)."""
    proc = subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-i",
            str(video),
            "-vf",
            "scale=16:9",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(proc.stdout, np.uint8).reshape(-1, 9, 16, 3)


def _frame(ffmpeg: str, video: Path, index: int, out: Path) -> Image.Image:
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-i",
            str(video),
            "-vf",
            f"select=eq(n\\,{index})",
            "-frames:v",
            "1",
            str(out),
        ],
        check=True,
    )
    return Image.open(out).convert("RGB")


def _colour_of(frame: np.ndarray) -> int:
    mean = frame.reshape(-1, 3).mean(axis=0)
    return int(np.argmin([np.abs(mean - np.array(c)).sum() for c in COLOURS]))


def test_given_auto_when_choosing_encoder_then_a_working_known_encoder(encoder: str) -> None:
    assert encoder in ENCODERS


def test_given_durations_when_rendering_segments_then_exact_frame_counts(
    segments: list[Path],
) -> None:
    for seg, duration in zip(segments, DURATIONS, strict=True):
        info = probe(seg)
        assert info.video_frames == round(duration * FPS)
        assert info.duration_s == pytest.approx(duration, abs=1e-3)
        assert mp4_duration_s(seg) == pytest.approx(duration, abs=1e-3)
        assert (info.width, info.height, info.fps) == (W, H, FPS)
        assert info.video_codec == "h264"
        assert not info.has_audio


def test_given_ass_when_rendering_then_subtitles_are_burned_only_while_cued(
    slides: list[Path], ffmpeg: str, encoder: str, tmp_path: Path
) -> None:
    ass = tmp_path / "cues.ass"
    ass.write_text(ASS, encoding="utf-8")
    seg = tmp_path / "subbed.mp4"

    render_still_segment(slides[2], seg, 2.0, FPS, encoder, ffmpeg, subtitles_ass=ass)

    def bright_pixels(index: int) -> int:
        img = np.asarray(_frame(ffmpeg, seg, index, tmp_path / f"f{index}.png"))
        return int((img[H // 2 :].min(axis=2) > 200).sum())  # white text on blue

    assert bright_pixels(1) == 0  # 0.2 s: before the cue
    assert bright_pixels(4) > 200  # 0.8 s: cue shown
    assert bright_pixels(8) == 0  # 1.6 s: after the cue


def test_given_fades_when_rendering_then_first_and_last_frames_are_dark(
    slides: list[Path], ffmpeg: str, encoder: str, tmp_path: Path
) -> None:
    seg = tmp_path / "faded.mp4"

    render_still_segment(slides[1], seg, 2.0, FPS, encoder, ffmpeg, fade_in_s=0.4, fade_out_s=0.4)

    frames = _frames(ffmpeg, seg)
    assert len(frames) == 10
    brightness = frames.reshape(10, -1).mean(axis=1)
    assert brightness[0] < 10
    assert brightness[-1] < brightness[5] / 2
    assert brightness[5] == pytest.approx(np.mean(COLOURS[1]), abs=8)


def test_given_segments_and_audio_when_assembling_then_one_faststart_mp4_with_chapters(
    segments: list[Path], ffmpeg: str, tmp_path: Path
) -> None:
    total = sum(DURATIONS)
    tone = tmp_path / "tone.wav"
    t = np.arange(16000) / 16000
    write_wav(tone, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000)
    track = tmp_path / "track.wav"
    build_audio_track([AudioPart(tone, 0.2), AudioPart(tone, 1.8)], total, track)
    chapters = [Chapter(title="Abertura", start_s=0.0), Chapter(title="Conclusão", start_s=1.8)]
    out = tmp_path / "video.mp4"

    assemble_video(segments, track, out, ffmpeg, chapters=chapters, title="Curso: ação")

    info = probe(out)
    assert info.duration_s == pytest.approx(total, abs=0.05)
    assert info.video_duration_s == pytest.approx(total, abs=0.05)
    assert info.has_audio and info.audio_codec == "aac"
    assert info.audio_duration_s == pytest.approx(total, abs=0.05)
    assert info.audio_sample_rate == 48000
    assert info.chapters == ["Abertura", "Conclusão"]
    assert info.title == "Curso: ação"
    boxes = mp4_top_level_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat")
    assert not list(tmp_path.glob(".*tmp*"))


def test_given_three_segments_when_assembling_then_each_frame_shows_its_segment(
    segments: list[Path], ffmpeg: str, tmp_path: Path
) -> None:
    track = tmp_path / "silence.wav"
    build_audio_track([], sum(DURATIONS), track)
    out = tmp_path / "video.mp4"

    assemble_video(segments, track, out, ffmpeg)

    frames = _frames(ffmpeg, out)
    shown = [_colour_of(f) for f in frames]
    expected = [i for i, d in enumerate(DURATIONS) for _ in range(round(d * FPS))]
    assert shown == expected


def test_given_audio_of_other_length_when_assembling_then_render_error(
    segments: list[Path], ffmpeg: str, tmp_path: Path
) -> None:
    track = tmp_path / "short.wav"
    build_audio_track([], sum(DURATIONS) - 0.5, track)

    with pytest.raises(RenderError, match="audio lasts"):
        assemble_video(segments, track, tmp_path / "video.mp4", ffmpeg)
    assert not (tmp_path / "video.mp4").exists()


def test_given_no_ffprobe_when_probing_then_ffmpeg_text_gives_the_same_essentials(
    segments: list[Path], ffmpeg: str
) -> None:
    info = probe_with_ffmpeg(segments[2], ffmpeg)

    assert info.duration_s == pytest.approx(DURATIONS[2], abs=0.02)
    assert (info.width, info.height, info.fps, info.video_codec) == (W, H, FPS, "h264")
    assert not info.has_audio


@pytest.mark.skipif(not shutil.which("ffprobe"), reason="ffprobe not installed")
def test_given_assembled_video_when_probing_both_ways_then_they_agree(
    segments: list[Path], ffmpeg: str, tmp_path: Path
) -> None:
    track = tmp_path / "silence.wav"
    build_audio_track([], sum(DURATIONS), track)
    out = tmp_path / "video.mp4"
    assemble_video(segments, track, out, ffmpeg, chapters=[Chapter(title="Só", start_s=0)])

    a, b = probe(out), probe_with_ffmpeg(out, ffmpeg)

    assert b.duration_s == pytest.approx(a.duration_s, abs=0.02)
    assert (b.width, b.height, b.video_codec, b.audio_codec) == (
        a.width,
        a.height,
        a.video_codec,
        a.audio_codec,
    )
    assert b.chapters == a.chapters == ["Só"]


def test_given_bad_args_when_running_ffmpeg_then_render_error_with_stderr(ffmpeg: str) -> None:
    with pytest.raises(RenderError, match=r"ffmpeg failed: .*missing-input"):
        run_ffmpeg(["-i", "missing-input.png", "-f", "null", "-"], ffmpeg)


def test_given_endless_input_when_timeout_passes_then_stage_timeout(ffmpeg: str) -> None:
    with pytest.raises(StageTimeout):
        run_ffmpeg(["-re", "-f", "lavfi", "-i", "color=s=64x64", "-f", "null", "-"], ffmpeg, 0.5)


def test_given_slide_when_making_thumbnail_then_jpeg_of_requested_width(
    slides: list[Path], tmp_path: Path
) -> None:
    big = tmp_path / "big.png"
    Image.new("RGB", (1920, 1080), COLOURS[0]).save(big)
    out = tmp_path / "thumb.jpg"

    make_thumbnail(big, out, width=1280)

    with Image.open(out) as img:
        assert img.format == "JPEG"
        assert img.size == (1280, 720)
    make_thumbnail(slides[0], out, width=1280)  # smaller than asked: not enlarged
    with Image.open(out) as img:
        assert img.size == (W, H)
