"""The built-in presenters, drawn procedurally with Pillow.

Each presenter is a head-and-shoulders bust drawn in a unit square (x right, y down) at
``SUPERSAMPLE`` times the target size and reduced with a Lanczos filter, which gives clean
anti-aliased vector-style edges. The drawing is split into layers so that an animation frame is a
cheap stack of pre-drawn pieces:

* ``body`` (torso, clothes, neck) and ``head`` (hair, face, ears, brows, nose): full-size layers
  drawn with a margin so they can shift a few pixels (breathing, sway) without exposing edges;
* ``eyes``: three patches (open, half, closed) for blinks;
* ``mouth``: one patch per quantized ``MouthPose``, drawn on first use and kept. Every viseme of
  the common alphabet has its own pose, so every viseme has its own drawing.

Layers are premultiplied-alpha ``float32`` arrays. ``presenter_sprites`` caches one
``PresenterSprites`` per (avatar, size) in memory and, when given a folder, on disk.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from estudio.avatar.catalog import get_avatar
from estudio.avatar.timeline import MOUTH_POSES, MouthPose
from estudio.errors import RenderError
from estudio.observability import logger

SUPERSAMPLE = 4
MARGIN = 0.04  # of the side: room for the layers to shift
DRAWING_VERSION = 1  # bump when the drawings change: invalidates disk caches

EYE_STATES = ("open", "half", "closed")
MOUTH_CENTRE = (0.5, 0.522)
MOUTH_BOX = (0.425, 0.478, 0.575, 0.592)  # the unit-square region every mouth patch covers
EYES_BOX = (0.395, 0.372, 0.605, 0.44)

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


@dataclass(frozen=True)
class Patch:
    """A premultiplied RGBA piece and where it sits in the sprite (pixels, unshifted)."""

    x: int
    y: int
    rgba: F32  # (h, w, 4), colour already multiplied by alpha, 0..1


class _Canvas:
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


def _unit_rect(side: int, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    return (
        math.floor(x0 * side),
        math.floor(y0 * side),
        math.ceil(x1 * side),
        math.ceil(y1 * side),
    )


# --- static layers ------------------------------------------------------------------------------
def _draw_body(c: _Canvas, look: Look) -> None:
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


def _draw_head(c: _Canvas, look: Look) -> None:
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


def _draw_eyes(c: _Canvas, look: Look, state: str) -> None:
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


def _draw_mouth(c: _Canvas, look: Look, pose: MouthPose) -> None:
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


# --- the sprite set ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MouthKey:
    """A ``MouthPose`` quantized so that near-identical frames share one drawing."""

    open: int
    width: int
    round: int
    teeth: int
    tuck: int
    press: int

    OPEN_STEPS = 24
    STEPS = 8

    @classmethod
    def of(cls, pose: MouthPose) -> MouthKey:
        def q(v: float, steps: int, lo: float = 0.0, hi: float = 1.0) -> int:
            return round((min(max(v, lo), hi) - lo) / (hi - lo) * steps)

        return cls(
            q(pose.open, cls.OPEN_STEPS),
            q(pose.width, cls.STEPS, 0.6, 1.2),
            q(pose.round, cls.STEPS),
            q(pose.teeth, cls.STEPS),
            q(pose.tuck, cls.STEPS),
            q(pose.press, cls.STEPS),
        )

    def pose(self) -> MouthPose:
        s = float(self.STEPS)
        return MouthPose(
            open=self.open / self.OPEN_STEPS,
            width=0.6 + 0.6 * self.width / s,
            round=self.round / s,
            teeth=self.teeth / s,
            tuck=self.tuck / s,
            press=self.press / s,
        )


class PresenterSprites:
    """All the drawn pieces of one presenter at one size (``side`` pixels square)."""

    def __init__(self, avatar_id: str, side: int, layers: dict[str, F32] | None = None) -> None:
        get_avatar(avatar_id)  # raises UnknownAvatar
        if side < 32:
            raise RenderError(f"presenter too small to draw: {side}px", side=side)
        self.avatar_id = avatar_id
        self.side = side
        self.look = LOOKS[avatar_id]
        self.margin = max(2, math.ceil(MARGIN * side))
        self._lock = threading.Lock()
        self._mouths: dict[MouthKey, Patch] = {}
        ex0, ey0, ex1, ey1 = _unit_rect(side, EYES_BOX)
        mx0, my0, mx1, my1 = _unit_rect(side, MOUTH_BOX)
        self.eyes_xy = (ex0, ey0)
        self.mouth_xy = (mx0, my0)
        self._mouth_size = (mx1 - mx0, my1 - my0)
        if layers is None:
            layers = self._draw_static((ex1 - ex0, ey1 - ey0))
        self.body = layers["body"]
        self.head = layers["head"]
        self.eyes = {state: Patch(ex0, ey0, layers[f"eyes_{state}"]) for state in EYE_STATES}

    @property
    def mouth_rect(self) -> tuple[int, int, int, int]:
        """(x, y, w, h) of the mouth patch in the sprite, unshifted."""
        return (*self.mouth_xy, *self._mouth_size)

    def _draw_static(self, eyes_size: tuple[int, int]) -> dict[str, F32]:
        m, side = self.margin, self.side
        layers: dict[str, F32] = {}
        body = _Canvas(side, -m, -m, side + 2 * m, side + 2 * m)
        _draw_body(body, self.look)
        layers["body"] = body.layer()
        head = _Canvas(side, -m, -m, side + 2 * m, side + 2 * m)
        _draw_head(head, self.look)
        layers["head"] = head.layer()
        for state in EYE_STATES:
            eyes = _Canvas(side, *self.eyes_xy, *eyes_size)
            _draw_eyes(eyes, self.look, state)
            layers[f"eyes_{state}"] = eyes.layer()
        return layers

    def static_layers(self) -> dict[str, F32]:
        layers = {"body": self.body, "head": self.head}
        layers.update({f"eyes_{s}": p.rgba for s, p in self.eyes.items()})
        return layers

    def mouth(self, key: MouthKey) -> Patch:
        """The mouth drawn for ``key`` (drawn once, then reused)."""
        with self._lock:
            patch = self._mouths.get(key)
            if patch is None:
                canvas = _Canvas(self.side, *self.mouth_xy, *self._mouth_size)
                _draw_mouth(canvas, self.look, key.pose())
                patch = Patch(*self.mouth_xy, canvas.layer())
                self._mouths[key] = patch
            return patch

    def viseme_mouth(self, viseme: str) -> Patch:
        """The drawing of one viseme at rest (its full pose, no cross-fade)."""
        return self.mouth(MouthKey.of(MOUTH_POSES[viseme]))

    def compose(self, key: MouthKey, eyes: str, dx: int, dy_body: int, dy_head: int) -> F32:
        """The presenter, premultiplied RGBA (side x side), head shifted by (dx, dy_head)."""
        side, m = self.side, self.margin
        dx = max(-m, min(m, dx))
        dy_body = max(-m, min(m, dy_body))
        dy_head = max(-m, min(m, dy_head))
        out = self.body[m - dy_body : m - dy_body + side, m : m + side].copy()
        head = self.head[m - dy_head : m - dy_head + side, m - dx : m - dx + side]
        out *= 1.0 - head[..., 3:4]
        out += head
        for patch in (self.eyes[eyes], self.mouth(key)):
            h, w = patch.rgba.shape[:2]
            x, y = patch.x + dx, patch.y + dy_head
            region = out[y : y + h, x : x + w]
            region *= 1.0 - patch.rgba[..., 3:4]
            region += patch.rgba
        return out


def _cache_file(cache_dir: Path, avatar_id: str, side: int) -> Path:
    tag = hashlib.sha256(f"{avatar_id}:{side}:{DRAWING_VERSION}:{SUPERSAMPLE}".encode()).hexdigest()
    return cache_dir / f"presenter-{avatar_id}-{side}-{tag[:12]}.npz"


def _load(path: Path) -> dict[str, F32] | None:
    try:
        with np.load(path) as data:
            return {name: np.ascontiguousarray(data[name], dtype=np.float32) for name in data.files}
    except (OSError, ValueError, KeyError) as e:
        logger.warning("avatar cache unreadable, redrawing", path=path.name, error=str(e))
        return None


def _save(path: Path, layers: dict[str, F32]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp.npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            half = {k: v.astype(np.float16) for k, v in layers.items()}
            np.savez(fh, allow_pickle=False, **half)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        logger.warning("avatar cache not written", path=path.name, error=str(e))


@lru_cache(maxsize=8)
def presenter_sprites(avatar_id: str, side: int, cache_dir: Path | None = None) -> PresenterSprites:
    """The sprites of ``avatar_id`` at ``side`` px: drawn once per process (and cache dir)."""
    if cache_dir is None:
        return PresenterSprites(avatar_id, side)
    path = _cache_file(cache_dir, avatar_id, side)
    layers = _load(path) if path.exists() else None
    if layers is not None and {"body", "head"} <= layers.keys():
        return PresenterSprites(avatar_id, side, layers)
    sprites = PresenterSprites(avatar_id, side)
    _save(path, sprites.static_layers())
    return sprites
