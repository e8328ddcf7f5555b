"""The talking photo's rig: the face framed into the presenter square, and where its parts are.

``crop_face`` frames the checked face into the presenter square; ``FaceRig.from_points`` turns the
landmarks into a mouth frame (corners, lip contact line, chin, nose) and two eye frames
(``EyeRig``), each with the ``Region`` of the square a warp may touch. Pure numpy geometry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from estudio.avatar.face_landmarks import F32, F64, LM, distance

# Framing: the face (forehead to chin) takes FACE_SHARE of the square, centred at FACE_Y.
FACE_SHARE = 0.44
FACE_Y = 0.46

# Warp gains (the rig sizes the mouth region by them; ``face_warp`` applies them)
OPEN_GAIN = 0.9  # lower-lip drop at openness 1, in closed-mouth heights
UPPER_SHARE = 0.22  # upper-lip rise, share of the lower-lip drop
WIDTH_GAIN = 1.0  # corner travel per unit of the pose's width change
BLINK_COVER = 0.95  # how far the upper lid comes down at closure 1, share of the eye opening
COARSE_STEP = 4  # the mouth field is evaluated every COARSE_STEP pixels, then interpolated
NECK_FALL = 0.45  # below the chin, the jaw's drop fades out over this share of the chin depth


def crop_face(photo: Image.Image, points: F64, side: int) -> tuple[F32, F64]:
    """The face framed into a ``side`` square (RGB 0..1) and the points in its pixels."""
    w, h = photo.size
    face_h = distance(points[LM.FOREHEAD], points[LM.CHIN])
    centre = (points[LM.FOREHEAD] + points[LM.CHIN]) / 2.0
    src = min(face_h / FACE_SHARE, float(w), float(h))
    x0 = min(max(centre[0] - src / 2.0, 0.0), w - src)
    y0 = min(max(centre[1] - FACE_Y * src, 0.0), h - src)
    box = (x0, y0, x0 + src, y0 + src)
    square = photo.resize((side, side), Image.Resampling.LANCZOS, box=box)
    scale = side / src
    moved = (points - (x0, y0)) * scale
    return np.asarray(square, dtype=np.float32) / 255.0, moved


@dataclass(frozen=True)
class LocalFrame:
    """A local frame: origin, unit axis along the feature (u), normal pointing down (v)."""

    ox: float
    oy: float
    ax: float
    ay: float

    def to_uv(self, x: F64, y: F64) -> tuple[F64, F64]:
        dx, dy = x - self.ox, y - self.oy
        return dx * self.ax + dy * self.ay, -dx * self.ay + dy * self.ax

    def to_xy(self, u: Any, v: Any) -> tuple[Any, Any]:
        return self.ox + u * self.ax - v * self.ay, self.oy + u * self.ay + v * self.ax

    @classmethod
    def along(cls, origin: F64, a: F64, b: F64) -> LocalFrame:
        d = b - a
        n = float(np.hypot(*d)) or 1.0
        return cls(float(origin[0]), float(origin[1]), float(d[0] / n), float(d[1] / n))


@dataclass(frozen=True, eq=False)
class Region:
    """Pixels of the square a warp may touch, with their local coordinates.

    With ``step`` > 1 the region also carries a coarse grid (every ``step`` pixels, both ends
    included) on which smooth displacement fields are evaluated, and the bilinear weights that
    bring a coarse field back to every pixel.
    """

    y0: int
    y1: int
    x0: int
    x1: int
    u: F32
    v: F32
    cu: F64  # coarse grid (empty without one)
    cv: F64
    rows: tuple[npt.NDArray[np.intp], F32]  # coarse row below each pixel row, and its weight
    cols: tuple[npt.NDArray[np.intp], F32]

    @classmethod
    def of(
        cls, frame: LocalFrame, box_uv: tuple[float, float, float, float], side: int, step: int = 1
    ) -> Region:
        u0, v0, u1, v1 = box_uv
        cu = np.array([u0, u1, u0, u1], dtype=np.float64)
        cv = np.array([v0, v0, v1, v1], dtype=np.float64)
        xs, ys = frame.to_xy(cu, cv)
        x0 = min(max(0, math.floor(float(xs.min()))), side - 2)
        x1 = max(min(side, math.ceil(float(xs.max())) + 1), x0 + 2)
        y0 = min(max(0, math.floor(float(ys.min()))), side - 2)
        y1 = max(min(side, math.ceil(float(ys.max())) + 1), y0 + 2)
        gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        u, v = frame.to_uv(gx, gy)
        ry, cy = _coarse_axis(y1 - y0, step)
        rx, cx = _coarse_axis(x1 - x0, step)
        gcy, gcx = np.meshgrid(ry + y0, rx + x0, indexing="ij")
        coarse_u, coarse_v = frame.to_uv(gcx, gcy)
        return cls(
            y0, y1, x0, x1, u.astype(np.float32), v.astype(np.float32), coarse_u, coarse_v, cy, cx
        )

    def upsample(self, coarse: F64) -> F32:
        """A field on the coarse grid (..., rows, cols) at every pixel of the region."""
        (i, wy), (j, wx) = self.rows, self.cols
        c = coarse.astype(np.float32)
        along_y = c[..., i, :] * (1.0 - wy[:, None]) + c[..., i + 1, :] * wy[:, None]
        out: F32 = along_y[..., j] * (1.0 - wx) + along_y[..., j + 1] * wx
        return out


def _coarse_axis(n: int, step: int) -> tuple[F64, tuple[npt.NDArray[np.intp], F32]]:
    """Coarse sample positions over ``n`` pixels and, per pixel, the sample before it + weight."""
    pos = np.arange(0, n, max(step, 1), dtype=np.float64)
    if pos[-1] != n - 1:
        pos = np.append(pos, float(n - 1))
    if len(pos) < 2:
        pos = np.array([0.0, max(float(n - 1), 1.0)])
    px = np.arange(n, dtype=np.float64)
    idx = np.clip(np.searchsorted(pos, px, side="right") - 1, 0, len(pos) - 2)
    weight = (px - pos[idx]) / (pos[idx + 1] - pos[idx])
    return pos, (idx.astype(np.intp), weight.astype(np.float32))


@dataclass(frozen=True)
class EyeRig:
    frame: LocalFrame
    hw: float  # half width (corner to corner / 2)
    upper: float  # v of the upper lid at the centre (negative)
    lower: float  # v of the lower lid at the centre (positive)
    reach: float  # how far above the lid the skin still moves
    region: Region


@dataclass(frozen=True)
class FaceRig:
    """Where the mouth, jaw and eyes are in the presenter square, in the frames the warp uses."""

    side: int
    mouth: LocalFrame  # origin at the lip contact centre, u along the corners
    hw: float  # mouth half width
    u0: float  # centre between the corners along u
    corner_v: float  # v of the corners (the contact line is a parabola through them)
    mouth_h: float  # closed-mouth height (outer lip edges)
    chin_v: float
    nose_v: float  # subnasal (negative)
    jaw_hw: float  # half width of the jaw
    region: Region
    eyes: tuple[EyeRig, EyeRig]

    @classmethod
    def from_points(cls, points: F64, side: int) -> FaceRig:
        """The rig for landmarks ``points`` (478 x 2, pixels of the ``side`` square)."""
        p = points
        centre = (p[LM.LIP_UPPER_INNER] + p[LM.LIP_LOWER_INNER]) / 2.0
        frame = LocalFrame.along(centre, p[LM.MOUTH_L], p[LM.MOUTH_R])
        cu, cv = frame.to_uv(p[[LM.MOUTH_L, LM.MOUTH_R], 0], p[[LM.MOUTH_L, LM.MOUTH_R], 1])
        hw = max(float(cu[1] - cu[0]) / 2.0, 2.0)
        u0 = float(cu.mean())
        mouth_h = max(distance(p[LM.LIP_TOP], p[LM.LIP_BOTTOM]), 2.0)
        _, vs = frame.to_uv(p[[LM.CHIN, LM.SUBNASAL], 0], p[[LM.CHIN, LM.SUBNASAL], 1])
        chin_v, nose_v = float(vs[0]), float(vs[1])
        chin_v = max(chin_v, 2.0 * mouth_h)
        nose_v = min(nose_v, -0.5 * mouth_h)
        jaw_hw = max(0.75 * distance(p[LM.CHEEK_L], p[LM.CHEEK_R]) / 2.0, 1.6 * hw)
        drop = OPEN_GAIN * mouth_h
        box = (
            u0 - 1.5 * jaw_hw,
            nose_v,
            u0 + 1.5 * jaw_hw,
            chin_v * (1.0 + NECK_FALL) + drop + 2.0,
        )
        region = Region.of(frame, box, side, COARSE_STEP)
        eyes = (
            cls._eye(
                p, LM.EYE_L_OUTER, LM.EYE_L_INNER, LM.EYE_L_UPPER, LM.EYE_L_LOWER, LM.BROW_L, side
            ),
            cls._eye(
                p, LM.EYE_R_INNER, LM.EYE_R_OUTER, LM.EYE_R_UPPER, LM.EYE_R_LOWER, LM.BROW_R, side
            ),
        )
        return cls(
            side, frame, hw, u0, float(cv.mean()), mouth_h, chin_v, nose_v, jaw_hw, region, eyes
        )

    @staticmethod
    def _eye(p: F64, left: int, right: int, upper: int, lower: int, brow: int, side: int) -> EyeRig:
        mid = (p[left] + p[right]) / 2.0
        frame = LocalFrame.along(mid, p[left], p[right])
        hw = max(distance(p[left], p[right]) / 2.0, 2.0)
        _, vs = frame.to_uv(p[[upper, lower, brow], 0], p[[upper, lower, brow], 1])
        up, lo, br = float(vs[0]), float(vs[1]), float(vs[2])
        up = min(up, -0.5)
        lo = max(lo, up + 1.0)
        opening = lo - up
        reach = min(max(0.5 * (up - br), 1.6 * opening), 2.4 * opening)
        region = Region.of(frame, (-1.3 * hw, up - reach - 1.0, 1.3 * hw, lo + 2.0), side)
        return EyeRig(frame, hw, up, lo, reach, region)
