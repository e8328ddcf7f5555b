"""The talking photo's warp: each frame's pose as a key, and the face moved to match it.

Timeline frames are quantized into ``PhotoKey`` s (``photo_keys``) so that near-identical frames
share one warp. ``warp_face`` then moves, with a smooth displacement field, the lower lip and jaw
down by ``openness x mouth height`` (the upper lip up a little), pulls the corners in for rounded
vowels and out for spread ones, paints the opened gap as a dark mouth interior with a hint of
upper teeth, and slides the upper eyelids down for blinks. Backward mapping with bilinear
sampling, numpy only, evaluated in the rig's two small regions (mouth/jaw and eyes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from estudio.avatar.face_landmarks import F32, F64
from estudio.avatar.face_rig import (
    BLINK_COVER,
    NECK_FALL,
    OPEN_GAIN,
    UPPER_SHARE,
    WIDTH_GAIN,
    EyeRig,
    FaceRig,
)
from estudio.avatar.timeline import Timeline

# Quantization of the per-frame keys
OPEN_STEPS = 16
WIDTH_STEPS = 12  # over 0.6..1.2: 1.0 is a step
ROUND_STEPS = 4
TEETH_STEPS = 4
BLINK_STEPS = 4

MOUTH_INTERIOR_TOP = np.array([0.16, 0.06, 0.07], dtype=np.float32)
MOUTH_INTERIOR_BOTTOM = np.array([0.36, 0.15, 0.16], dtype=np.float32)
TEETH_COLOUR = np.array([0.86, 0.84, 0.80], dtype=np.float32)


@dataclass(frozen=True)
class PhotoKey:
    """One frame's look, quantized so that near-identical frames share one warp."""

    open: int
    width: int
    round: int
    teeth: int
    blink: int

    @classmethod
    def of(cls, open_: float, width: float, round_: float, teeth: float, blink: float) -> PhotoKey:
        def q(value: float, steps: int, lo: float = 0.0, hi: float = 1.0) -> int:
            return round((min(max(value, lo), hi) - lo) / (hi - lo) * steps)

        return cls(
            q(open_, OPEN_STEPS),
            q(width, WIDTH_STEPS, 0.6, 1.2),
            q(round_, ROUND_STEPS),
            q(teeth, TEETH_STEPS),
            q(blink, BLINK_STEPS),
        )

    @property
    def openness(self) -> float:
        return self.open / OPEN_STEPS

    @property
    def width_scale(self) -> float:
        return 0.6 + 0.6 * self.width / WIDTH_STEPS

    @property
    def roundness(self) -> float:
        return self.round / ROUND_STEPS

    @property
    def teeth_share(self) -> float:
        return self.teeth / TEETH_STEPS

    @property
    def closure(self) -> float:
        return self.blink / BLINK_STEPS


REST = PhotoKey.of(0.0, 1.0, 0.0, 0.0, 0.0)


def photo_keys(timeline: Timeline) -> list[PhotoKey]:
    """Every frame of ``timeline`` as the key of the warp it needs."""
    return [
        PhotoKey.of(
            float(timeline.openness[i]),
            float(timeline.width[i]),
            float(timeline.roundness[i]),
            float(timeline.teeth[i]),
            float(timeline.eyes[i]),
        )
        for i in range(timeline.frames)
    ]


