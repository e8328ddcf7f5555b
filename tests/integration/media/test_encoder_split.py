"""Segments from different hosts joined into one video, with the real ffmpeg (docs/adr/0007).

No GPU here: NVENC is absent, so the probe must fall back cleanly; a segment "from another
encoder" is made with libx264 told to write different parameter sets (no CABAC, main profile, no
B-frames: as an NVENC segment's differ from a libx264 one's).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from estudio.avatar.bench import synthetic_visemes
from estudio.avatar.render import render_avatar_segment
from estudio.errors import RenderError
from estudio.media.assemble import assemble_video
from estudio.media.audio import write_wav
from estudio.media.conform import conform_segments, reference_config
from estudio.media.ffmpeg import (
    choose_encoder,
    ffmpeg_exe,
    nvenc_probe,
    run_ffmpeg_to,
    video_encode_args,
)
from estudio.media.render import render_still_segment
from estudio.media.streams import video_stream_config

pytestmark = pytest.mark.slow

W, H, FPS = 320, 180, 25
RED, BLUE = (200, 40, 40), (40, 40, 200)


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    return ffmpeg_exe()


def _image(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (W, H), colour).save(path)
    return path


def _foreign_segment(image: Path, out: Path, frames: int, ffmpeg: str) -> None:
    """``frames`` of ``image`` encoded with other parameter sets than the job's libx264."""
    args = video_encode_args("libx264", FPS)
    args[args.index("-x264-params") + 1] = "scenecut=0:cabac=0:bframes=0:ref=2"
    args[args.index("-profile:v") + 1] = "main"
    source = ["-loop", "1", "-framerate", "1", "-i", str(image), "-vf", f"fps={FPS}"]
    run_ffmpeg_to(out, [*source, "-frames:v", str(frames), *args, "-f", "mp4"], ffmpeg)


def _frames(video: Path, ffmpeg: str) -> tuple[list[np.ndarray], str]:
    """Every decoded frame (RGB) and the decoder's complaints."""
    proc = subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    )
    size = W * H * 3
    raw = proc.stdout
    frames = [
        np.frombuffer(raw[i : i + size], np.uint8).reshape(H, W, 3)
        for i in range(0, len(raw), size)
    ]
    return frames, proc.stderr.decode()


def _silence(path: Path, seconds: float) -> Path:
    write_wav(path, np.zeros(round(seconds * 48000), dtype=np.int16), 48000)
    return path


def test_given_no_nvenc_here_when_probing_then_libx264_with_ffmpegs_reason(ffmpeg: str) -> None:
    # Given this CPU machine (no libcuda, no NVIDIA device)
    choice = nvenc_probe(ffmpeg)
    if choice.encoder == "h264_nvenc":
        pytest.skip("this machine has a working NVENC")

    # Then the probe falls back cleanly, says why, and "auto" picks libx264
    assert choice.encoder == "libx264"
    assert choice.reason.startswith("nvenc probe failed: ")
    assert "Error while opening encoder" not in choice.reason  # the cause, not the consequence
    assert choose_encoder(ffmpeg, "auto") == "libx264"


def test_given_a_still_and_a_presenter_segment_by_libx264_when_joined_then_copied_as_they_are(
    ffmpeg: str, tmp_path: Path
) -> None:
    # Given a still slide and a presenter scene, both encoded by libx264 (the CPU fallback)
    still = tmp_path / "still.mp4"
    render_still_segment(_image(tmp_path / "red.png", RED), still, 1.0, FPS, "libx264", ffmpeg)
    presenter = tmp_path / "presenter.mp4"
    render_avatar_segment(
        _image(tmp_path / "blue.png", BLUE),
        presenter,
        synthetic_visemes(0.5),
        0.1,
        0.8,
        FPS,
        "ana",
        "pip-right",
        ffmpeg,
        "libx264",
    )

    # Then both carry the reference parameter sets, so nothing is re-encoded
    reference = reference_config(W, H, FPS, ffmpeg)
    assert video_stream_config(still) == video_stream_config(presenter) == reference
    assert conform_segments([still, presenter], FPS, ffmpeg, tmp_path) == [still, presenter]

    # And the copy-joined video holds every frame of both
    out = tmp_path / "video.mp4"
    assemble_video([still, presenter], _silence(tmp_path / "a.wav", 1.8), out, ffmpeg, fps=FPS)
    frames, errors = _frames(out, ffmpeg)
    assert (len(frames), errors) == (45, "")


