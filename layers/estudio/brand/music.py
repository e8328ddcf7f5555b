"""The music bed and the final mix.

The bed is looped or trimmed to the video, brought to ``level_lufs``, ducked by ``duck_db`` while
the voice speaks (gains computed from the known word timings, with short ramps), faded in and
out, and mixed under the voice (itself brought to the target first). The mix is then
measured (ffmpeg ``ebur128``), brought to -16 LUFS integrated by the measured gain (a limiter
only where that gain would push the true peak over -1 dBTP), encoded, and measured again for the
manifest. Measured gains, not ``loudnorm``: one fast pass instead of two slow ones at 192 kHz,
and the ducking depth is kept exactly as made.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from estudio.brand.model import Music, MusicPreset
from estudio.errors import RenderError, StageTimeout, ToolMissing
from estudio.media.audio import Samples, read_wav, write_wav
from estudio.media.ffmpeg import run_ffmpeg
from estudio.sandbox import bounded

TARGET_LUFS = -16.0
TRUE_PEAK_DB = -1.0
# The limiter aims a little under the ceiling: the AAC encoder adds some overshoot of its own.
LIMIT_DBTP = -2.0
TOLERANCE_LU = 0.3
ATTACK_S = 0.15  # the bed starts dipping this long before a word
RELEASE_S = 0.45  # and comes back over this long after the last one
MERGE_GAP_S = 0.5  # pauses shorter than this stay ducked (no pumping between words)
PRESET_LOOP_S = 16.0
LOOP_XFADE_S = 0.05  # an uploaded track's loop joint


@dataclass(frozen=True, slots=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float
    lra_lu: float


# --- measuring -----------------------------------------------------------------------------------
def _stderr_of(args: list[str], ffmpeg: str, timeout_s: float) -> str:
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-nostats", *args]
    try:
        proc = subprocess.run(
            bounded(argv),
            capture_output=True,
            timeout=timeout_s,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as e:
        raise StageTimeout(f"ffmpeg ran past {timeout_s:g} s", tool="ffmpeg") from e
    except OSError as e:
        raise ToolMissing(f"cannot run ffmpeg: {e}", tool="ffmpeg") from e
    text = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RenderError(f"ffmpeg failed: {text.strip().splitlines()[-1:] or proc.returncode}")
    return text


def measure(path: Path, ffmpeg: str, timeout_s: float = 600, peak: bool = True) -> Loudness:
    """EBU R128 integrated loudness, true peak (with ``peak``) and loudness range (``ebur128``)."""
    af = "ebur128=peak=true" if peak else "ebur128"
    text = _stderr_of(["-i", str(path), "-vn", "-af", af, "-f", "null", "-"], ffmpeg, timeout_s)
    summary = text[text.rfind("Summary:") :]
    i = re.search(r"I:\s*(-?[\d.]+|-inf) LUFS", summary)
    lra = re.search(r"LRA:\s*(-?[\d.]+) LU", summary)
    tp = re.search(r"True peak:\s*Peak:\s*(-?[\d.]+|-inf) dBFS", summary)
    if not (i and lra and (tp or not peak)):
        raise RenderError("ebur128 printed no summary")
    return Loudness(
        integrated_lufs=float(i.group(1)),
        true_peak_dbtp=float(tp.group(1)) if tp else float("nan"),
        lra_lu=float(lra.group(1)),
    )


def integrated_lufs(samples: Samples, sample_rate: int, ffmpeg: str) -> float:
    with tempfile.TemporaryDirectory(prefix="estudio-lufs-") as tmp:
        wav = Path(tmp) / "x.wav"
        write_wav(wav, samples, sample_rate)
        return measure(wav, ffmpeg, peak=False).integrated_lufs


def decode(path: Path, ffmpeg: str, sample_rate: int, max_s: float | None = None) -> Samples:
    """Any audio file ffmpeg reads → mono float32 at ``sample_rate`` (at most ``max_s``)."""
    with tempfile.TemporaryDirectory(prefix="estudio-dec-") as tmp:
        wav = Path(tmp) / "decoded.wav"
        limit = ["-t", f"{max_s:.3f}"] if max_s else []
        run_ffmpeg(
            [
                "-i",
                str(path),
                *limit,
                "-vn",
                "-ac",
                "1",
                "-ar",
                str(sample_rate),
                "-c:a",
                "pcm_s16le",
                str(wav),
            ],
            ffmpeg,
        )
        samples, _ = read_wav(wav)
        return samples


def decode_duration_s(path: Path, ffmpeg: str) -> float:
    rate = 8000
    return len(decode(path, ffmpeg, rate, max_s=3700)) / rate


# --- the bed -------------------------------------------------------------------------------------
_CHORDS: dict[str, list[float]] = {  # Hz; each rounded to a whole number of cycles per loop
    "calm": [110.0, 164.8, 220.0, 277.2, 329.6],  # A major, low and open
    "bright": [130.8, 196.0, 261.6, 329.6, 392.0],  # C major
    "focus": [98.0, 146.8, 196.0, 233.1, 293.7],  # G minor
}


def preset_bed(name: MusicPreset, sample_rate: int) -> Samples:
    """A seamless 16-second pad the project synthesises (no downloaded music): a chord of soft
    partials, each swelling slowly at its own whole-loop rate, so the loop point is inaudible."""
    n = round(PRESET_LOOP_S * sample_rate)
    t = np.arange(n, dtype=np.float64) / sample_rate
    out = np.zeros(n, dtype=np.float64)
    for k, freq in enumerate(_CHORDS[name]):
        f = round(freq * PRESET_LOOP_S) / PRESET_LOOP_S
        swell = 0.6 + 0.4 * np.sin(2 * np.pi * (k % 3 + 1) * t / PRESET_LOOP_S + k)
        tone = np.sin(2 * np.pi * f * t) + 0.25 * np.sin(2 * np.pi * 2 * f * t + k)
        out += swell * tone / (k + 1.5)
    out /= np.max(np.abs(out))
    return (0.5 * out).astype(np.float32)


def fit_length(samples: Samples, total: int, crossfade: int = 0) -> Samples:
    """Trim, or loop to ``total`` samples; with ``crossfade`` samples each joint is an equal-power
    cross-fade of the track's end into its start (an uploaded track does not loop cleanly; the
    presets do by construction and pass 0)."""
    if len(samples) == 0:
        raise RenderError("music track is empty")
    if len(samples) >= total:
        return samples[:total]
    crossfade = min(crossfade, len(samples) // 4)
    if crossfade == 0:
        return np.resize(samples, total).astype(np.float32)
    t = np.linspace(0, np.pi / 2, crossfade, dtype=np.float32)
    piece = samples.astype(np.float32, copy=True)
    piece[:crossfade] *= np.sin(t)  # sin^2 + cos^2 = 1: the joint keeps its power
    piece[-crossfade:] *= np.cos(t)
    period = len(piece) - crossfade
    out = np.zeros(total + len(piece), dtype=np.float32)
    for start in range(0, total, period):
        out[start : start + len(piece)] += piece
    return out[:total]


def speech_spans(words: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Word times merged into spans of speech (gaps under ``MERGE_GAP_S`` stay inside)."""
    spans: list[tuple[float, float]] = []
    for start, end in sorted(words):
        if spans and start - spans[-1][1] < MERGE_GAP_S:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def duck_gain(
    spans: list[tuple[float, float]], total: int, sample_rate: int, duck_db: float
) -> Samples:
    """Per-sample gain: 1 in pauses, ``-duck_db`` dB while speaking, ramped in and out."""
    depth = np.float32(10 ** (-duck_db / 20))
    duck = np.zeros(total, dtype=np.float32)  # 0: full level, 1: fully ducked
    attack, release = round(ATTACK_S * sample_rate), round(RELEASE_S * sample_rate)
    for start, end in spans:
        a, b = round(start * sample_rate), round(end * sample_rate)
        lo, hi = max(0, a - attack), min(total, b + release)
        if lo >= hi:
            continue
        ramp = np.ones(hi - lo, dtype=np.float32)
        head = min(attack, a - lo)
        if head > 0:
            ramp[:head] = np.linspace(0, 1, head, endpoint=False, dtype=np.float32)
        tail = min(release, hi - max(b, lo))
        if tail > 0:
            ramp[hi - lo - tail :] = np.linspace(1, 0, tail, dtype=np.float32)
        np.maximum(duck[lo:hi], ramp, out=duck[lo:hi])
    return 1 - duck * (1 - depth)


