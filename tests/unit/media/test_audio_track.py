"""The audio track builder: placement, resampling, clipping, mixing (pure numpy + wave)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from estudio.errors import RenderError
from estudio.media.audio import AudioPart, build_audio_track, read_wav, resample, write_wav

RATE = 48000


def _ones(path: Path, n: int, rate: int, value: float = 0.5) -> Path:
    write_wav(path, np.full(n, value, dtype=np.float32), rate)
    return path


def _read(path: Path) -> tuple[np.ndarray, int, int, int]:
    with wave.open(str(path), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        return data, w.getframerate(), w.getnchannels(), w.getsampwidth()


def test_given_parts_when_building_then_samples_start_exactly_at_their_offsets(
    tmp_path: Path,
) -> None:
    part = _ones(tmp_path / "a.wav", 1000, RATE)
    out = tmp_path / "track.wav"

    build_audio_track([AudioPart(part, 0.5), AudioPart(part, 1.25)], 2.0, out)

    data, rate, channels, width = _read(out)
    assert (rate, channels, width) == (RATE, 1, 2)
    assert len(data) == 2 * RATE
    nonzero = np.flatnonzero(data)
    first = nonzero[nonzero < RATE]
    second = nonzero[nonzero >= RATE]
    assert (first[0], first[-1]) == (24000, 24999)
    assert (second[0], second[-1]) == (60000, 60999)
    assert data[24000] == round(0.5 * 32767)


def test_given_part_longer_than_track_when_building_then_it_is_clipped(tmp_path: Path) -> None:
    part = _ones(tmp_path / "long.wav", 3 * RATE, RATE)
    out = tmp_path / "track.wav"

    build_audio_track([AudioPart(part, 1.0), AudioPart(part, 5.0)], 2.0, out)

    data, *_ = _read(out)
    assert len(data) == 2 * RATE
    assert not data[:RATE].any()
    assert data[RATE:].all()


def test_given_overlapping_parts_when_building_then_they_mix(tmp_path: Path) -> None:
    a = _ones(tmp_path / "a.wav", RATE, RATE, 0.25)
    out = tmp_path / "track.wav"

    build_audio_track([AudioPart(a, 0.0), AudioPart(a, 0.5)], 1.5, out)

    data, *_ = _read(out)
    assert data[100] == round(0.25 * 32767)
    assert data[RATE // 2 + 100] == round(0.5 * 32767)


def test_given_part_across_block_boundary_when_building_then_it_is_continuous(
    tmp_path: Path,
) -> None:
    # Blocks are 10 s: a part from 9.5 s to 10.5 s spans two of them.
    part = _ones(tmp_path / "a.wav", RATE, RATE)
    out = tmp_path / "track.wav"

    build_audio_track([AudioPart(part, 9.5)], 12.0, out)

    data, *_ = _read(out)
    nonzero = np.flatnonzero(data)
    assert (nonzero[0], nonzero[-1], len(nonzero)) == (9.5 * RATE, 10.5 * RATE - 1, RATE)


def test_given_other_rate_when_building_then_part_is_resampled_to_track_rate(
    tmp_path: Path,
) -> None:
    part = _ones(tmp_path / "slow.wav", 22050, 22050)  # one second
    out = tmp_path / "track.wav"

    build_audio_track([AudioPart(part, 0.0)], 2.0, out)

    data, *_ = _read(out)
    assert np.count_nonzero(data) == RATE


def test_given_silence_part_when_building_then_track_is_all_zero(tmp_path: Path) -> None:
    out = tmp_path / "track.wav"

    build_audio_track([AudioPart(None, 0.0)], 0.75, out)

    data, *_ = _read(out)
    assert len(data) == 36000
    assert not data.any()


def test_given_negative_start_when_building_then_render_error(tmp_path: Path) -> None:
    part = _ones(tmp_path / "a.wav", 10, RATE)

    with pytest.raises(RenderError):
        build_audio_track([AudioPart(part, -0.1)], 1.0, tmp_path / "t.wav")


def test_given_sine_when_resampling_then_length_and_frequency_are_kept() -> None:
    t = np.arange(22050) / 22050
    sine = np.sin(2 * np.pi * 440 * t).astype(np.float32)

    out = resample(sine, 22050, 48000)

    assert len(out) == 48000
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) - 440) <= 1  # 1 s of audio: bin index = Hz


@pytest.mark.parametrize(("n", "src", "dst"), [(1000, 16000, 48000), (44100, 44100, 48000)])
def test_given_rates_when_resampling_then_length_is_rounded_ratio(
    n: int, src: int, dst: int
) -> None:
    assert len(resample(np.zeros(n, np.float32), src, dst)) == round(n * dst / src)


def test_given_stereo_wav_when_reading_then_channels_are_averaged(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    frames = np.array([[16384, 0], [16384, 16384]], dtype="<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(frames.tobytes())

    data, rate = read_wav(path)

    assert rate == RATE
    np.testing.assert_allclose(data, [0.25, 0.5])


def test_given_not_a_wav_when_reading_then_render_error(tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    path.write_bytes(b"not audio")

    with pytest.raises(RenderError):
        read_wav(path)
