from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from estudio.avatar import bench_avatar, presenter_box, render_avatar_segment, synthetic_visemes
from estudio.errors import InvalidOptions, ToolMissing, UnknownAvatar
from estudio.media.ffmpeg import still_encode_args
from estudio.models import VisemeEvent

from .conftest import make_slide, read_frames

pytestmark = pytest.mark.slow

W, H, FPS = 640, 360, 25


def _probe(ffprobe: str, video: Path) -> dict[str, str]:
    out = subprocess.run(
        [
            ffprobe,
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_frames",
            "-show_entries",
            "stream=codec_name,pix_fmt,width,height,r_frame_rate,nb_read_frames,profile",
            "-of",
            "json",
            str(video),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    stream: dict[str, str] = json.loads(out.stdout)["streams"][0]
    return stream


@pytest.mark.parametrize("duration", [1.3, 2.02])
def test_given_a_duration_when_rendered_then_exactly_round_duration_times_fps_frames(
    ffmpeg: str, ffprobe: str, tmp_path: Path, duration: float
) -> None:
    slide = make_slide(tmp_path / "slide.png", W, H)
    out = tmp_path / "seg.mp4"
    stats = render_avatar_segment(
        slide,
        out,
        synthetic_visemes(duration),
        0.1,
        duration,
        FPS,
        "bruno",
        "pip-right",
        ffmpeg,
        "libx264",
    )
    info = _probe(ffprobe, out)
    assert int(info["nb_read_frames"]) == stats.frames == round(duration * FPS)
    assert (info["codec_name"], info["pix_fmt"], info["r_frame_rate"]) == (
        "h264",
        "yuv420p",
        "25/1",
    )
    assert (int(info["width"]), int(info["height"])) == (W, H)
    assert stats.encoder == "libx264"
    assert 0 < stats.distinct_frames <= stats.frames
    assert not list(tmp_path.glob(".*part*"))  # the temporary file was renamed into place


def test_given_a_still_segment_when_concatenated_with_copy_then_both_play_in_full(
    ffmpeg: str, ffprobe: str, tmp_path: Path
) -> None:
    slide = make_slide(tmp_path / "slide.png", W, H)
    still = tmp_path / "still.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-loglevel",
            "error",
            "-y",
            "-framerate",
            "1",
            "-loop",
            "1",
            "-t",
            "2",
            "-i",
            str(slide),
            *still_encode_args("libx264", FPS),
            "-frames:v",
            "50",
            str(still),
        ],
        check=True,
    )
    avatar = tmp_path / "avatar.mp4"
    render_avatar_segment(
        slide,
        avatar,
        synthetic_visemes(2.0),
        0.2,
        2.4,
        FPS,
        "ana",
        "pip-left",
        ffmpeg,
        "libx264",
    )
    listing = tmp_path / "list.txt"
    listing.write_text(f"file '{still}'\nfile '{avatar}'\nfile '{still}'\n")
    joined = tmp_path / "joined.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            str(joined),
        ],
        check=True,
    )
    assert int(_probe(ffprobe, joined)["nb_read_frames"]) == 50 + 60 + 50


@pytest.mark.parametrize(
    ("avatar", "layout"), [("ana", "pip-right"), ("bruno", "pip-left"), ("ana", "beside")]
)
def test_given_a_layout_when_rendered_then_the_slide_stays_legible_and_the_presenter_shows(
    ffmpeg: str, tmp_path: Path, avatar: str, layout: str
) -> None:
    slide = make_slide(tmp_path / "slide.png", W, H)
    out = tmp_path / "seg.mp4"
    render_avatar_segment(
        slide,
        out,
        synthetic_visemes(1.0),
        0.0,
        1.0,
        FPS,
        avatar,
        layout,
        ffmpeg,
        "libx264",
    )
    frames = read_frames(ffmpeg, out).astype(np.int16)
    original = np.asarray(Image.open(slide).convert("RGB"), np.int16)
    box = presenter_box(W, H, layout)
    if layout == "beside":
        # the title bar is still there, scaled down, left of the presenter
        assert frames[0, : H // 3, : box.x, 2].max() > 100
        assert frames[0, H // 3, box.x - 8, :].min() > 150  # the panel, not the slide
    else:
        away = slice(0, W // 2) if layout == "pip-right" else slice(W // 2, W)
        err = np.abs(frames[:, :, away] - original[None, :, away]).mean()
        assert err < 3.0  # only compression noise where the presenter is not
    presenter = frames[:, box.y : box.y + box.h, box.x : box.x + box.w]
    slide_part = original[box.y : box.y + box.h, box.x : box.x + box.w]
    assert np.abs(presenter[0] - slide_part).mean() > 20


def test_given_errors_in_the_request_when_rendering_then_domain_errors(
    ffmpeg: str, tmp_path: Path
) -> None:
    slide = make_slide(tmp_path / "slide.png", W, H)
    out = tmp_path / "x.mp4"
    no_speech: list[VisemeEvent] = []
    args = (slide, out, no_speech, 0.0, 1.0, FPS)
    with pytest.raises(UnknownAvatar):
        render_avatar_segment(*args, "zeca", "pip-right", ffmpeg, "libx264")
    with pytest.raises(InvalidOptions):
        render_avatar_segment(*args, "ana", "floating", ffmpeg, "libx264")
    with pytest.raises(InvalidOptions):
        render_avatar_segment(slide, out, [], 0.0, 0.0, FPS, "ana", "pip-right", ffmpeg, "libx264")
    with pytest.raises(ToolMissing):
        render_avatar_segment(*args, "ana", "pip-right", str(tmp_path / "no-ffmpeg"), "libx264")
    assert not out.exists()


def test_given_the_benchmark_when_run_then_it_reports_frames_and_speed() -> None:
    stats = bench_avatar(2.0, W, H, FPS)
    assert stats.frames == 50
    assert stats.fps > 0 and stats.realtime_ratio == pytest.approx(stats.fps / FPS)
