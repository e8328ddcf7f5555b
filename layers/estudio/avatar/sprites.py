"""The built-in presenters as sprite sets: pre-drawn layers that an animation frame stacks.

The drawing is split into layers (drawn by ``drawing``) so that an animation frame is a cheap
stack of pre-drawn pieces:

* ``body`` (torso, clothes, neck) and ``head`` (hair, face, ears, brows, nose): full-size layers
  drawn with a margin so they can shift a few pixels (breathing, sway) without exposing edges;
* ``eyes``: three patches (open, half, closed) for blinks;
* ``mouth``: one patch per quantized ``MouthPose`` (``MouthKey``), drawn on first use and kept.
  Every viseme of the common alphabet has its own pose, so every viseme has its own drawing.

Layers are premultiplied-alpha ``float32`` arrays. ``presenter_sprites`` caches one
``PresenterSprites`` per (avatar, size) in memory and, when given a folder, on disk.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from estudio.avatar.catalog import get_avatar
from estudio.avatar.drawing import (
    DRAWING_VERSION,
    F32,
    LOOKS,
    SUPERSAMPLE,
    Canvas,
    draw_body,
    draw_eyes,
    draw_head,
    draw_mouth,
)
from estudio.avatar.timeline import MOUTH_POSES, MouthPose
from estudio.errors import RenderError
from estudio.observability import logger

MARGIN = 0.04  # of the side: room for the layers to shift

EYE_STATES = ("open", "half", "closed")
MOUTH_BOX = (0.425, 0.478, 0.575, 0.592)  # the unit-square region every mouth patch covers
EYES_BOX = (0.395, 0.372, 0.605, 0.44)


@dataclass(frozen=True)
class Patch:
    """A premultiplied RGBA piece and where it sits in the sprite (pixels, unshifted)."""

    x: int
    y: int
    rgba: F32  # (h, w, 4), colour already multiplied by alpha, 0..1


def _unit_rect(side: int, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    return (
        math.floor(x0 * side),
        math.floor(y0 * side),
        math.ceil(x1 * side),
        math.ceil(y1 * side),
    )


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
        body = Canvas(side, -m, -m, side + 2 * m, side + 2 * m)
        draw_body(body, self.look)
        layers["body"] = body.layer()
        head = Canvas(side, -m, -m, side + 2 * m, side + 2 * m)
        draw_head(head, self.look)
        layers["head"] = head.layer()
        for state in EYE_STATES:
            eyes = Canvas(side, *self.eyes_xy, *eyes_size)
            draw_eyes(eyes, self.look, state)
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
                canvas = Canvas(self.side, *self.mouth_xy, *self._mouth_size)
                draw_mouth(canvas, self.look, key.pose())
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
