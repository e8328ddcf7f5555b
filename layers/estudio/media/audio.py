"""The one continuous audio track: silence everywhere, each scene's speech placed at its sample.

One WAV for the whole video (muxed once as AAC by the assembler) avoids the drift that per-scene
AAC segments add at every join (priming and padding samples).
"""

from __future__ import annotations

import os
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from estudio.errors import RenderError
from estudio.observability import logger

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class AudioPart:
    """A WAV to place at ``start_s`` in the track; ``path`` None stands for silence."""

    path: Path | None
    start_s: float


def read_wav(path: Path) -> tuple[Samples, int]:
    """PCM WAV (8/16/24/32-bit, any channels) → mono float32 in [-1, 1] and its sample rate."""
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError, OSError) as e:
        raise RenderError(f"cannot read audio {path.name}: {e}") from e
    if width == 1:
        data = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints & 0x800000, ints - 0x1000000, ints)
        data = ints.astype(np.float32) / 8388608.0
    elif width == 4:
        data = (np.frombuffer(raw, "<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
    else:
        raise RenderError(f"unsupported sample width {width} in {path.name}")
    if channels > 1:
        usable = len(data) - len(data) % channels
        data = data[:usable].reshape(-1, channels).mean(axis=1, dtype=np.float32)
    return data.astype(np.float32, copy=False), rate


def resample(samples: Samples, src_rate: int, dst_rate: int) -> Samples:
    """Linear-interpolation resampling (fine for speech). Length: ``round(n*dst/src)``."""
    if src_rate == dst_rate or len(samples) == 0:
        return samples
    if src_rate <= 0 or dst_rate <= 0:
        raise RenderError(f"invalid sample rates {src_rate} → {dst_rate}")
    n_out = round(len(samples) * dst_rate / src_rate)
    positions = np.arange(n_out, dtype=np.float64) * (src_rate / dst_rate)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def write_wav(path: Path, samples: Samples, sample_rate: int) -> None:
    """Mono 16-bit PCM, written to a temp name then renamed."""
    tmp = path.with_name(f".{path.name}.tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(_pcm16(samples))
    os.replace(tmp, path)


BLOCK_S = 10  # the track is built and written ten seconds at a time: memory stays flat


def _pcm16(samples: Samples) -> bytes:
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2").tobytes()


def build_audio_track(
    parts: list[AudioPart], total_s: float, out_wav: Path, sample_rate: int = 48000
) -> None:
    """One mono 16-bit WAV of ``round(total_s*sample_rate)`` samples: silence, with each part's
    samples starting at ``round(start_s*sample_rate)`` (resampled when its rate differs) and
    clipped to the track. Overlapping parts are mixed. Written to a temp name, then renamed."""
    if total_s < 0 or sample_rate <= 0:
        raise RenderError(f"invalid track: {total_s} s at {sample_rate} Hz")
    for part in parts:
        if part.start_s < 0:
            raise RenderError(f"audio part starts before the track: {part.start_s}")
    total = round(total_s * sample_rate)
    pending: list[tuple[int, Path]] = sorted(
        ((round(p.start_s * sample_rate), p.path) for p in parts if p.path is not None),
        key=lambda item: item[0],
        reverse=True,
    )
    active: list[tuple[int, Samples]] = []
    block = BLOCK_S * sample_rate
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_wav.with_name(f".{out_wav.name}.tmp")
    placed = 0
    try:
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sample_rate)
            for b0 in range(0, total, block):
                b1 = min(total, b0 + block)
                while pending and pending[-1][0] < b1:
                    at, path = pending.pop()
                    samples, rate = read_wav(path)
                    active.append((at, resample(samples, rate, sample_rate)))
                    placed += 1
                buf = np.zeros(b1 - b0, dtype=np.float32)
                for at, samples in active:
                    lo, hi = max(at, b0), min(at + len(samples), b1)
                    if lo < hi:
                        buf[lo - b0 : hi - b0] += samples[lo - at : hi - at]
                active = [(at, s) for at, s in active if at + len(s) > b1]
                w.writeframes(_pcm16(buf))
        os.replace(tmp, out_wav)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    logger.debug("audio track built", parts=placed, samples=total, sample_rate=sample_rate)
