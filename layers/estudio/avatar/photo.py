"""The talking photo (experimental): a presenter made from one frontal portrait.

Selected with the avatar id ``photo:<path>`` (``is_photo_avatar``). The steps:

1. **Landmarks.** The photo is read with Pillow (EXIF orientation applied, downscaled to at most
   ``WORK_SIDE``) and handed, as a PNG, to ``face_landmarks_worker.py`` running under the separate
   face environment's interpreter (MediaPipe face mesh, 478 points). The interpreter comes as an
   argument (the edge reads ``ESTUDIO_FACE_PYTHON``); without one, the project's ``.venv-face``
   is used when present. Answers are cached by the photo's hash, in memory and in ``cache_dir``.
2. **Checks.** Exactly one face, big enough, inside the picture, roughly frontal and upright,
   mouth closed; otherwise ``InvalidPhoto`` with a one-line reason (``check_face``).
3. **Rig.** The face is cropped into the presenter square (``crop_face``) and the landmarks give a
   mouth frame (corners, lip contact line, chin, nose) and two eye frames (``FaceRig``).
4. **Warp.** Per frame, a smooth displacement field moves the lower lip and jaw down by
   ``openness x mouth height`` (the upper lip up a little), pulls the corners in for rounded
   vowels and out for spread ones, paints the opened gap as a dark mouth interior with a hint of
   upper teeth, and slides the upper eyelids down for blinks (``warp_face``). Backward mapping with
   bilinear sampling, numpy only, evaluated in two small regions (mouth/jaw and eyes).
5. **Frames.** Timeline frames are quantized into ``PhotoKey`` s; each distinct key is warped once
   and composited into the same circle frame the built-in presenters use, then reused.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

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
from estudio.avatar.timeline import Timeline, build_timeline, frame_count
from estudio.errors import (
    InvalidOptions,
    InvalidPhoto,
    RenderError,
    StageTimeout,
    ToolMissing,
)
from estudio.models import VisemeEvent
from estudio.observability import logger
from estudio.sandbox import bounded

PHOTO_PREFIX = "photo:"
FACE_PYTHON_ENV = "ESTUDIO_FACE_PYTHON"  # read by the edges (settings/CLI) only
WORKER = Path(__file__).with_name("face_landmarks_worker.py")
DEFAULT_FACE_VENV = Path(__file__).resolve().parents[3] / ".venv-face"
RIG_VERSION = 1  # bump when the worker's answer changes: invalidates disk caches

WORK_SIDE = 1600  # longest side the photo is reduced to before anything else
MAX_PHOTO_BYTES = 40 * 1024 * 1024
MAX_PHOTO_PIXELS = 60_000_000
LANDMARK_TIMEOUT_S = 120.0
LANDMARK_MEMORY_BYTES = 2 * 1024**3

# Refusal thresholds
MIN_FACE_PX = 120  # forehead-to-chin height in the working photo
MAX_ROLL_DEG = 15.0  # eye line tilt
MAX_YAW = 0.3  # nose offset from the cheeks' midpoint, share of the half face width
MAX_LIP_GAP = 0.12  # inner lip gap, share of the mouth width
EDGE_TOLERANCE = 0.02  # how far outside the picture a face point may be guessed

# Framing: the face (forehead to chin) takes FACE_SHARE of the square, centred at FACE_Y.
FACE_SHARE = 0.44
FACE_Y = 0.46

# Warp gains
OPEN_GAIN = 0.9  # lower-lip drop at openness 1, in closed-mouth heights
UPPER_SHARE = 0.22  # upper-lip rise, share of the lower-lip drop
WIDTH_GAIN = 1.0  # corner travel per unit of the pose's width change
BLINK_COVER = 0.95  # how far the upper lid comes down at closure 1, share of the eye opening
COARSE_STEP = 4  # the mouth field is evaluated every COARSE_STEP pixels, then interpolated
NECK_FALL = 0.45  # below the chin, the jaw's drop fades out over this share of the chin depth

# Quantization of the per-frame keys
OPEN_STEPS = 16
WIDTH_STEPS = 12  # over 0.6..1.2: 1.0 is a step
ROUND_STEPS = 4
TEETH_STEPS = 4
BLINK_STEPS = 4

MOUTH_INTERIOR_TOP = np.array([0.16, 0.06, 0.07], dtype=np.float32)
MOUTH_INTERIOR_BOTTOM = np.array([0.36, 0.15, 0.16], dtype=np.float32)
TEETH_COLOUR = np.array([0.86, 0.84, 0.80], dtype=np.float32)

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]


class LM:
    """MediaPipe face-mesh indices the rig reads."""

    FOREHEAD = 10
    CHIN = 152
    CHEEK_L = 234  # left in the picture
    CHEEK_R = 454
    NOSE_TIP = 1
    SUBNASAL = 2
    MOUTH_L = 61
    MOUTH_R = 291
    LIP_TOP = 0  # upper lip, outer edge
    LIP_UPPER_INNER = 13
    LIP_LOWER_INNER = 14
    LIP_BOTTOM = 17  # lower lip, outer edge
    EYE_L_OUTER = 33
    EYE_L_INNER = 133
    EYE_L_UPPER = 159
    EYE_L_LOWER = 145
    BROW_L = 105
    EYE_R_INNER = 362
    EYE_R_OUTER = 263
    EYE_R_UPPER = 386
    EYE_R_LOWER = 374
    BROW_R = 334
    COUNT = 478


# --- the avatar id --------------------------------------------------------------------------------
def is_photo_avatar(avatar_id: str) -> bool:
    """True for ``photo:<path>`` ids."""
    return avatar_id.startswith(PHOTO_PREFIX)


def photo_path(avatar_id: str) -> Path:
    """The photo a ``photo:<path>`` id names."""
    if not is_photo_avatar(avatar_id) or len(avatar_id) == len(PHOTO_PREFIX):
        raise InvalidOptions(f"a photo avatar is written {PHOTO_PREFIX}<path to a portrait>")
    return Path(avatar_id[len(PHOTO_PREFIX) :]).expanduser()


# --- the face environment ------------------------------------------------------------------------
def find_face_python(face_python: str | Path | None = None) -> Path:
    """The interpreter of the face environment: ``face_python``, else the project's ``.venv-face``.

    Raises ``ToolMissing`` when neither exists.
    """
    if face_python is not None:
        path = Path(face_python).expanduser()
        if path.is_file():
            return path
        raise ToolMissing(f"face environment interpreter not found: {path}", tool="face-python")
    default = DEFAULT_FACE_VENV / "bin" / "python"
    if default.is_file():
        return default
    raise ToolMissing(
        f"the talking photo needs the face environment: run 'make face-env' "
        f"or set {FACE_PYTHON_ENV}",
        tool="face-python",
    )


# --- reading the photo ---------------------------------------------------------------------------
def load_photo(
    path: Path, max_bytes: int = MAX_PHOTO_BYTES, max_pixels: int = MAX_PHOTO_PIXELS
) -> Image.Image:
    """The photo as RGB, EXIF orientation applied, longest side at most ``WORK_SIDE``."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InvalidPhoto(f"cannot read the photo {path.name!r}: {e.strerror}") from e
    if size > max_bytes:
        raise InvalidPhoto(f"the photo is too large ({size} bytes; at most {max_bytes})")
    try:
        with Image.open(path) as img:
            if img.width * img.height > max_pixels:
                raise InvalidPhoto(
                    f"the photo is too large ({img.width}x{img.height}; "
                    f"at most {max_pixels} pixels)"
                )
            img.draft("RGB", (WORK_SIDE, WORK_SIDE))  # JPEG: decode at a reduced scale
            photo = ImageOps.exif_transpose(img).convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError) as e:
        raise InvalidPhoto(f"the photo {path.name!r} is not a readable image") from e
    except OSError as e:
        raise InvalidPhoto(f"the photo {path.name!r} cannot be decoded: {e}") from e
    if max(photo.size) > WORK_SIDE:
        photo.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    return photo


