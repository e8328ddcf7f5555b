"""Which encoder encodes which scene (docs/adr/0007): pure choices, no ffmpeg run."""

from __future__ import annotations

import pytest

from estudio.errors import RenderError
from estudio.media.ffmpeg import (
    FALLBACK_ENCODER,
    HOST_ENCODER,
    _nvenc_reason,
    encoder_choice,
    scene_encoder,
    video_encode_args,
)
from estudio.models import Deck, RenderOptions, Scene, Speech
from estudio.plan import make_plan

# What the concat demuxer with -c copy needs to be the same in every segment, besides the
# parameter sets themselves (those are checked on the real files: estudio.media.streams).
CONCAT_OPTIONS = ("-profile:v", "-pix_fmt", "-r", "-g", "-keyint_min", "-video_track_timescale")


def _opt(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def deck_with(scripts: list[str]) -> Deck:
    scenes = [
        Scene(index=i, slide_number=i + 1, script=s, script_source="notes" if s else "none")
        for i, s in enumerate(scripts)
    ]
    return Deck(
        source_name="d.pptx",
        slide_width_emu=16,
        slide_height_emu=9,
        slide_count=len(scenes),
        language="pt-BR",
        scenes=scenes,
    )


def speech(duration: float) -> Speech:
    return Speech(
        voice="espeak:pt-br",
        language="pt-BR",
        written="x",
        spoken="x",
        duration_s=duration,
        sample_rate=22050 if duration else 0,
    )


def test_given_presenter_scenes_when_planned_in_a_lambda_then_their_host_picks_the_encoder() -> (
    None
):
    # Given a presenter job planned where ESTUDIO_ENCODER=libx264 (the plan Lambda)
    deck = deck_with(["Olá", "", "Fim"])
    speeches = [speech(1.0), speech(0.0), speech(2.0)]

    # When the plan is made
    plan = make_plan(deck, speeches, RenderOptions(avatar="ana"), encoder="libx264")

    # Then every presenter scene leaves the choice to the host that renders it
    assert [s.encoder for s in plan.scenes] == [HOST_ENCODER] * 3
    assert plan.encoder == "libx264"


def test_given_a_plan_with_presenter_scenes_on_an_nvenc_host_then_those_segments_use_nvenc() -> (
    None
):
    # Given a presenter plan
    plan = make_plan(deck_with(["a", "b"]), [speech(1.0), speech(1.0)], RenderOptions(avatar="ana"))

    # When the GPU host (probe found NVENC) and a CPU fallback each resolve the scenes
    on_gpu = [scene_encoder(s.encoder, host="h264_nvenc") for s in plan.scenes]
    on_cpu = [scene_encoder(s.encoder, host="libx264") for s in plan.scenes]

    # Then the GPU host encodes with NVENC and the fallback with libx264
    assert on_gpu == ["h264_nvenc", "h264_nvenc"]
    assert on_cpu == ["libx264", "libx264"]


def test_given_still_scenes_when_planned_then_they_keep_the_plan_hosts_encoder() -> None:
    plan = make_plan(deck_with(["a", "b"]), [speech(1.0), speech(0.0)], RenderOptions())

    assert [s.encoder for s in plan.scenes] == ["libx264", "libx264"]
    assert [scene_encoder(s.encoder, host="h264_nvenc") for s in plan.scenes] == ["libx264"] * 2


def test_given_nvenc_planned_when_the_host_has_none_then_libx264_not_a_failure() -> None:
    assert scene_encoder("h264_nvenc", host="libx264") == FALLBACK_ENCODER
    assert scene_encoder("h264_nvenc", host="h264_nvenc") == "h264_nvenc"
    with pytest.raises(RenderError):
        scene_encoder("vp9", host="libx264")


@pytest.mark.parametrize("fps", [2, 5, 25])
def test_given_both_encoders_when_building_args_then_concat_options_are_identical(fps: int) -> None:
    nvenc, x264 = video_encode_args("h264_nvenc", fps), video_encode_args("libx264", fps)

    assert [_opt(nvenc, o) for o in CONCAT_OPTIONS] == [_opt(x264, o) for o in CONCAT_OPTIONS]
    assert "-an" in nvenc and "-an" in x264


def test_given_a_named_encoder_when_choosing_then_the_setting_is_the_reason() -> None:
    choice = encoder_choice("/nonexistent/ffmpeg", "h264_nvenc")

    assert (choice.encoder, choice.reason) == ("h264_nvenc", "set by ESTUDIO_ENCODER=h264_nvenc")


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        (
            b"[h264_nvenc @ 0x55] Cannot load libcuda.so.1\n[vost#0:0] Error",
            "Cannot load libcuda.so.1",
        ),
        (
            b"[h264_nvenc @ 0x1] Driver does not support the required nvenc API version.\n",
            "Driver does not support the required nvenc API version.",
        ),
        (b"Unknown encoder 'h264_nvenc'\n", "Unknown encoder 'h264_nvenc'"),
        (b"", "no output"),
    ],
)
def test_given_a_failed_nvenc_open_when_explained_then_ffmpegs_own_reason(
    stderr: bytes, reason: str
) -> None:
    assert _nvenc_reason(stderr) == reason
