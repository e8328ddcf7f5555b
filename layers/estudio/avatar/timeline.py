"""Presenter animation as pure data: one ``FrameState`` per output frame.

From the scene's viseme events (times relative to the start of the speech) the timeline derives,
for every frame, the mouth drawing parameters (openness, width, rounding, teeth, lower-lip tuck,
lip press), the eyelid closure for blinks, a slow breathing rise and a small head sway.

How the mouth moves:

* each viseme holds a target pose (``MOUTH_POSES``) until the next event;
* the poses are sampled on a fine grid (``GRID_HZ``) and a box filter ``crossfade_s`` wide turns
  every change of shape into a short linear cross-fade;
* openness gets a small zero-phase Gaussian low-pass (``smooth_s``): neighbouring sounds blend
  (coarticulation) without any lag, so the mouth stays aligned with the audio for the whole scene;
* each frame takes the mean over its own display interval, so a short consonant between two
  frames still leaves its trace instead of aliasing away.

Blinks, breathing and sway come from a seeded generator: the same inputs always give the same
frames. Before and after the speech, and in pauses (``sil``), the mouth rests closed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from estudio.errors import InvalidOptions
from estudio.models import VisemeEvent
from estudio.speech.visemes import OPENNESS, SILENCE

GRID_HZ = 400
"""Internal sampling rate of the mouth signals (2.5 ms)."""

MAX_TAIL_S = 0.35
"""How long a final non-silent viseme is held when no closing ``sil`` event follows it."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MouthPose:
    """Drawing parameters of one mouth shape. All in 0..1 except ``width`` (1 = neutral)."""

    open: float  # jaw/lip opening: the viseme's OPENNESS
    width: float  # corner-to-corner width relative to the neutral mouth
    round: float  # lip rounding (o, u): narrower, oval opening
    teeth: float  # upper teeth showing
    tuck: float  # lower lip drawn up under the upper teeth (f, v)
    press: float  # lips pressed together (p, b, m)


def _pose(
    viseme: str,
    width: float = 1.0,
    round_: float = 0.0,
    teeth: float = 0.0,
    tuck: float = 0.0,
    press: float = 0.0,
) -> MouthPose:
    return MouthPose(OPENNESS[viseme], width, round_, teeth, tuck, press)


MOUTH_POSES: dict[str, MouthPose] = {
    "sil": _pose("sil"),
    "PP": _pose("PP", width=0.95, press=1.0),
    "FF": _pose("FF", width=1.0, teeth=1.0, tuck=1.0),
    "TH": _pose("TH", width=1.0, teeth=0.8),
    "DD": _pose("DD", width=1.02, teeth=0.7),
    "kk": _pose("kk", width=1.0, teeth=0.5),
    "CH": _pose("CH", width=0.82, round_=0.6, teeth=0.8),
    "SS": _pose("SS", width=1.08, teeth=1.0),
    "nn": _pose("nn", width=1.0, teeth=0.5),
    "RR": _pose("RR", width=0.95, round_=0.3, teeth=0.4),
    "aa": _pose("aa", width=1.05, teeth=0.6),
    "E": _pose("E", width=1.12, teeth=0.8),
    "I": _pose("I", width=1.18, teeth=0.9),
    "O": _pose("O", width=0.78, round_=0.9, teeth=0.2),
    "U": _pose("U", width=0.66, round_=1.0),
}

_PARAMS = ("open", "width", "round", "teeth", "tuck", "press")


@dataclass(frozen=True)
class FrameState:
    """Everything the renderer needs to draw one frame."""

    index: int
    time_s: float  # scene time of the frame's start
    shape: str  # dominant viseme at the frame's centre (informational)
    speaking: bool
    mouth: MouthPose  # smoothed, cross-faded drawing parameters
    eyes: float  # eyelid closure: 0 open, 1 closed
    breath: float  # -1..1, slow
    sway: float  # -1..1, slow horizontal head offset