def test_given_segments_from_different_encoders_when_assembled_then_the_odd_one_is_conformed(
    ffmpeg: str, tmp_path: Path
) -> None:
    # Given a libx264 segment and one whose encoder wrote other parameter sets
    first = tmp_path / "first.mp4"
    render_still_segment(_image(tmp_path / "red.png", RED), first, 1.0, FPS, "libx264", ffmpeg)
    second = tmp_path / "second.mp4"
    _foreign_segment(_image(tmp_path / "blue.png", BLUE), second, 30, ffmpeg)
    foreign = video_stream_config(second)
    assert foreign != video_stream_config(first)

    # When the job is assembled
    out = tmp_path / "video.mp4"
    assemble_video([first, second], _silence(tmp_path / "a.wav", 2.2), out, ffmpeg, fps=FPS)

    # Then the video has the reference parameter sets only: the foreign SPS is nowhere in it
    assert video_stream_config(out) == reference_config(W, H, FPS, ffmpeg)
    sps = foreign.decoder_config[8 : 8 + int.from_bytes(foreign.decoder_config[6:8], "big")]
    assert sps not in out.read_bytes()
    # And every frame is there, decodes cleanly and shows its own slide
    frames, errors = _frames(out, ffmpeg)
    assert (len(frames), errors) == (55, "")
    means = [f.reshape(-1, 3).mean(axis=0) for f in (frames[0], frames[24], frames[25], frames[-1])]
    assert [int(np.argmax(m)) for m in means] == [0, 0, 2, 2]
    assert all(
        np.abs(m - np.array(c)).max() < 8
        for m, c in zip(means, [RED, RED, BLUE, BLUE], strict=True)
    )


def test_given_mismatched_segments_when_copied_naively_then_the_join_is_not_sound(
    ffmpeg: str, tmp_path: Path
) -> None:
    """Why the assembler conforms (docs/adr/0007), as the pinned ffmpeg behaves: re-check the ADR
    if this starts failing after an ffmpeg change."""
    # Given 25 + 25 frames from two encoders' parameter sets
    first = tmp_path / "first.mp4"
    render_still_segment(_image(tmp_path / "red.png", RED), first, 1.0, FPS, "libx264", ffmpeg)
    second = tmp_path / "second.mp4"
    _foreign_segment(_image(tmp_path / "blue.png", BLUE), second, 25, ffmpeg)
    listing = tmp_path / "list.ffconcat"
    listing.write_text(f"ffconcat version 1.0\nfile '{first}'\nfile '{second}'\n")

    # When they are joined with the concat demuxer and -c copy, unchecked
    naive = tmp_path / "naive.mp4"
    concat = ["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-f", "mp4"]
    run_ffmpeg_to(naive, concat, ffmpeg)

    # Then the track keeps the first segment's configuration, the second's SPS rides in-band,
    # and the frame count is wrong
    foreign = video_stream_config(second).decoder_config
    sps = foreign[8 : 8 + int.from_bytes(foreign[6:8], "big")]
    assert video_stream_config(naive) == video_stream_config(first)
    assert sps in naive.read_bytes()
    frames, _ = _frames(naive, ffmpeg)
    assert len(frames) == 52  # not 50: docs/adr/0007


def test_given_mismatched_segments_without_a_frame_rate_when_assembled_then_refused(
    ffmpeg: str, tmp_path: Path
) -> None:
    first = tmp_path / "first.mp4"
    render_still_segment(_image(tmp_path / "red.png", RED), first, 1.0, FPS, "libx264", ffmpeg)
    second = tmp_path / "second.mp4"
    _foreign_segment(_image(tmp_path / "blue.png", BLUE), second, 25, ffmpeg)

    with pytest.raises(RenderError, match="cannot be joined without re-encoding"):
        assemble_video(
            [first, second], _silence(tmp_path / "a.wav", 2.0), tmp_path / "v.mp4", ffmpeg
        )
    assert not (tmp_path / "v.mp4").exists()