# --- landmarks -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Landmarks:
    """The worker's answer for one photo: every face found, in pixels of the working photo."""

    width: int
    height: int
    faces: tuple[F64, ...]  # each (478, 2): x, y in pixels
    seconds: float = 0.0  # inference time inside the worker

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> Landmarks:
        width, height = int(answer["width"]), int(answer["height"])
        faces = []
        for face in answer["faces"]:
            pts = np.asarray(face, dtype=np.float64)[:, :2] * (width, height)
            if pts.shape != (LM.COUNT, 2):
                raise RenderError(f"face landmarks have shape {pts.shape}, expected (478, 2)")
            faces.append(pts)
        return cls(width, height, tuple(faces), float(answer.get("seconds", 0.0)))


MEMO_SIZE = 32  # worker answers kept in memory
_MEMO: dict[str, dict[str, Any]] = {}
_MEMO_LOCK = threading.Lock()


def _png(photo: Image.Image) -> bytes:
    buf = io.BytesIO()
    photo.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def run_worker(
    image: Path, face_python: Path, timeout_s: float = LANDMARK_TIMEOUT_S
) -> dict[str, Any]:
    """Run the landmark worker on ``image`` and return its JSON answer (``ok`` is true)."""
    argv = [str(face_python), str(WORKER), str(image)]
    try:
        proc = subprocess.run(
            bounded(argv, LANDMARK_MEMORY_BYTES),
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise StageTimeout(f"face landmarks ran past {timeout_s:g} s", tool="face-python") from e
    except OSError as e:
        raise ToolMissing(f"cannot run the face environment: {e}", tool="face-python") from e
    lines = proc.stdout.decode("utf-8", errors="replace").strip().splitlines()
    try:
        answer: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        answer = {}
    if proc.returncode != 0 or "ok" not in answer:
        tail = proc.stderr.decode("utf-8", errors="replace").strip()[-600:].replace("\n", " | ")
        raise RenderError(
            f"face landmark worker failed ({proc.returncode}): {tail}", returncode=proc.returncode
        )
    if not answer["ok"]:
        error = str(answer.get("error", "unknown error"))
        if answer.get("kind") == "tool":
            raise ToolMissing(error, tool="face-python")
        if answer.get("kind") == "image":
            raise InvalidPhoto(error)
        raise RenderError(f"face landmark worker: {error}")
    return answer


def photo_landmarks(
    photo: Image.Image,
    face_python: str | Path | None = None,
    *,
    cache_dir: Path | None = None,
    timeout_s: float = LANDMARK_TIMEOUT_S,
) -> Landmarks:
    """Every face in ``photo`` (as ``load_photo`` returns it), cached by the pixels' hash."""
    data = _png(photo)
    digest = hashlib.sha256(data + f":{RIG_VERSION}".encode()).hexdigest()
    with _MEMO_LOCK:
        answer = _MEMO.get(digest)
    cache_file = cache_dir / f"face-{digest[:24]}.json" if cache_dir is not None else None
    if answer is None and cache_file is not None and cache_file.is_file():
        try:
            answer = json.loads(cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            logger.warning("face landmark cache unreadable", path=cache_file.name, error=str(e))
    if answer is None:
        python = find_face_python(face_python)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="estudio-face-") as tmp:
            image = Path(tmp) / "photo.png"
            image.write_bytes(data)
            answer = run_worker(image, python, timeout_s)
        logger.info(
            "face landmarks found",
            faces=len(answer["faces"]),
            inference_s=answer.get("seconds"),
            seconds=round(time.perf_counter() - started, 3),
        )
    if cache_file is not None and not cache_file.is_file():
        _write_atomic(cache_file, json.dumps(answer, separators=(",", ":")))
    with _MEMO_LOCK:
        if len(_MEMO) >= MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[digest] = answer
    return Landmarks.from_answer(answer)


def _write_atomic(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=path.stem, suffix=".tmp", delete=False
        ) as fh:
            fh.write(text)
        Path(fh.name).replace(path)
    except OSError as e:
        logger.warning("face landmark cache not written", path=path.name, error=str(e))


# --- checks --------------------------------------------------------------------------------------
def _dist(a: F64, b: F64) -> float:
    return float(np.hypot(*(a - b)))


def check_face(landmarks: Landmarks) -> F64:
    """The one usable face's points; ``InvalidPhoto`` with the reason otherwise."""
    if not landmarks.faces:
        raise InvalidPhoto("no face found in the photo; use a frontal portrait")
    if len(landmarks.faces) > 1:
        raise InvalidPhoto(
            f"the photo shows {len(landmarks.faces)} faces; use a portrait of one person"
        )
    p = landmarks.faces[0]
    w, h = landmarks.width, landmarks.height
    outline = p[[LM.FOREHEAD, LM.CHIN, LM.CHEEK_L, LM.CHEEK_R]]
    tol = EDGE_TOLERANCE * max(w, h)
    if (outline < -tol).any() or (outline[:, 0] > w + tol).any() or (outline[:, 1] > h + tol).any():
        raise InvalidPhoto("the face is cut off by the photo's edge")
    face_h = _dist(p[LM.FOREHEAD], p[LM.CHIN])
    if face_h < MIN_FACE_PX:
        raise InvalidPhoto(
            f"the face is too small ({face_h:.0f} px from forehead to chin; at least {MIN_FACE_PX})"
        )
    ex, ey = p[LM.EYE_R_OUTER] - p[LM.EYE_L_OUTER]
    roll = math.degrees(math.atan2(ey, ex))
    if abs(roll) > MAX_ROLL_DEG:
        raise InvalidPhoto(f"the head is tilted {abs(roll):.0f}°; at most {MAX_ROLL_DEG:.0f}°")
    half = (p[LM.CHEEK_R] - p[LM.CHEEK_L]) / 2.0
    span = float(np.hypot(*half))
    yaw = float(np.dot(p[LM.NOSE_TIP] - (p[LM.CHEEK_L] + half), half)) / max(span * span, 1e-9)
    if abs(yaw) > MAX_YAW:
        raise InvalidPhoto("the face is turned to the side; use a frontal portrait")
    gap = _dist(p[LM.LIP_UPPER_INNER], p[LM.LIP_LOWER_INNER])
    width = _dist(p[LM.MOUTH_L], p[LM.MOUTH_R])
    if gap > MAX_LIP_GAP * width:
        raise InvalidPhoto(
            f"the mouth is open (lip gap {100 * gap / width:.0f}% of its width; "
            f"at most {100 * MAX_LIP_GAP:.0f}%); use a photo with closed lips"
        )
    return p


# --- crop and rig --------------------------------------------------------------------------------
def crop_face(photo: Image.Image, points: F64, side: int) -> tuple[F32, F64]:
    """The face framed into a ``side`` square (RGB 0..1) and the points in its pixels."""
    w, h = photo.size
    face_h = _dist(points[LM.FOREHEAD], points[LM.CHIN])
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
class _Frame:
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
    def along(cls, origin: F64, a: F64, b: F64) -> _Frame:
        d = b - a
        n = float(np.hypot(*d)) or 1.0
        return cls(float(origin[0]), float(origin[1]), float(d[0] / n), float(d[1] / n))


@dataclass(frozen=True, eq=False)
class _Region:
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
        cls, frame: _Frame, box_uv: tuple[float, float, float, float], side: int, step: int = 1
    ) -> _Region:
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
class _Eye:
    frame: _Frame
    hw: float  # half width (corner to corner / 2)
    upper: float  # v of the upper lid at the centre (negative)
    lower: float  # v of the lower lid at the centre (positive)
    reach: float  # how far above the lid the skin still moves
    region: _Region


