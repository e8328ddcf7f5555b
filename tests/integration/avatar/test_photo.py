"""The talking photo with MediaPipe in the face environment (skipped when it is not set up).

The portrait is matplotlib's ``grace_hopper.jpg`` sample, which the face environment carries.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from estudio.avatar import presenter_box, render_avatar_segment, synthetic_visemes
from estudio.avatar.face_landmarks import LM, check_face
from estudio.avatar.face_warp import PhotoKey
from estudio.avatar.photo import prepare_photo
from estudio.avatar.photo_source import find_face_python, load_photo, photo_landmarks, run_worker
from estudio.errors import InvalidPhoto, ToolMissing

from .conftest import make_slide, read_frames


@pytest.fixture(scope="module")
def face_python() -> Path:
    try:
        return find_face_python(os.environ.get("ESTUDIO_FACE_PYTHON"))
    except ToolMissing as e:
        pytest.skip(f"no face environment ({e.message})")


@pytest.fixture(scope="module")
def portrait(face_python: Path) -> Path:
    env = face_python.parent.parent
    found = sorted(env.glob("lib/python3*/site-packages/matplotlib/mpl-data/sample_data/grace_*"))
    if not found:
        pytest.skip("the face environment has no matplotlib sample portrait")
    return found[0]


@pytest.fixture(scope="module")
def photo(portrait: Path) -> Image.Image:
    return load_photo(portrait)


def _refusal(img: Image.Image, face_python: Path) -> str:
    with pytest.raises(InvalidPhoto) as info:
        check_face(photo_landmarks(img, face_python))
    return info.value.message


def test_given_the_main_interpreter_when_the_worker_runs_then_tool_missing(
    tmp_path: Path,
) -> None:
    image = tmp_path / "x.png"
    Image.new("RGB", (16, 16)).save(image)
    with pytest.raises(ToolMissing, match="MediaPipe"):
        run_worker(image, Path(sys.executable), timeout_s=60)


def test_given_a_portrait_when_landmarked_then_one_frontal_face_with_478_points(
    photo: Image.Image, face_python: Path
) -> None:
    landmarks = photo_landmarks(photo, face_python)
    assert (landmarks.width, landmarks.height) == photo.size
    points = check_face(landmarks)
    assert points.shape == (478, 2)
    eyes_y = (points[LM.EYE_L_UPPER, 1] + points[LM.EYE_R_UPPER, 1]) / 2
    assert eyes_y < points[LM.NOSE_TIP, 1] < points[LM.LIP_UPPER_INNER, 1] < points[LM.CHIN, 1]
    assert points[LM.MOUTH_L, 0] < points[LM.NOSE_TIP, 0] < points[LM.MOUTH_R, 0]
    assert 0.0 < landmarks.seconds < 5.0


def test_given_a_blank_picture_when_checked_then_no_face(face_python: Path) -> None:
    assert "no face" in _refusal(Image.new("RGB", (480, 360), (210, 210, 205)), face_python)


def test_given_the_portrait_tiled_twice_when_checked_then_two_faces(
    photo: Image.Image, face_python: Path
) -> None:
    two = Image.new("RGB", (photo.width * 2, photo.height))
    two.paste(photo, (0, 0))
    two.paste(photo, (photo.width, 0))
    assert "2 faces" in _refusal(two, face_python)


def test_given_a_tilted_portrait_when_checked_then_refused(
    photo: Image.Image, face_python: Path
) -> None:
    tilted = photo.rotate(35, Image.Resampling.BICUBIC, expand=True, fillcolor=(128, 128, 128))
    assert "tilted" in _refusal(tilted, face_python)


def test_given_a_small_face_when_checked_then_refused(
    photo: Image.Image, face_python: Path
) -> None:
    canvas = Image.new("RGB", photo.size, (90, 110, 140))
    canvas.paste(photo.resize((photo.width * 9 // 20, photo.height * 9 // 20)), (60, 60))
    assert "too small" in _refusal(canvas, face_python)


def test_given_our_warp_opens_the_mouth_when_landmarked_then_mediapipe_sees_it_open(
    portrait: Path, face_python: Path
) -> None:
    presenter = prepare_photo(portrait, 512, face_python)
    gaps = []
    for openness in (0.5, 1.0):
        warped = presenter.render(PhotoKey.of(openness, 1.05, 0.0, 0.0, 0.0))
        image = Image.fromarray((warped * 255.0 + 0.5).astype(np.uint8))
        landmarks = photo_landmarks(image, face_python)
        p = landmarks.faces[0]
        gaps.append(
            float(np.hypot(*(p[LM.LIP_UPPER_INNER] - p[LM.LIP_LOWER_INNER])))
            / float(np.hypot(*(p[LM.MOUTH_L] - p[LM.MOUTH_R])))
        )
        with pytest.raises(InvalidPhoto, match="mouth is open"):
            check_face(landmarks)
    assert 0.12 < gaps[0] < gaps[1]


@pytest.mark.slow
def test_given_a_photo_avatar_when_a_segment_renders_then_the_face_talks_in_its_circle(
    portrait: Path, face_python: Path, ffmpeg: str, tmp_path: Path
) -> None:
    width, height, fps, duration = 640, 360, 25, 1.6
    slide = make_slide(tmp_path / "slide.png", width, height)
    out = tmp_path / "photo.mp4"
    stats = render_avatar_segment(
        slide,
        out,
        synthetic_visemes(duration - 0.3),
        0.2,
        duration,
        fps,
        f"photo:{portrait}",
        "pip-left",
        ffmpeg,
        "libx264",
        face_python=str(face_python),
        cache_dir=tmp_path / "cache",
    )
    assert stats.frames == 40
    assert 1 < stats.distinct_frames < 40
    assert list((tmp_path / "cache").glob("face-*.json"))
    frames = read_frames(ffmpeg, out).astype(np.float32)
    assert frames.shape == (40, height, width, 3)
    box = presenter_box(width, height, "pip-left")
    inside = frames[:, box.y : box.y + box.h, box.x : box.x + box.w]
    # the mouth area (lower middle of the circle) moves, the slide beside it does not
    mouth = inside[:, box.h // 2 : box.h * 3 // 4, box.w // 3 : box.w * 2 // 3]
    assert float(np.abs(mouth - mouth[0]).max(axis=(1, 2, 3)).max()) > 60.0
    slide_part = frames[:, : box.y - 4]
    assert float(np.abs(slide_part - slide_part[0]).mean()) < 1.0
    # the photo shows inside the round frame, where the slide was
    with Image.open(slide) as img:
        under = np.asarray(img.convert("RGB"), dtype=np.float32)[
            box.y + box.h // 2, box.x + box.w // 2
        ]
    assert float(np.abs(inside[0, box.h // 2, box.w // 2] - under).max()) > 20.0