def fades(total: int, sample_rate: int, fade_in_s: float, fade_out_s: float) -> Samples:
    gain = np.ones(total, dtype=np.float32)
    fin, fout = (
        min(total, round(fade_in_s * sample_rate)),
        min(total, round(fade_out_s * sample_rate)),
    )
    if fin:
        gain[:fin] = np.linspace(0, 1, fin, dtype=np.float32)
    if fout:
        gain[total - fout :] *= np.linspace(1, 0, fout, dtype=np.float32)
    return gain


def db_gain(measured_lufs: float, target_lufs: float) -> float:
    if not np.isfinite(measured_lufs):
        return 1.0
    return float(10 ** ((target_lufs - measured_lufs) / 20))


def mix_with_music(
    voice_wav: Path,
    music: Music,
    music_file: Path | None,
    words: list[tuple[float, float]],
    out_wav: Path,
    ffmpeg: str,
) -> None:
    """Voice at the target loudness, the bed at ``music.level_lufs`` ducked under it: one WAV
    (headroom left for the normalising pass)."""
    voice, rate = read_wav(voice_wav)
    total = len(voice)
    if music_file is not None:
        bed = decode(music_file, ffmpeg, rate, max_s=total / rate + 1)
    else:
        assert music.preset is not None
        bed = preset_bed(music.preset, rate)
    bed_gain = db_gain(integrated_lufs(bed, rate, ffmpeg), music.level_lufs)  # before looping
    bed = fit_length(bed, total, crossfade=0 if music_file is None else round(LOOP_XFADE_S * rate))
    voice_gain = db_gain(integrated_lufs(voice, rate, ffmpeg), TARGET_LUFS) if words else 1.0
    envelope = duck_gain(speech_spans(words), total, rate, music.duck_db)
    envelope *= fades(total, rate, music.fade_in_s, music.fade_out_s)
    mixed = voice * np.float32(voice_gain) + bed * envelope * np.float32(bed_gain)
    headroom = max(1.0, float(np.max(np.abs(mixed))) / 0.5) if total else 1.0
    write_wav(out_wav, (mixed / np.float32(headroom)).astype(np.float32), rate)


