"""Compositing the presenter over a slide and encoding the scene's video segment.

The slide and every decoration that never moves (frame shadow, side panel) are laid out once into
a background frame. Per frame only the presenter square changes; its content is a function of a
small key (mouth drawing, eyelids, head/shoulder offsets), so a frame is drawn only when its key
differs from the previous frame's, and recent keys are cached. Frames stream as raw RGB24 into
ffmpeg's stdin and are encoded with ``estudio.media.ffmpeg.video_encode_args`` so that the segment
concatenates with the still-slide segments. Video only: the audio is muxed once for the video.

Compositing runs on the CPU with numpy (about 3x real time at 1080p25 on two cores); on a GPU host
the GPU's part is the encoding (NVENC). There is no PyTorch path (docs/adr/0007).
"""

from __future__ import annotations

import math
import os
import subprocess
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from estudio.avatar.catalog import get_avatar
from estudio.avatar.drawing import F32, SUPERSAMPLE
from estudio.avatar.sprites import MouthKey, PresenterSprites, presenter_sprites
from estudio.avatar.timeline import MouthPose, Timeline, build_timeline, frame_count
from estudio.errors import InvalidOptions, RenderError, StageTimeout, ToolMissing
from estudio.models import Frozen, VisemeEvent
from estudio.observability import logger
from estudio.sandbox import bounded

LAYOUTS = ("pip-right", "pip-left", "beside")
PIP_HEIGHT = 0.28  # presenter circle diameter, share of the frame height
PIP_MARGIN = 0.035  # gap to the frame edges, share of the height
BESIDE_SLIDE = 0.70  # slide width share in the "beside" layout
SWAY_PX = 0.012  # head sway amplitude, share of the presenter side
BREATH_PX = 0.006  # shoulder rise amplitude, share of the presenter side
SPRITE_CACHE = 256  # finished presenter squares kept per render
STDERR_TAIL_CHARS = 800

U8 = npt.NDArray[np.uint8]


class AvatarRenderStats(Frozen):
    frames: int
    seconds: float  # wall time of the render (drawing + encoding)
    fps: float  # frames per second achieved
    encoder: str
    target_fps: int = 25
    distinct_frames: int = 0  # frames that had to be drawn (the rest repeat the previous one)

    @property
    def realtime_ratio(self) -> float:
        """How many times faster than real time (>1: faster)."""
        return self.fps / self.target_fps if self.target_fps else 0.0


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Stage:
    """The static part of every frame and where the presenter goes."""

    background: U8  # (H, W, 3)
    box: Rect  # the presenter square
    backdrop: F32  # (S, S, 3) what shows behind the presenter inside its frame, 0..1
    mask: F32  # (S, S, 1) 1 where the presenter shows, 0 where the background does
    ring: F32  # (S, S, 4) premultiplied overlay drawn on top (the frame's border)


K = TypeVar("K", bound=Hashable)


def _even(v: float) -> int:
    return round(v / 2.0) * 2