@dataclass(frozen=True, eq=False)
class Timeline:
    """Per-frame animation channels as arrays (length ``frames``)."""

    fps: int
    frames: int
    shapes: tuple[str, ...]
    speaking: npt.NDArray[np.bool_]
    openness: FloatArray
    width: FloatArray
    roundness: FloatArray
    teeth: FloatArray
    tuck: FloatArray
    press: FloatArray
    eyes: FloatArray
    breath: FloatArray
    sway: FloatArray

    def frame(self, i: int) -> FrameState:
        mouth = MouthPose(
            float(self.openness[i]),
            float(self.width[i]),
            float(self.roundness[i]),
            float(self.teeth[i]),
            float(self.tuck[i]),
            float(self.press[i]),
        )
        return FrameState(
            index=i,
            time_s=i / self.fps,
            shape=self.shapes[i],
            speaking=bool(self.speaking[i]),
            mouth=mouth,
            eyes=float(self.eyes[i]),
            breath=float(self.breath[i]),
            sway=float(self.sway[i]),
        )

    def __len__(self) -> int:
        return self.frames


@dataclass(frozen=True)
class _Segment:
    start_s: float
    end_s: float
    viseme: str


def frame_count(duration_s: float, fps: int) -> int:
    """Frames in a segment: exactly ``round(duration_s * fps)``."""
    return round(duration_s * fps)


def _segments(
    visemes: Sequence[VisemeEvent], speech_offset_s: float, duration_s: float
) -> list[_Segment]:
    """Non-silent viseme intervals in scene time, clipped to the scene."""
    events = sorted(visemes, key=lambda e: e.time_s)
    segments: list[_Segment] = []
    for i, event in enumerate(events):
        if event.viseme not in MOUTH_POSES:
            raise InvalidOptions(f"viseme {event.viseme!r} is not in the common alphabet")
        if event.viseme == SILENCE:
            continue
        start = speech_offset_s + event.time_s
        last = i + 1 == len(events)
        end = start + MAX_TAIL_S if last else speech_offset_s + events[i + 1].time_s
        start, end = max(start, 0.0), min(end, duration_s)
        if end > start:
            segments.append(_Segment(start, end, event.viseme))
    return segments


def _box(signal: FloatArray, width: int) -> FloatArray:
    """Centred moving average (``width`` samples, odd); edges hold their value."""
    if width <= 1:
        return signal
    half = width // 2
    padded = np.pad(signal, half, mode="edge")
    kernel = np.full(2 * half + 1, 1.0 / (2 * half + 1))
    return np.convolve(padded, kernel, mode="valid")