def normalise_filter(found: Loudness, correction_db: float = 0.0) -> str:
    """Measured gain to the target; a brick-wall limiter only when that gain would push the
    true peak over the ceiling (speech transients)."""
    gain_db = TARGET_LUFS - found.integrated_lufs if np.isfinite(found.integrated_lufs) else 0.0
    gain_db += correction_db
    chain = [f"volume={gain_db:.2f}dB"]
    if not np.isfinite(found.true_peak_dbtp) or found.true_peak_dbtp + gain_db > LIMIT_DBTP:
        limit = 10 ** (LIMIT_DBTP / 20)
        chain.append(f"alimiter=limit={limit:.4f}:attack=2:release=40:level=disabled")
    return ",".join(chain)


def normalise(
    source: Path, out: Path, ffmpeg: str, aac_args: list[str], timeout_s: float
) -> Loudness:
    """Measure ``source`` (EBU R128), encode it at the target loudness, measure the result; when
    the limiter took more than ``TOLERANCE_LU`` away, encode once more with that much added."""
    from estudio.media.ffmpeg import run_ffmpeg_to

    found = measure(source, ffmpeg, timeout_s)
    correction = 0.0
    for _ in range(2):
        af = normalise_filter(found, correction)
        args = ["-i", str(source), "-vn", "-af", af, *aac_args, "-f", "mp4"]
        run_ffmpeg_to(out, args, ffmpeg, timeout_s)
        result = measure(out, ffmpeg, timeout_s)
        miss = TARGET_LUFS - result.integrated_lufs
        if not np.isfinite(miss) or abs(miss) <= TOLERANCE_LU:
            break
        correction += miss
    return result