# --- the warp ------------------------------------------------------------------------------------
def _smoothstep(x: Any) -> Any:
    t = np.clip(x, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _superbell(x: Any, power: int) -> Any:
    """``exp(-|x| ** power)`` for an even ``power`` (4, 6 or 8), without a float power."""
    x2 = x * x
    x4 = x2 * x2
    xp = x4 if power == 4 else x4 * x2 if power == 6 else x4 * x4
    return np.exp(-xp)


def _sample(image: F32, x: Any, y: Any) -> F32:
    """Bilinear lookup of ``image`` (H, W, C) at float pixel positions (clamped to the edges)."""
    h, w = image.shape[:2]
    flat = image.reshape(h * w, -1)
    x = np.clip(x, 0.0, w - 1.0)
    y = np.clip(y, 0.0, h - 1.0)
    x0 = np.minimum(x.astype(np.int32), w - 2)
    y0 = np.minimum(y.astype(np.int32), h - 2)
    fx = (x - x0).astype(np.float32)[..., None]
    fy = (y - y0).astype(np.float32)[..., None]
    i = y0 * w + x0
    a = np.take(flat, i, axis=0)
    b = np.take(flat, i + 1, axis=0)
    c = np.take(flat, i + w, axis=0)
    d = np.take(flat, i + w + 1, axis=0)
    top = a + (b - a) * fx
    bottom = c + (d - c) * fx
    out: F32 = top + (bottom - top) * fy
    return out


class _MouthField:
    """The mouth/jaw displacement of one pose, as functions of local (u, v) source positions."""

    def __init__(self, rig: FaceRig, key: PhotoKey) -> None:
        self.rig = rig
        self.drop = key.openness * OPEN_GAIN * rig.mouth_h
        self.rise = UPPER_SHARE * self.drop
        self.stretch = (key.width_scale - 1.0) * WIDTH_GAIN
        self.hw = rig.hw * (1.0 + 0.86 * self.stretch)  # where the corners end up
        self.power = 4 + 2 * round(2.0 * key.roundness)  # rounder: flatter-topped, oval opening
        self.teeth = key.teeth_share

    def line(self, u: Any) -> Any:
        """v of the lip contact line at ``u``."""
        r = self.rig
        t = (u - r.u0) / r.hw
        return r.corner_v * np.minimum(t * t, 1.0)

    def lens(self, u: Any, scale: float) -> Any:
        return _superbell((u - self.rig.u0) / (scale * self.hw), self.power)

    def lower(self, u: Any, v: Any) -> Any:
        """Downward displacement of a point on or below the contact line."""
        r = self.rig
        below = np.maximum(v - self.line(u), 0.0)
        spread = _smoothstep(below / (0.6 * r.chin_v))
        sigma = 0.8 + spread * (max(1.6, r.jaw_hw / r.hw) - 0.8)
        lateral = _superbell((u - r.u0) / (sigma * self.hw), self.power)
        fade = 1.0 - _smoothstep((below - r.chin_v) / (NECK_FALL * r.chin_v))
        return self.drop * lateral * fade

    def upper(self, u: Any, v: Any) -> Any:
        """Upward displacement (negative) of a point on or above the contact line."""
        above = np.maximum(self.line(u) - v, 0.0)
        fade = 1.0 - _smoothstep(above / (0.9 * -self.rig.nose_v))
        return -self.rise * self.lens(u, 0.8) * fade

    def lateral(self, u: Any, v: Any) -> Any:
        """Sideways displacement: the corners move in (rounded) or out (spread)."""
        r = self.rig
        du = u - r.u0
        around = _superbell(du / (1.5 * r.hw), 4)
        dv = (v - self.line(u)) / (1.3 * r.mouth_h)
        return self.stretch * du * around * np.exp(-dv * dv)

    def source(self, u: F64, v: F64, lower: bool) -> tuple[F64, F64]:
        """The source of each output (u, v) on one side of the lips: s + d(s) = q, iterated."""
        su, sv = u, v
        for _ in range(3):
            line = self.line(su)
            dv = (
                self.lower(su, np.maximum(sv, line))
                if lower
                else self.upper(su, np.minimum(sv, line))
            )
            su, sv = u - self.lateral(su, sv), v - dv
        return su, sv


def _warp_mouth(out: F32, base: F32, rig: FaceRig, key: PhotoKey) -> None:
    if key.open == 0 and key.width == REST.width:
        return
    f = _MouthField(rig, key)
    g = rig.region
    # both sides' backward maps are smooth: evaluate them coarsely, interpolate, then choose
    lo_u, lo_v = f.source(g.cu, g.cv, lower=True)
    up_u, up_v = f.source(g.cu, g.cv, lower=False)
    lo_u_f, lo_v_f, up_u_f, up_v_f = g.upsample(np.stack([lo_u, lo_v, up_u, up_v]))
    u, v = g.u, g.v
    line = f.line(u)
    edge_lo = line + f.drop * f.lens(u, 0.8)  # the lower lip's inner edge, moved
    edge_up = line - f.rise * f.lens(u, 0.8)
    lower_side = v >= (edge_lo + edge_up) * 0.5
    su = np.where(lower_side, lo_u_f, up_u_f)
    sv = np.where(lower_side, lo_v_f, up_v_f)
    x, y = rig.mouth.to_xy(su, sv)
    warped = _sample(base, x, y)
    if f.drop > 0.0:
        _paint_interior(warped, f, u, v, edge_lo, edge_up)
    out[g.y0 : g.y1, g.x0 : g.x1] = warped


def _paint_interior(warped: F32, f: _MouthField, u: F32, v: F32, lo: F32, up: F32) -> None:
    """The dark mouth opening between the moved lips, upper teeth showing under the top lip."""
    gap = lo - up
    feather = 0.75
    inside = np.clip(np.minimum(v - up, lo - v) / feather + 0.5, 0.0, 1.0)
    inside *= np.clip(gap / 1.5, 0.0, 1.0)
    rows = np.flatnonzero(inside.max(axis=1) > 0.0)
    if rows.size == 0:
        return
    band = slice(int(rows[0]), int(rows[-1]) + 1)
    gap, inside, u, v, up = gap[band], inside[band], u[band], v[band], up[band]
    depth = np.clip((v - up) / np.maximum(gap, 1e-6), 0.0, 1.0)[..., None]
    interior = MOUTH_INTERIOR_TOP * (1.0 - depth) + MOUTH_INTERIOR_BOTTOM * depth
    if f.teeth > 0.0:
        teeth_h = f.teeth * np.minimum(0.4 * gap, 0.12 * f.rig.hw)
        teeth = np.clip((up + teeth_h - v) / feather + 0.5, 0.0, 1.0)
        teeth *= np.clip(teeth_h, 0.0, 1.0) * f.lens(u, 0.75)
        t = (0.8 * teeth)[..., None]
        interior = interior * (1.0 - t) + TEETH_COLOUR * t
    a = inside[..., None]
    warped[band] = warped[band] * (1.0 - a) + interior * a


def _warp_eye(out: F32, base: F32, eye: EyeRig, closure: float) -> None:
    g = eye.region
    u, v = g.u, g.v
    t = u / eye.hw
    bump = np.clip(1.0 - t * t, 0.0, 1.0)
    lid = eye.upper * bump  # the upper lid line
    cover = BLINK_COVER * closure * (eye.lower - eye.upper) * bump
    moving = v < lid + cover
    sv = v
    for _ in range(6):
        ramp = _smoothstep((np.minimum(sv, lid) - (lid - eye.reach)) / eye.reach)
        sv = v - cover * ramp
    sv = np.where(moving, sv, v)
    x, y = eye.frame.to_xy(u, sv)
    out[g.y0 : g.y1, g.x0 : g.x1] = _sample(base, x, y)


def warp_face(base: F32, rig: FaceRig, key: PhotoKey) -> F32:
    """``base`` (side x side RGB, 0..1) with the mouth, jaw and eyelids posed as ``key`` says."""
    out = base.copy()
    _warp_mouth(out, base, rig, key)
    if key.blink > 0:  # after the mouth: the regions' rectangles may meet, the eyes' comes last
        for eye in rig.eyes:
            _warp_eye(out, base, eye, key.closure)
    return out