def _gradient(w: int, h: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> U8:
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    a = np.asarray(top, dtype=np.float32)
    b = np.asarray(bottom, dtype=np.float32)
    col = a * (1.0 - t) + b * t
    return np.ascontiguousarray(np.broadcast_to(col, (h, w, 3)).round().astype(np.uint8))


def _fit(slide: Image.Image, w: int, h: int) -> Image.Image:
    if slide.size == (w, h):
        return slide
    return ImageOps.pad(slide, (w, h), method=Image.Resampling.LANCZOS, color=(255, 255, 255))


def _shadow(
    canvas: Image.Image, box: tuple[int, int, int, int], radius: int, ellipse: bool
) -> None:
    """Soft drop shadow under ``box`` (x0, y0, x1, y1), drawn into ``canvas`` (RGB)."""
    blur = max(2, radius)
    mask = Image.new("L", canvas.size, 0)
    x0, y0, x1, y1 = box
    off = max(1, blur // 3)
    shape = (x0, y0 + off, x1, y1 + off)
    if ellipse:
        ImageDraw.Draw(mask).ellipse(shape, fill=110)
    else:
        ImageDraw.Draw(mask).rectangle(shape, fill=90)
    mask = mask.filter(ImageFilter.GaussianBlur(blur))
    canvas.paste((0, 0, 0), (0, 0), mask)


def _circle_mask(side: int) -> F32:
    big = Image.new("L", (side * SUPERSAMPLE, side * SUPERSAMPLE), 0)
    ImageDraw.Draw(big).ellipse((0, 0, side * SUPERSAMPLE - 1, side * SUPERSAMPLE - 1), fill=255)
    small = big.resize((side, side), Image.Resampling.LANCZOS)
    return (np.asarray(small, dtype=np.float32) / 255.0)[..., None]


def _ring(side: int, width_frac: float) -> F32:
    big = Image.new("RGBA", (side * SUPERSAMPLE, side * SUPERSAMPLE), (0, 0, 0, 0))
    width = max(SUPERSAMPLE, round(width_frac * side * SUPERSAMPLE))
    ImageDraw.Draw(big).ellipse(
        (0, 0, side * SUPERSAMPLE - 1, side * SUPERSAMPLE - 1),
        outline=(255, 255, 255, 255),
        width=width,
    )
    small = big.convert("RGBa").resize((side, side), Image.Resampling.LANCZOS)
    return np.asarray(small, dtype=np.float32) / 255.0


_BACKDROPS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "ana": ((224, 234, 244), (176, 198, 222)),
    "bruno": ((236, 230, 220), (196, 184, 168)),
}
_PANEL = ((240, 243, 247), (214, 222, 232))


def presenter_box(width: int, height: int, layout: str) -> Rect:
    """Where the presenter square sits in a ``width`` x ``height`` frame."""
    if layout in ("pip-right", "pip-left"):
        side = _even(PIP_HEIGHT * height)
        margin = _even(PIP_MARGIN * height)
        x = width - margin - side if layout == "pip-right" else margin
        return Rect(x, height - margin - side, side, side)
    if layout == "beside":
        slide = _beside_slide(width, height)
        if width >= height:
            free = width - (slide.x + slide.w)
            side = _even(min(free - slide.x, height))
            return Rect(_even(slide.x + slide.w + (free - side) / 2.0), height - side, side, side)
        free = height - (slide.y + slide.h)
        side = _even(min(0.75 * width, free))
        return Rect(_even((width - side) / 2.0), height - side, side, side)
    raise InvalidOptions(f"unknown avatar layout {layout!r}; use one of {', '.join(LAYOUTS)}")


def _beside_slide(width: int, height: int) -> Rect:
    """The slide's rectangle in the "beside" layout (16:9 area, keeps the slide's aspect later)."""
    if width >= height:
        margin = _even(0.02 * width)
        w = _even(BESIDE_SLIDE * width)
        h = _even(w * height / width)
        return Rect(margin, _even((height - h) / 2.0), w, h)
    margin = _even(0.02 * width)
    w = width - 2 * margin
    h = _even(w * 9 / 16)
    return Rect(margin, margin, w, h)


def build_stage(slide: Image.Image, width: int, height: int, layout: str, avatar_id: str) -> Stage:
    """Lay the slide out for ``layout`` and prepare the presenter's frame."""
    box = presenter_box(width, height, layout)
    side = box.w
    top, bottom = _BACKDROPS.get(avatar_id, _PANEL)
    slide = slide.convert("RGB")
    if layout == "beside":
        area = _beside_slide(width, height)
        canvas = Image.fromarray(_gradient(width, height, *_PANEL))
        fitted = ImageOps.contain(slide, (area.w, area.h), Image.Resampling.LANCZOS)
        sx = area.x + (area.w - fitted.width) // 2
        sy = area.y + (area.h - fitted.height) // 2
        _shadow(
            canvas, (sx, sy, sx + fitted.width, sy + fitted.height), _even(0.01 * height), False
        )
        canvas.paste(fitted, (sx, sy))
        background = np.asarray(canvas, dtype=np.uint8).copy()
        backdrop = background[box.y : box.y + side, box.x : box.x + side].astype(np.float32) / 255.0
        mask = np.ones((side, side, 1), dtype=np.float32)
        ring = np.zeros((side, side, 4), dtype=np.float32)
    else:
        canvas = _fit(slide, width, height).copy()
        _shadow(canvas, (box.x, box.y, box.x + side, box.y + side), _even(0.012 * height), True)
        background = np.asarray(canvas, dtype=np.uint8).copy()
        backdrop = _gradient(side, side, top, bottom).astype(np.float32) / 255.0
        mask = _circle_mask(side)
        ring = _ring(side, 0.022)
    return Stage(np.ascontiguousarray(background), box, backdrop, mask, ring)


# --- per-frame keys ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FrameKey:
    mouth: MouthKey
    eyes: str
    dx: int
    dy: int


def _eyes_state(closure: float) -> str:
    if closure < 0.3:
        return "open"
    return "half" if closure < 0.75 else "closed"


def frame_keys(timeline: Timeline, side: int) -> list[FrameKey]:
    """Quantize every frame of ``timeline`` into the key of the drawing it needs."""
    dx = np.rint(timeline.sway * SWAY_PX * side).astype(int)
    dy = -np.rint(timeline.breath * BREATH_PX * side).astype(int)
    keys = []
    for i in range(timeline.frames):
        pose = MouthPose(
            float(timeline.openness[i]),
            float(timeline.width[i]),
            float(timeline.roundness[i]),
            float(timeline.teeth[i]),
            float(timeline.tuck[i]),
            float(timeline.press[i]),
        )
        keys.append(
            FrameKey(
                MouthKey.of(pose), _eyes_state(float(timeline.eyes[i])), int(dx[i]), int(dy[i])
            )
        )
    return keys


def _finish(presenter: F32, stage_patch: F32, backdrop: F32, mask: F32, ring: F32) -> F32:
    """Presenter (premultiplied RGBA) over its backdrop, inside the mask, under the ring."""
    alpha = presenter[..., 3:4]
    inside = presenter[..., :3] + backdrop * (1.0 - alpha)
    out = inside * mask + stage_patch * (1.0 - mask)
    return ring[..., :3] + out * (1.0 - ring[..., 3:4])


class SquareCache(Generic[K]):
    """Finished presenter squares (uint8 RGB) by key: drawn on a miss (``draw``, in a subclass),
    the most recent kept. Drawn presenters and talking photos alike."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        b = stage.box
        self.stage_patch = stage.background[b.y : b.y + b.h, b.x : b.x + b.w].astype(np.float32)
        self.stage_patch /= 255.0
        self._cache: OrderedDict[K, U8] = OrderedDict()
        self.drawn = 0

    def draw(self, key: K) -> F32:
        """The finished square (RGB floats in 0..1) for ``key``."""
        raise NotImplementedError

    def get(self, key: K) -> U8:
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        square = np.clip(self.draw(key) * 255.0 + 0.5, 0.0, 255.0).astype(np.uint8)
        self.drawn += 1
        self._cache[key] = square
        if len(self._cache) > SPRITE_CACHE:
            self._cache.popitem(last=False)
        return square


class _Squares(SquareCache[FrameKey]):
    def __init__(self, sprites: PresenterSprites, stage: Stage) -> None:
        super().__init__(stage)
        self.sprites = sprites

    def presenter(self, key: FrameKey) -> F32:
        return self.sprites.compose(key.mouth, key.eyes, key.dx, key.dy, key.dy)

    def draw(self, key: FrameKey) -> F32:
        s = self.stage
        return _finish(self.presenter(key), self.stage_patch, s.backdrop, s.mask, s.ring)


def stream_frames(
    stage: Stage, square: Callable[[K], U8], keys: Sequence[K]
) -> Iterator[memoryview]:
    """One frame buffer over the stage; the presenter square (``square(key)``) is rewritten only
    when the key changes. Drawn presenters and talking photos alike."""
    frame = stage.background.copy()
    b = stage.box
    region = frame[b.y : b.y + b.h, b.x : b.x + b.w]
    view = memoryview(frame.data).cast("B")
    previous: K | None = None
    for key in keys:
        if key != previous:
            region[...] = square(key)
            previous = key
        yield view


def presenter_still(
    slide: Image.Image, avatar_id: str, layout: str, cache_dir: Path | None = None
) -> Image.Image:
    """One frame of the presenter at rest over ``slide`` (its size), as a scene's first frame:
    what the studio shows to choose a presenter and a layout."""
    get_avatar(avatar_id)
    width, height = slide.size
    stage = build_stage(slide.convert("RGB"), width, height, layout, avatar_id)
    sprites = presenter_sprites(avatar_id, stage.box.w, cache_dir)
    timeline = build_timeline([], 0.0, 1.0, 25, sum(map(ord, avatar_id)))
    (frame,) = list(
        stream_frames(stage, _Squares(sprites, stage).get, frame_keys(timeline, stage.box.w)[:1])
    )
    return Image.frombytes("RGB", (width, height), bytes(frame))


# --- encoding ------------------------------------------------------------------------------------
def _tail(stderr: IO[bytes]) -> str:
    stderr.seek(0)
    text = stderr.read().decode("utf-8", errors="replace").strip()
    return text[-STDERR_TAIL_CHARS:].replace("\n", " | ")


def _encode(
    frames: Iterator[memoryview],
    frames_n: int,
    width: int,
    height: int,
    fps: int,
    out: Path,
    ffmpeg: str,
    encoder: str,
    timeout_s: float,
) -> None:
    from estudio.media.ffmpeg import video_encode_args

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.part{out.suffix}")
    argv = [
        ffmpeg,
        "-hide_banner",
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-framerate",
        str(fps),
        "-i",
        "pipe:0",
        *video_encode_args(encoder, fps),
        "-frames:v",
        str(frames_n),
        str(tmp),
    ]
    deadline = time.monotonic() + timeout_s
    with tempfile.TemporaryFile() as stderr:
        try:
            proc = subprocess.Popen(
                bounded(argv), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr
            )
        except OSError as e:
            raise ToolMissing(f"cannot run ffmpeg: {e}", tool="ffmpeg") from e
        assert proc.stdin is not None
        try:
            try:
                for frame in frames:
                    proc.stdin.write(frame)
                    if time.monotonic() > deadline:
                        raise StageTimeout(f"avatar render ran past {timeout_s:g} s")
                proc.stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped reading: its exit status and stderr say why
            code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired as e:
            raise StageTimeout(f"ffmpeg ran past {timeout_s:g} s", tool="ffmpeg") from e
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if code != 0:
            tmp.unlink(missing_ok=True)
            raise RenderError(f"ffmpeg failed: {_tail(stderr) or code}", returncode=code)
    os.replace(tmp, out)


def render_avatar_segment(
    slide_image: Path,
    out: Path,
    visemes: list[VisemeEvent],
    speech_offset_s: float,
    duration_s: float,
    fps: int,
    avatar_id: str,
    layout: str,
    ffmpeg: str,
    encoder: str,
    *,
    size: tuple[int, int] | None = None,
    seed: int | None = None,
    cache_dir: Path | None = None,
    timeout_s: float = 900.0,
    face_python: str | Path | None = None,
) -> AvatarRenderStats:
    """Render one scene's video (no audio): the slide with the talking presenter over it.

    ``size`` defaults to the slide image's size. ``seed`` (default: derived from the avatar and the
    scene length) fixes blinks, breathing and sway. Exactly ``round(duration_s * fps)`` frames.

    ``avatar_id`` ``photo:<path>`` selects the experimental talking photo
    (``estudio.avatar.photo``); ``face_python`` is then the face environment's interpreter.
    """
    if avatar_id.startswith("photo:"):
        from estudio.avatar.photo import render_photo_segment
        from estudio.avatar.photo_source import photo_path

        return render_photo_segment(
            slide_image,
            out,
            visemes,
            speech_offset_s,
            duration_s,
            fps,
            photo_path(avatar_id),
            layout,
            ffmpeg,
            encoder,
            size=size,
            seed=seed,
            cache_dir=cache_dir,
            face_python=face_python,
            timeout_s=timeout_s,
        )
    get_avatar(avatar_id)
    frames_n = frame_count(duration_s, fps)
    if frames_n < 1:
        raise InvalidOptions("an avatar segment needs at least one frame", duration_s=duration_s)
    started = time.perf_counter()
    with Image.open(slide_image) as img:
        slide = img.convert("RGB")
    width, height = size or slide.size
    if width % 2 or height % 2:
        raise InvalidOptions(f"frame size must be even for yuv420p, got {width}x{height}")
    stage = build_stage(slide, width, height, layout, avatar_id)
    sprites = presenter_sprites(avatar_id, stage.box.w, cache_dir)
    if seed is None:
        seed = sum(map(ord, avatar_id)) * 7919 + frames_n
    timeline = build_timeline(visemes, speech_offset_s, duration_s, fps, seed)
    keys = frame_keys(timeline, stage.box.w)
    squares = _Squares(sprites, stage)
    frames = stream_frames(stage, squares.get, keys)
    _encode(frames, frames_n, width, height, fps, out, ffmpeg, encoder, timeout_s)
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
        "avatar segment rendered",
        avatar=avatar_id,
        layout=layout,
        frames=stats.frames,
        seconds=stats.seconds,
        fps=stats.fps,
        encoder=encoder,
        distinct_frames=stats.distinct_frames,
    )
    return stats