def _gauss(signal: FloatArray, sigma: float) -> FloatArray:
    """Zero-phase Gaussian low-pass, ``sigma`` in samples."""
    if sigma <= 0.0:
        return signal
    half = max(1, math.ceil(3.0 * sigma))
    x = np.arange(-half, half + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(signal, half, mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def _per_frame_mean(signal: FloatArray, frames: int, fps: int) -> FloatArray:
    """Mean of the fine-grid ``signal`` over each frame's display interval."""
    edges = np.rint(np.arange(frames + 1) * (GRID_HZ / fps)).astype(np.int64)
    edges = np.clip(edges, 0, len(signal))
    csum = np.concatenate(([0.0], np.cumsum(signal)))
    counts = np.maximum(edges[1:] - edges[:-1], 1)
    return np.asarray((csum[edges[1:]] - csum[edges[:-1]]) / counts, dtype=np.float64)


def _blinks(frames: int, fps: int, rng: random.Random) -> FloatArray:
    """Eyelid closure per frame: a ~150 ms blink every 3-6 s (first one after 1-3 s)."""
    closure = np.zeros(frames, dtype=np.float64)
    centres = (np.arange(frames) + 0.5) / fps
    duration_s = frames / fps
    t = rng.uniform(1.0, 3.0)
    while t < duration_s:
        length = rng.uniform(0.13, 0.17)
        mid = t + length / 2.0
        tri = 1.0 - np.abs(centres - mid) / (length / 2.0)
        closure = np.maximum(closure, np.clip(1.6 * tri, 0.0, 1.0))
        t += rng.uniform(3.0, 6.0)
    return closure


def build_timeline(
    visemes: Sequence[VisemeEvent],
    speech_offset_s: float,
    duration_s: float,
    fps: int,
    seed: int = 0,
    *,
    crossfade_s: float = 0.06,
    smooth_s: float = 0.025,
) -> Timeline:
    """The animation of one scene: ``round(duration_s * fps)`` frames, deterministic in ``seed``.

    ``visemes`` are relative to the speech start, which sits ``speech_offset_s`` into the scene.
    """
    if fps <= 0:
        raise InvalidOptions("fps must be positive", fps=fps)
    if duration_s < 0:
        raise InvalidOptions("duration must not be negative", duration_s=duration_s)
    frames = frame_count(duration_s, fps)
    grid_n = max(1, math.ceil(frames * GRID_HZ / fps) + 1)
    times = np.arange(grid_n) / GRID_HZ

    segments = _segments(visemes, speech_offset_s, frames / fps)
    rest = MOUTH_POSES[SILENCE]
    channels: dict[str, FloatArray] = {
        name: np.full(grid_n, getattr(rest, name), dtype=np.float64) for name in _PARAMS
    }
    talking = np.zeros(grid_n, dtype=bool)
    for seg in segments:
        a, b = np.searchsorted(times, (seg.start_s, seg.end_s), side="left")
        pose = MOUTH_POSES[seg.viseme]
        for name in _PARAMS:
            channels[name][a:b] = getattr(pose, name)
        talking[a:b] = True

    xfade = max(1, round(crossfade_s * GRID_HZ)) | 1
    for name in _PARAMS:
        channels[name] = _box(channels[name], xfade)
    channels["open"] = np.clip(_gauss(channels["open"], smooth_s * GRID_HZ), 0.0, 1.0)

    per_frame = {name: _per_frame_mean(channels[name], frames, fps) for name in _PARAMS}
    centres = (np.arange(frames) + 0.5) / fps
    centre_idx = np.minimum((centres * GRID_HZ).astype(np.int64), grid_n - 1)
    speaking = talking[centre_idx]
    shapes = _shapes_at(centres, segments)

    rng = random.Random(seed)
    t = np.arange(frames) / fps
    phase_b, phase_s1, phase_s2 = (rng.uniform(0.0, 2.0 * math.pi) for _ in range(3))
    breath = np.sin(2.0 * math.pi * t / 4.2 + phase_b)
    sway = 0.6 * np.sin(2.0 * math.pi * t / 7.3 + phase_s1) + 0.4 * np.sin(
        2.0 * math.pi * t / 11.1 + phase_s2
    )
    eyes = _blinks(frames, fps, rng)

    return Timeline(
        fps=fps,
        frames=frames,
        shapes=shapes,
        speaking=speaking,
        openness=per_frame["open"],
        width=per_frame["width"],
        roundness=per_frame["round"],
        teeth=per_frame["teeth"],
        tuck=per_frame["tuck"],
        press=per_frame["press"],
        eyes=eyes,
        breath=np.asarray(breath, dtype=np.float64),
        sway=np.asarray(sway, dtype=np.float64),
    )


def _shapes_at(centres: FloatArray, segments: list[_Segment]) -> tuple[str, ...]:
    if not segments:
        return tuple(SILENCE for _ in range(len(centres)))
    starts = np.array([s.start_s for s in segments])
    idx = np.searchsorted(starts, centres, side="right") - 1
    out: list[str] = []
    for c, i in zip(centres, idx, strict=True):
        if i >= 0 and c < segments[i].end_s:
            out.append(segments[i].viseme)
        else:
            out.append(SILENCE)
    return tuple(out)
