"""The built-in presenters' drawings, made procedurally with Pillow.

Each presenter is a head-and-shoulders bust drawn in a unit square (x right, y down) at
``SUPERSAMPLE`` times the target size on a ``Canvas`` and reduced with a Lanczos filter, which
gives clean anti-aliased vector-style edges. ``draw_body`` (torso, clothes, neck), ``draw_head``
(hair, face, ears, brows, nose), ``draw_eyes`` (open, half, closed) and ``draw_mouth`` (one
``MouthPose``) each draw one layer in a presenter's ``Look``; ``sprites`` decides where the
layers sit and keeps them. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from estudio.avatar.timeline import MouthPose

SUPERSAMPLE = 4
DRAWING_VERSION = 1  # bump when the drawings change: invalidates disk caches
MOUTH_CENTRE = (0.5, 0.522)

F32 = npt.NDArray[np.float32]
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Look:
    """Colours and features of one presenter."""

    skin: RGB
    skin_shade: RGB
    hair: RGB
    hair_long: bool
    iris: RGB
    brow: RGB
    lips: RGB
    lips_dark: RGB
    jacket: RGB
    jacket_shade: RGB
    shirt: RGB
    beard: RGB | None = None


LOOKS: dict[str, Look] = {
    "ana": Look(
        skin=(236, 196, 168),
        skin_shade=(214, 166, 138),
        hair=(92, 58, 38),
        hair_long=True,
        iris=(96, 64, 40),
        brow=(84, 54, 36),
        lips=(196, 92, 102),
        lips_dark=(150, 60, 72),
        jacket=(36, 52, 92),
        jacket_shade=(26, 38, 70),
        shirt=(238, 234, 226),
    ),
    "bruno": Look(
        skin=(200, 150, 112),
        skin_shade=(176, 126, 92),
        hair=(40, 32, 28),
        hair_long=False,
        iris=(70, 48, 30),
        brow=(38, 30, 26),
        lips=(164, 102, 92),
        lips_dark=(120, 70, 64),
        jacket=(72, 92, 84),
        jacket_shade=(56, 72, 66),
        shirt=(214, 228, 240),
        beard=(46, 36, 30),
    ),
}

MOUTH_CAVITY: RGB = (72, 20, 28)
TEETH: RGB = (246, 244, 238)
TONGUE: RGB = (184, 82, 90)


class Canvas:
    """A supersampled RGBA drawing surface addressed in unit-square coordinates."""

    def __init__(self, side: int, px0: int, py0: int, width: int, height: int) -> None:
        self.scale = side * SUPERSAMPLE
        self.ox = px0 * SUPERSAMPLE
        self.oy = py0 * SUPERSAMPLE
        self.width, self.height = width, height
        self.image = Image.new("RGBA", (width * SUPERSAMPLE, height * SUPERSAMPLE), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)
        self._overlay = self.image

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (x * self.scale - self.ox, y * self.scale - self.oy)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        a, b = self.xy(x0, y0)
        c, d = self.xy(x1, y1)
        return (a, b, c, d)

    def _target(self, alpha: int) -> ImageDraw.ImageDraw:
        """Opaque shapes draw in place; translucent ones on an overlay blended by ``_flush``."""
        if alpha >= 255:
            return self.draw
        self._overlay = Image.new("RGBA", self.image.size, (0, 0, 0, 0))
        return ImageDraw.Draw(self._overlay)

    def _flush(self, alpha: int) -> None:
        if alpha < 255:
            self.image.alpha_composite(self._overlay)

    def ellipse(self, box: tuple[float, float, float, float], fill: RGB, alpha: int = 255) -> None:
        self._target(alpha).ellipse(self.box(*box), fill=(*fill, alpha))
        self._flush(alpha)

    def polygon(self, points: Iterable[tuple[float, float]], fill: RGB, alpha: int = 255) -> None:
        self._target(alpha).polygon([self.xy(x, y) for x, y in points], fill=(*fill, alpha))
        self._flush(alpha)

    def line(self, points: Iterable[tuple[float, float]], fill: RGB, width: float) -> None:
        w = max(1, round(width * self.scale))
        self.draw.line(
            [self.xy(x, y) for x, y in points], fill=(*fill, 255), width=w, joint="curve"
        )

    def rounded(
        self, box: tuple[float, float, float, float], radius: float, fill: RGB, alpha: int = 255
    ) -> None:
        self.draw.rounded_rectangle(self.box(*box), radius=radius * self.scale, fill=(*fill, alpha))

    def layer(self) -> F32:
        """Reduce to the target size; premultiplied float32 RGBA."""
        small = self.image.convert("RGBa").resize(
            (self.width, self.height), Image.Resampling.LANCZOS
        )
        arr = np.asarray(small, dtype=np.float32) / 255.0
        return np.ascontiguousarray(arr)


def _curve(
    x0: float, x1: float, y_edge: float, y_mid: float, exponent: float, n: int = 24
) -> list[tuple[float, float]]:
    """Points from (x0, y_edge) to (x1, y_edge) bulging to ``y_mid`` at the centre."""
    cx, hw = (x0 + x1) / 2.0, (x1 - x0) / 2.0
    pts = []
    for i in range(n + 1):
        u = -1.0 + 2.0 * i / n
        bulge = max(0.0, 1.0 - u * u) ** exponent
        pts.append((cx + u * hw, y_edge + (y_mid - y_edge) * bulge))
    return pts


def _face_outline(
    cx: float, cy: float, rx: float, ry_top: float, ry_bottom: float, n: int = 96
) -> list[tuple[float, float]]:
    """An egg-shaped face: elliptic cranium, jaw narrowing smoothly towards the chin."""
    pts = []
    for i in range(n):
        theta = 2.0 * math.pi * i / n
        s, co = math.sin(theta), math.cos(theta)
        if s > 0:  # lower half (y grows downwards)
            pts.append((cx + rx * co * (1.0 - 0.32 * s**1.6), cy + ry_bottom * s))
        else:
            pts.append((cx + rx * co, cy + ry_top * s))
    return pts


# --- static layers ------------------------------------------------------------------------------
def draw_body(c: Canvas, look: Look) -> None:
    # neck, long enough to stay under the head when the head sways
    c.rounded((0.445, 0.50, 0.555, 0.72), 0.03, look.skin_shade)
    c.polygon([(0.445, 0.60), (0.555, 0.60), (0.5, 0.70)], look.skin_shade)
    # shoulders and torso, running past the bottom edge
    c.rounded((0.10, 0.685, 0.90, 1.30), 0.16, look.jacket)
    c.ellipse((0.12, 0.70, 0.30, 0.86), look.jacket_shade, alpha=90)
    c.ellipse((0.70, 0.70, 0.88, 0.86), look.jacket_shade, alpha=90)
    if look.hair_long:
        # blouse in the neckline, blazer lapels
        c.polygon([(0.405, 0.685), (0.595, 0.685), (0.5, 0.90)], look.shirt)
        c.polygon(
            [(0.445, 0.63), (0.5, 0.72), (0.555, 0.63), (0.555, 0.69), (0.5, 0.76), (0.445, 0.69)],
            look.skin_shade,
        )
        c.polygon([(0.36, 0.69), (0.42, 0.68), (0.5, 0.93), (0.46, 1.02)], look.jacket_shade)
        c.polygon([(0.64, 0.69), (0.58, 0.68), (0.5, 0.93), (0.54, 1.02)], look.jacket_shade)
    else:
        # sweater with a shirt collar
        c.polygon([(0.41, 0.685), (0.59, 0.685), (0.5, 0.83)], look.shirt)
        c.polygon([(0.43, 0.66), (0.5, 0.735), (0.44, 0.775), (0.40, 0.69)], look.shirt)
        c.polygon([(0.57, 0.66), (0.5, 0.735), (0.56, 0.775), (0.60, 0.69)], look.shirt)
        c.line([(0.5, 0.735), (0.5, 0.83)], look.jacket_shade, 0.004)
        c.polygon(
            [(0.40, 0.70), (0.5, 0.86), (0.60, 0.70), (0.62, 0.71), (0.5, 0.89), (0.38, 0.71)],
            look.jacket_shade,
        )


def draw_head(c: Canvas, look: Look) -> None:
    if look.hair_long:
        # hair behind the face, falling to the shoulders
        c.rounded((0.315, 0.20, 0.685, 0.80), 0.15, look.hair)
        c.polygon([(0.33, 0.55), (0.30, 0.80), (0.40, 0.80)], look.hair)
        c.polygon([(0.67, 0.55), (0.70, 0.80), (0.60, 0.80)], look.hair)
    # ears
    for x0 in (0.335, 0.625):
        c.ellipse((x0, 0.395, x0 + 0.04, 0.475), look.skin_shade)
    # face: one smooth outline, an ellipse above and a tapering jaw below
    c.polygon(_face_outline(0.5, 0.40, 0.145, 0.175, 0.205), look.skin)
    if look.beard is not None:
        # trimmed beard: a translucent shadow on the jaw and chin
        outline = _face_outline(0.5, 0.40, 0.145, 0.175, 0.205)
        jaw = [(x, y) for x, y in outline if y >= 0.445]
        inner = [
            (0.385, 0.445),
            (0.41, 0.50),
            (0.45, 0.55),
            (0.55, 0.55),
            (0.59, 0.50),
            (0.615, 0.445),
        ]
        c.polygon(jaw + inner, look.beard, alpha=110)
        c.polygon([(0.455, 0.500), (0.545, 0.500), (0.56, 0.51), (0.44, 0.51)], look.beard, 120)
    # hair on top
    if look.hair_long:
        c.ellipse((0.345, 0.195, 0.655, 0.36), look.hair)
        c.polygon([(0.35, 0.30), (0.52, 0.24), (0.42, 0.35), (0.36, 0.42)], look.hair)
        c.polygon([(0.65, 0.30), (0.50, 0.24), (0.60, 0.32), (0.645, 0.40)], look.hair)
    else:
        c.ellipse((0.35, 0.19, 0.65, 0.34), look.hair)
        c.polygon(
            [
                (0.352, 0.29),
                (0.36, 0.37),
                (0.375, 0.31),
                (0.625, 0.31),
                (0.64, 0.37),
                (0.648, 0.29),
            ],
            look.hair,
        )
    # brows
    thick = 0.011 if look.hair_long else 0.015
    c.line(_curve(0.415, 0.478, 0.373, 0.363, 0.7, 8), look.brow, thick)
    c.line(_curve(0.522, 0.585, 0.373, 0.363, 0.7, 8), look.brow, thick)
    # nose: a soft shadow on one side and the nostrils
    c.line([(0.508, 0.41), (0.514, 0.455), (0.505, 0.468)], look.skin_shade, 0.006)
    c.ellipse((0.478, 0.462, 0.522, 0.478), look.skin_shade)
    c.ellipse((0.47, 0.458, 0.53, 0.472), look.skin)


def draw_eyes(c: Canvas, look: Look, state: str) -> None:
    for cx in (0.446, 0.554):
        x0, x1, cy = cx - 0.026, cx + 0.026, 0.412
        if state == "closed":
            c.line(_curve(x0, x1, cy, cy + 0.006, 0.8, 10), look.brow, 0.0045)
            continue
        c.ellipse((x0, cy - 0.014, x1, cy + 0.014), (250, 250, 248))
        c.ellipse((cx - 0.0125, cy - 0.0125, cx + 0.0125, cy + 0.0125), look.iris)
        c.ellipse((cx - 0.006, cy - 0.006, cx + 0.006, cy + 0.006), (20, 16, 14))
        c.ellipse((cx + 0.002, cy - 0.007, cx + 0.007, cy - 0.002), (255, 255, 255))
        if state == "half":
            # the upper lid, skin-coloured, down to the middle of the eye
            c.polygon(
                [
                    (x0 - 0.004, cy - 0.02),
                    (x1 + 0.004, cy - 0.02),
                    (x1 + 0.004, cy),
                    (x0 - 0.004, cy),
                ],
                look.skin,
            )
            c.line([(x0, cy), (x1, cy)], look.brow, 0.0045)
        else:
            c.line(_curve(x0, x1, cy + 0.001, cy - 0.015, 0.6, 12), look.brow, 0.0045)


def draw_mouth(c: Canvas, look: Look, pose: MouthPose) -> None:
    cx, cy = MOUTH_CENTRE
    hw = 0.034 * pose.width * (1.0 - 0.25 * pose.round)
    x0, x1 = cx - hw, cx + hw
    opening = 0.056 * pose.open
    top, bottom = cy - 0.22 * opening, cy + 0.78 * opening
    exponent = 1.0 - 0.5 * pose.round  # 1: lens with sharp corners, 0.5: oval
    upper_lip = 0.0085 * (1.0 - 0.35 * pose.press)
    lower_lip = 0.0115 * (1.0 - 0.25 * pose.press) + 0.003 * pose.round
    if opening > 0.002:
        cavity = _curve(x0, x1, cy, top, exponent) + _curve(x0, x1, cy, bottom, exponent)[::-1]
        mask = Image.new("L", c.image.size, 0)
        ImageDraw.Draw(mask).polygon([c.xy(x, y) for x, y in cavity], fill=255)
        inner = Image.new("RGBA", c.image.size, (*MOUTH_CAVITY, 255))
        d = ImageDraw.Draw(inner)
        tongue_top = bottom - 0.45 * opening
        d.ellipse(
            c.box(cx - hw * 0.7, tongue_top, cx + hw * 0.7, bottom + 0.3 * opening),
            fill=(*TONGUE, 255),
        )
        teeth_h = min(0.011, 0.55 * opening) * (0.35 + 0.65 * pose.teeth)
        if pose.teeth > 0.05:
            d.rectangle(c.box(x0, top - 0.01, x1, top + teeth_h), fill=(*TEETH, 255))
        if pose.tuck > 0.05:
            lower_teeth = min(0.006, 0.3 * opening) * pose.tuck
            d.rectangle(c.box(x0, bottom - lower_teeth, x1, bottom + 0.01), fill=(*TEETH, 255))
        c.image.paste(inner, (0, 0), mask)
    # lips: bands following the opening's edges
    up_edge = _curve(x0, x1, cy, top, exponent)
    up_out = _curve(x0 - 0.004, x1 + 0.004, cy, top - upper_lip, 0.9)
    # a cupid's bow: dip the middle of the upper lip's outer edge
    mid = len(up_out) // 2
    up_out[mid] = (up_out[mid][0], up_out[mid][1] + 0.3 * upper_lip)
    c.polygon(up_edge + up_out[::-1], look.lips)
    lo_edge = _curve(x0, x1, cy, bottom, exponent)
    lift = 0.5 * lower_lip * pose.tuck
    lo_out = _curve(x0 - 0.004, x1 + 0.004, cy, bottom + lower_lip - lift, 0.8)
    c.polygon(lo_edge + lo_out[::-1], look.lips)
    if opening <= 0.002:
        line_w = 0.0028 + 0.0014 * pose.press
        c.line(_curve(x0 - 0.002, x1 + 0.002, cy + 0.001, cy + 0.0015, 0.8), look.lips_dark, line_w)