@dataclass(frozen=True)
class FaceRig:
    """Where the mouth, jaw and eyes are in the presenter square, in the frames the warp uses."""

    side: int
    mouth: _Frame  # origin at the lip contact centre, u along the corners
    hw: float  # mouth half width
    u0: float  # centre between the corners along u
    corner_v: float  # v of the corners (the contact line is a parabola through them)
    mouth_h: float  # closed-mouth height (outer lip edges)
    chin_v: float
    nose_v: float  # subnasal (negative)
    jaw_hw: float  # half width of the jaw
    region: _Region
    eyes: tuple[_Eye, _Eye]

    @classmethod
    def from_points(cls, points: F64, side: int) -> FaceRig:
        """The rig for landmarks ``points`` (478 x 2, pixels of the ``side`` square)."""
        p = points
        centre = (p[LM.LIP_UPPER_INNER] + p[LM.LIP_LOWER_INNER]) / 2.0
        frame = _Frame.along(centre, p[LM.MOUTH_L], p[LM.MOUTH_R])
        cu, cv = frame.to_uv(p[[LM.MOUTH_L, LM.MOUTH_R], 0], p[[LM.MOUTH_L, LM.MOUTH_R], 1])
        hw = max(float(cu[1] - cu[0]) / 2.0, 2.0)
        u0 = float(cu.mean())
        mouth_h = max(_dist(p[LM.LIP_TOP], p[LM.LIP_BOTTOM]), 2.0)
        _, vs = frame.to_uv(p[[LM.CHIN, LM.SUBNASAL], 0], p[[LM.CHIN, LM.SUBNASAL], 1])
        chin_v, nose_v = float(vs[0]), float(vs[1])
        chin_v = max(chin_v, 2.0 * mouth_h)
        nose_v = min(nose_v, -0.5 * mouth_h)
        jaw_hw = max(0.75 * _dist(p[LM.CHEEK_L], p[LM.CHEEK_R]) / 2.0, 1.6 * hw)
        drop = OPEN_GAIN * mouth_h
        box = (
            u0 - 1.5 * jaw_hw,
            nose_v,
            u0 + 1.5 * jaw_hw,
            chin_v * (1.0 + NECK_FALL) + drop + 2.0,
        )
        region = _Region.of(frame, box, side, COARSE_STEP)
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
    def _eye(p: F64, left: int, right: int, upper: int, lower: int, brow: int, side: int) -> _Eye:
        mid = (p[left] + p[right]) / 2.0
        frame = _Frame.along(mid, p[left], p[right])
        hw = max(_dist(p[left], p[right]) / 2.0, 2.0)
        _, vs = frame.to_uv(p[[upper, lower, brow], 0], p[[upper, lower, brow], 1])
        up, lo, br = float(vs[0]), float(vs[1]), float(vs[2])
        up = min(up, -0.5)
        lo = max(lo, up + 1.0)
        opening = lo - up
        reach = min(max(0.5 * (up - br), 1.6 * opening), 2.4 * opening)
        region = _Region.of(frame, (-1.3 * hw, up - reach - 1.0, 1.3 * hw, lo + 2.0), side)
        return _Eye(frame, hw, up, lo, reach, region)


# --- the pose of one frame -----------------------------------------------------------------------
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


def _warp_eye(out: F32, base: F32, eye: _Eye, closure: float) -> None:
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


# --- the presenter -------------------------------------------------------------------------------
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
