"""Where the talking photo's face comes from: the avatar id, the photo file and the landmark worker.

The I/O half of the talking photo. ``photo:<path>`` ids name a portrait (``is_photo_avatar``,
``photo_path``); ``load_photo`` reads it with Pillow (EXIF orientation applied, downscaled to at
most ``WORK_SIDE``) and ``photo_landmarks`` hands it, as a PNG, to ``face_landmarks_worker.py``
running under the separate face environment's interpreter (``find_face_python``: an argument,
the edge reads ``ESTUDIO_FACE_PYTHON``; without one, the project's ``.venv-face`` when present).
Answers are cached by the photo's hash, in memory and in ``cache_dir``.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from estudio.avatar.face_landmarks import Landmarks
from estudio.errors import (
    InvalidOptions,
    InvalidPhoto,
    RenderError,
    StageTimeout,
    ToolMissing,
)
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
