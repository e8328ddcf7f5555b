"""The narration spliced from separately encoded AAC pieces decodes like one encode of the
whole track (docs/adr/0013). Real ffmpeg encodes and decodes; the signals are tones."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from estudio.media.assemble import AAC_ARGS, encode_narration
from estudio.media.audio import AudioPart, build_audio_track
from estudio.media.ffmpeg import ffmpeg_exe
from estudio.media.narration_parts import (
    FRAME,
    encode_pieces,
    mux_m4a,
    plan_pieces,
    silence_packet,
    splice,
)

RATE = 48000


def _tone(path: Path, hz: int, seconds: float, rate: int = 22050) -> Path:
    ffmpeg = ffmpeg_exe(None)
    expr = f"0.3*sin(2*PI*{hz}*t)*(0.5+0.5*sin(2*PI*4*t))+0.05*sin(2*PI*1800*t)"
    source = f"aevalsrc='{expr}':s={rate}:d={seconds}"
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", source, "-ac", "1", str(path)],
        check=True,
    )
    return path


def _decode(path: Path) -> np.ndarray:
    out = subprocess.run(
        [ffmpeg_exe(None), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, "<i2").astype(np.float64)


def _snr_db(decoded: np.ndarray, source: np.ndarray, lag: int = 0) -> float:
    x = decoded[lag:]
    n = min(len(x), len(source))
    error = x[:n] - source[:n]
    return float(10 * np.log10((source[:n] ** 2).sum() / max((error**2).sum(), 1e-9)))


def _spliced(parts: list[AudioPart], total_s: float, out: Path) -> tuple[int, int]:
    ffmpeg = ffmpeg_exe(None)
    frames, pieces = plan_pieces(parts, total_s, RATE, AAC_ARGS)
    encoded = encode_pieces(pieces, RATE, AAC_ARGS, ffmpeg, 60)
    silence = silence_packet(RATE, AAC_ARGS, ffmpeg)
    adts = out.with_suffix(".aac")
    adts.write_bytes(splice(frames, pieces, lambda p: encoded[p.digest], silence))
    mux_m4a(adts, out, ffmpeg, 60)
    return frames, len(pieces)


def test_given_scenes_spliced_from_pieces_then_the_track_decodes_like_one_whole_encode(
    tmp_path: Path,
) -> None:
    # Given three spoken parts (tones) at times that are not on AAC frame boundaries
    waves = [_tone(tmp_path / f"s{i}.wav", 200 + 50 * i, 2.7) for i in range(3)]
    parts = [AudioPart(waves[0], 0.5003), AudioPart(waves[1], 4.123), AudioPart(waves[2], 7.02)]

    # When the track is spliced from pieces, and (for reference) mixed whole and encoded once
    frames, count = _spliced(parts, 12.0, tmp_path / "spliced.m4a")
    on_frames = [AudioPart(p.path, round(p.start_s * RATE / FRAME) * FRAME / RATE) for p in parts]
    build_audio_track(on_frames, 12.0, tmp_path / "source.wav", RATE)
    encode_narration(tmp_path / "source.wav", tmp_path / "whole.m4a", ffmpeg_exe(None))

    # Then it lasts the track, its speech sits on the frame-aligned starts (best match at lag 0)
    # and it is as faithful to the source as the whole encode is
    source = _decode(tmp_path / "source.wav")
    spliced, whole = _decode(tmp_path / "spliced.m4a"), _decode(tmp_path / "whole.m4a")
    assert count == 3 and frames == -(-len(source) // FRAME)
    assert abs(len(spliced) - len(source)) <= FRAME
    at_zero = _snr_db(spliced, source)
    assert at_zero > 40
    assert at_zero > _snr_db(spliced, source, lag=1) + 10
    assert abs(at_zero - _snr_db(whole, source)) < 1.0
    silent = source == 0  # the silence between scenes stays (nearly) silent: no clicks at joins
    n = min(len(spliced), len(source))
    assert np.abs(spliced[:n][silent[:n]]).max() <= max(np.abs(whole[:n][silent[:n]]).max(), 200)


def test_given_a_scene_that_only_moved_then_its_piece_is_the_same(tmp_path: Path) -> None:
    # Given a part, and the same part 0.3 s later (an earlier scene's speech grew)
    wav = _tone(tmp_path / "s.wav", 300, 1.5)
    _, [before] = plan_pieces([AudioPart(wav, 1.0)], 5.0, RATE, AAC_ARGS)
    _, [after] = plan_pieces([AudioPart(wav, 1.3)], 5.0, RATE, AAC_ARGS)
    # Then its piece (what is encoded and cached) is the same, only placed elsewhere
    assert before.digest == after.digest and before.first != after.first
    # And other encoder settings or other samples make another piece
    _, [other] = plan_pieces([AudioPart(wav, 1.0)], 5.0, RATE, [*AAC_ARGS[:-2], "-ar", "44100"])
    assert other.digest != before.digest
    _, [shorter] = plan_pieces([AudioPart(wav, 1.0)], 2.0, RATE, AAC_ARGS)  # clipped at the end
    assert shorter.digest != before.digest


@pytest.mark.parametrize("data", [b"\x00" * 10, b"\xff\xf1\x50\x80\x00\x1f\xfc"])
def test_given_bytes_that_are_not_adts_then_a_render_error(data: bytes) -> None:
    from estudio.errors import RenderError
    from estudio.media.narration_parts import adts_frames

    with pytest.raises(RenderError):
        adts_frames(data)
