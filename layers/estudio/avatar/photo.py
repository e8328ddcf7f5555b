"""The talking photo (experimental): a presenter made from one frontal portrait.

Selected with the avatar id ``photo:<path>`` (``photo_source.is_photo_avatar``). This module
puts the steps together and renders the segment; each step lives in its own module:

1. **Landmarks** (``photo_source``). The photo is read with Pillow (EXIF orientation applied,
   downscaled to at most ``WORK_SIDE``) and handed, as a PNG, to ``face_landmarks_worker.py``
   running under the separate face environment's interpreter (MediaPipe face mesh, 478 points).
   The interpreter comes as an argument (the edge reads ``ESTUDIO_FACE_PYTHON``); without one,
   the project's ``.venv-face`` is used when present. Answers are cached by the photo's hash, in
   memory and in ``cache_dir``.
2. **Checks** (``face_landmarks``). Exactly one face, big enough, inside the picture, roughly
   frontal and upright, mouth closed; otherwise ``InvalidPhoto`` with a one-line reason
   (``check_face``).
3. **Rig** (``face_rig``). The face is cropped into the presenter square (``crop_face``) and the
   landmarks give a mouth frame (corners, lip contact line, chin, nose) and two eye frames
   (``FaceRig``).
4. **Warp** (``face_warp``). Per frame, a smooth displacement field moves the lower lip and jaw
   down by ``openness x mouth height`` (the upper lip up a little), pulls the corners in for
   rounded vowels and out for spread ones, paints the opened gap as a dark mouth interior with a
   hint of upper teeth, and slides the upper eyelids down for blinks (``warp_face``). Backward
   mapping with bilinear sampling, numpy only, evaluated in two small regions (mouth/jaw and
   eyes).
5. **Frames** (here). Timeline frames are quantized into ``PhotoKey`` s; each distinct key is
   warped once and composited into the same circle frame the built-in presenters use, then
   reused.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from estudio.avatar.face_landmarks import F32, check_face
from estudio.avatar.face_rig import FaceRig, crop_face
from estudio.avatar.face_warp import PhotoKey, photo_keys, warp_face
from estudio.avatar.photo_source import (
    LANDMARK_TIMEOUT_S,
    PHOTO_PREFIX,
    load_photo,
    photo_landmarks,
)
from estudio.avatar.render import (
    AvatarRenderStats,
    SquareCache,
    Stage,
    _circle_mask,
    _encode,
    _ring,
    build_stage,
    stream_frames,
)
from estudio.avatar.timeline import build_timeline, frame_count
from estudio.errors import InvalidOptions, RenderError
from estudio.models import VisemeEvent
from estudio.observability import logger


@dataclass(frozen=True, eq=False)
class PhotoPresenter:
    """A checked portrait framed into the presenter square, with its rig."""

    image: F32  # (side, side, 3), 0..1
    rig: FaceRig

    @property
    def side(self) -> int:
        return self.rig.side

    def render(self, key: PhotoKey) -> F32:
        return warp_face(self.image, self.rig, key)


def prepare_photo(
    photo: Path,
    side: int,
    face_python: str | Path | None = None,
    *,
    cache_dir: Path | None = None,
    timeout_s: float = LANDMARK_TIMEOUT_S,
) -> PhotoPresenter:
    """Read, check and frame ``photo`` for a ``side`` px presenter square.

    Raises ``InvalidPhoto`` (unreadable, no usable face), ``ToolMissing`` (no face environment).
    """
    if side < 32:
        raise RenderError(f"presenter too small to draw: {side}px", side=side)
    image = load_photo(photo)
    points = check_face(
        photo_landmarks(image, face_python, cache_dir=cache_dir, timeout_s=timeout_s)
    )
    square, moved = crop_face(image, points, side)
    return PhotoPresenter(square, FaceRig.from_points(moved, side))


class _PhotoSquares(SquareCache[PhotoKey]):
    """The photo warped per key, framed by the stage's mask and ring."""

    def __init__(self, presenter: PhotoPresenter, stage: Stage) -> None:
        super().__init__(stage)
        self.presenter = presenter
        self.warp_s = 0.0

    def draw(self, key: PhotoKey) -> F32:
        started = time.perf_counter()
        face = self.presenter.render(key)
        self.warp_s += time.perf_counter() - started
        s = self.stage
        inside = face * s.mask + self.stage_patch * (1.0 - s.mask)
        rgb: F32 = s.ring[..., :3] + inside * (1.0 - s.ring[..., 3:4])
        return rgb


def photo_stage(slide: Image.Image, width: int, height: int, layout: str) -> Stage:
    """The stage of ``layout``, with the photo always inside the round frame (beside too)."""
    stage = build_stage(slide, width, height, layout, PHOTO_PREFIX)
    if layout == "beside":
        side = stage.box.w
        stage = replace(stage, mask=_circle_mask(side), ring=_ring(side, 0.022))
    return stage


def render_photo_segment(
    slide_image: Path,
    out: Path,
    visemes: list[VisemeEvent],
    speech_offset_s: float,
    duration_s: float,
    fps: int,
    photo: Path,
    layout: str,
    ffmpeg: str,
    encoder: str,
    *,
    size: tuple[int, int] | None = None,
    seed: int | None = None,
    cache_dir: Path | None = None,
    face_python: str | Path | None = None,
    timeout_s: float = 900.0,
) -> AvatarRenderStats:
    """Render one scene's video (no audio): the slide with the talking ``photo`` over it.

    The same contract as ``render_avatar_segment`` (exactly ``round(duration_s * fps)`` frames,
    the same layouts and encoding), which calls this for ``photo:<path>`` avatar ids.
    """
    frames_n = frame_count(duration_s, fps)
    if frames_n < 1:
        raise InvalidOptions("an avatar segment needs at least one frame", duration_s=duration_s)
    started = time.perf_counter()
    with Image.open(slide_image) as img:
        slide = img.convert("RGB")
    width, height = size or slide.size
    if width % 2 or height % 2:
        raise InvalidOptions(f"frame size must be even for yuv420p, got {width}x{height}")
    stage = photo_stage(slide, width, height, layout)
    presenter = prepare_photo(
        photo, stage.box.w, face_python, cache_dir=cache_dir, timeout_s=min(timeout_s, 120.0)
    )
    if seed is None:
        seed = 7919 * 31 + frames_n
    timeline = build_timeline(visemes, speech_offset_s, duration_s, fps, seed)
    keys = photo_keys(timeline)
    squares = _PhotoSquares(presenter, stage)
    remaining = max(1.0, timeout_s - (time.perf_counter() - started))
    _encode(
        stream_frames(squares.stage, squares.get, keys),
        frames_n,
        width,
        height,
        fps,
        out,
        ffmpeg,
        encoder,
        remaining,
    )
    seconds = time.perf_counter() - started
    stats = AvatarRenderStats(
        frames=frames_n,
        seconds=round(seconds, 3),
        fps=round(frames_n / seconds, 2) if seconds > 0 else math.inf,
        encoder=encoder,
        target_fps=fps,
        distinct_frames=squares.drawn,
    )
    logger.info(
        "photo avatar segment rendered",
        layout=layout,
        frames=stats.frames,
        seconds=stats.seconds,
        fps=stats.fps,
        encoder=encoder,
        distinct_frames=stats.distinct_frames,
        warp_ms_per_frame=round(1000.0 * squares.warp_s / max(squares.drawn, 1), 2),
    )
    return stats
