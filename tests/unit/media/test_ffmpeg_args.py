"""Encode arguments: every segment shares the stream-defining options."""

from __future__ import annotations

from pathlib import Path

import pytest

from estudio.errors import RenderError, ToolMissing
from estudio.media.ffmpeg import choose_encoder, ffmpeg_exe, still_encode_args, video_encode_args
from estudio.media.render import escape_filter_value, frame_count


def _opt(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


@pytest.mark.parametrize("encoder", ["libx264", "h264_nvenc"])
def test_given_encoder_when_building_args_then_stream_parameters_are_fixed(encoder: str) -> None:
    args = video_encode_args(encoder, 25)

    assert _opt(args, "-c:v") == encoder
    assert _opt(args, "-r") == "25"
    assert _opt(args, "-g") == "50"
    assert _opt(args, "-pix_fmt") == "yuv420p"
    assert _opt(args, "-video_track_timescale") == "90000"
    assert "-an" in args


def test_given_libx264_when_still_args_then_only_the_tune_is_added() -> None:
    video = video_encode_args("libx264", 5)
    still = still_encode_args("libx264", 5)

    assert _opt(still, "-tune") == "stillimage"
    without_tune = [a for i, a in enumerate(still) if a != "-tune" and still[i - 1] != "-tune"]
    assert without_tune == video


def test_given_nvenc_when_still_args_then_same_as_video_args() -> None:
    assert still_encode_args("h264_nvenc", 30) == video_encode_args("h264_nvenc", 30)


@pytest.mark.parametrize(("encoder", "fps"), [("vp9", 30), ("libx264", 0)])
def test_given_bad_encoder_or_fps_when_building_args_then_render_error(
    encoder: str, fps: int
) -> None:
    with pytest.raises(RenderError):
        video_encode_args(encoder, fps)


def test_given_explicit_preference_when_choosing_then_it_is_used_without_probing() -> None:
    assert choose_encoder("/nonexistent/ffmpeg", "libx264") == "libx264"
    assert choose_encoder("/nonexistent/ffmpeg", "h264_nvenc") == "h264_nvenc"
    with pytest.raises(RenderError):
        choose_encoder("/nonexistent/ffmpeg", "fastest")


def test_given_missing_override_when_resolving_ffmpeg_then_tool_missing(tmp_path: Path) -> None:
    with pytest.raises(ToolMissing):
        ffmpeg_exe(str(tmp_path / "ffmpeg"))
    with pytest.raises(ToolMissing):
        ffmpeg_exe("no-such-ffmpeg-binary")


def test_given_non_executable_override_when_resolving_then_tool_missing(tmp_path: Path) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("")
    with pytest.raises(ToolMissing):
        ffmpeg_exe(str(fake))


@pytest.mark.parametrize(
    ("duration", "fps", "frames"), [(2.0, 5, 10), (1.5, 30, 45), (0.01, 5, 1), (3.33, 25, 83)]
)
def test_given_duration_when_counting_frames_then_rounds_to_whole_frames(
    duration: float, fps: int, frames: int
) -> None:
    assert frame_count(duration, fps) == frames


def test_given_specials_when_escaping_filter_value_then_each_gets_two_levels() -> None:
    assert escape_filter_value("/tmp/plain/subs.ass") == "/tmp/plain/subs.ass"
    assert escape_filter_value("a:b") == "a\\\\\\:b"
    assert escape_filter_value("a,b") == "a\\,b"
    assert escape_filter_value("it's") == "it\\\\\\'s"


def test_given_bounded_encoder_threads_when_building_args_then_threads_is_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from estudio.media.ffmpeg import FFMPEG_THREADS_ENV

    monkeypatch.delenv(FFMPEG_THREADS_ENV, raising=False)
    assert "-threads" not in video_encode_args("libx264", 5)
    monkeypatch.setenv(FFMPEG_THREADS_ENV, "1")
    args = video_encode_args("libx264", 5)
    assert args[args.index("-threads") + 1] == "1"
