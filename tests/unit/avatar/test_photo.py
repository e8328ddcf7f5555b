"""The talking photo without MediaPipe: the warp, the checks and the keys on synthetic faces."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from estudio.avatar import face_landmarks_worker
from estudio.avatar.face_landmarks import LM, Landmarks, check_face
from estudio.avatar.face_rig import FaceRig, crop_face
from estudio.avatar.face_warp import REST, PhotoKey, photo_keys, warp_face
from estudio.avatar.photo_source import (
    WORK_SIDE,
    find_face_python,
    is_photo_avatar,
    load_photo,
    photo_path,
)
from estudio.avatar.timeline import build_timeline
from estudio.errors import InvalidOptions, InvalidPhoto, ToolMissing
from estudio.models import VisemeEvent

SIDE = 256
SKIN = (0.82, 0.62, 0.52)


def synthetic_points() -> np.ndarray:
    """A frontal face in a 256 px square: every landmark the rig reads, the rest at the nose."""
    p = np.tile([128.0, 130.0], (LM.COUNT, 1))
    named = {
        LM.FOREHEAD: (128, 60),
        LM.CHIN: (128, 190),
        LM.CHEEK_L: (70, 120),
        LM.CHEEK_R: (186, 120),
        LM.NOSE_TIP: (128, 130),
        LM.SUBNASAL: (128, 140),
        LM.MOUTH_L: (106, 158),
        LM.MOUTH_R: (150, 158),
        LM.LIP_TOP: (128, 152),
        LM.LIP_UPPER_INNER: (128, 158),
        LM.LIP_LOWER_INNER: (128, 158),
        LM.LIP_BOTTOM: (128, 166),
        LM.EYE_L_OUTER: (86, 100),
        LM.EYE_L_INNER: (114, 100),
        LM.EYE_L_UPPER: (100, 94),
        LM.EYE_L_LOWER: (100, 106),
        LM.BROW_L: (100, 80),
        LM.EYE_R_INNER: (142, 100),
        LM.EYE_R_OUTER: (170, 100),
        LM.EYE_R_UPPER: (156, 94),
        LM.EYE_R_LOWER: (156, 106),
        LM.BROW_R: (156, 80),
    }
    for index, xy in named.items():
        p[index] = xy
    return p


def synthetic_face() -> np.ndarray:
    """Skin with texture, red = x / side (to see sideways moves), dark irises and a chin line."""
    rng = np.random.default_rng(3)
    img = np.empty((SIDE, SIDE, 3), dtype=np.float32)
    img[...] = SKIN
    img += rng.uniform(-0.05, 0.05, img.shape).astype(np.float32)
    img[..., 0] = np.linspace(0.3, 0.95, SIDE, dtype=np.float32)[None, :]
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    for cx in (100, 156):
        img[(xx - cx) ** 2 + (yy - 100) ** 2 <= 25] = (0.1, 0.08, 0.06)
    img[189:192, 112:145] = (0.15, 0.1, 0.1)  # a dark line along the chin
    return img


@pytest.fixture(scope="module")
def rig() -> FaceRig:
    return FaceRig.from_points(synthetic_points(), SIDE)


@pytest.fixture(scope="module")
def face() -> np.ndarray:
    return synthetic_face()


def _touched(rig: FaceRig) -> np.ndarray:
    """Pixels inside any warp region's rectangle."""
    mask = np.zeros((SIDE, SIDE), dtype=bool)
    for g in (rig.region, *(eye.region for eye in rig.eyes)):
        mask[g.y0 : g.y1, g.x0 : g.x1] = True
    return mask


def _key(
    open_: float = 0.0, width: float = 1.0, teeth: float = 0.0, blink: float = 0.0
) -> PhotoKey:
    return PhotoKey.of(open_, width, 0.0, teeth, blink)


# --- the warp ------------------------------------------------------------------------------------
def test_given_the_rest_pose_when_warped_then_the_photo_is_unchanged(
    rig: FaceRig, face: np.ndarray
) -> None:
    assert np.array_equal(warp_face(face, rig, REST), face)


def test_given_an_open_mouth_when_warped_then_only_the_mouth_and_jaw_region_changes(
    rig: FaceRig, face: np.ndarray
) -> None:
    out = warp_face(face, rig, _key(open_=1.0))
    diff = np.abs(out - face).max(axis=2)
    assert diff[150:200, 100:156].mean() > 0.05
    assert np.array_equal(out[~_touched(rig)], face[~_touched(rig)])
    assert np.array_equal(out[:140], face[:140])  # nothing above the nose moves


def test_given_more_openness_when_warped_then_the_mouth_changes_more(
    rig: FaceRig, face: np.ndarray
) -> None:
    changes = [
        float(np.abs(warp_face(face, rig, _key(open_=o)) - face)[150:200, 100:156].mean())
        for o in (0.25, 0.5, 1.0)
    ]
    assert changes[0] < changes[1] < changes[2]


def test_given_an_open_mouth_when_warped_then_the_gap_is_dark_and_the_chin_drops(
    rig: FaceRig, face: np.ndarray
) -> None:
    out = warp_face(face, rig, _key(open_=1.0))
    drop = 0.9 * 14  # OPEN_GAIN x the closed mouth's height (lip top 152 to bottom 166)
    gap_centre = round(158 + drop / 2)
    assert (out[gap_centre, 126:131] < 0.4).all()
    assert (face[gap_centre, 126:131, 1] > 0.5).all()
    chin_row = int(np.argmin(out[170:235, 128, 1])) + 170
    assert abs(chin_row - (190 + drop)) <= 3


def test_given_teeth_when_the_mouth_opens_then_a_light_band_shows_under_the_upper_lip(
    rig: FaceRig, face: np.ndarray
) -> None:
    plain = warp_face(face, rig, _key(open_=1.0, teeth=0.0))
    teeth = warp_face(face, rig, _key(open_=1.0, teeth=1.0))
    band = slice(156, 161)
    assert teeth[band, 124:133].mean() > plain[band, 124:133].mean() + 0.1


def test_given_rounded_and_spread_lips_when_warped_then_the_corners_move_in_and_out(
    rig: FaceRig, face: np.ndarray
) -> None:
    narrow = warp_face(face, rig, _key(width=0.66))
    wide = warp_face(face, rig, _key(width=1.18))
    # red grows with x: a corner pulled inwards shows redder (farther) skin, pushed out less red
    corner = (slice(156, 161), slice(146, 151), 0)
    assert narrow[corner].mean() > face[corner].mean() + 0.005
    assert wide[corner].mean() < face[corner].mean() - 0.005
    left = (slice(156, 161), slice(105, 110), 0)
    assert narrow[left].mean() < face[left].mean() - 0.005


def test_given_a_blink_when_warped_then_the_lids_cover_the_irises_and_the_mouth_stays(
    rig: FaceRig, face: np.ndarray
) -> None:
    closed = warp_face(face, rig, _key(blink=1.0))
    half = warp_face(face, rig, _key(blink=0.5))
    for cx in (100, 156):
        assert closed[100, cx].mean() > face[100, cx].mean() + 0.2
    assert np.array_equal(half[104:106, 98:103], face[104:106, 98:103])  # below the half lid
    assert np.array_equal(closed[120:], face[120:])


# --- keys ----------------------------------------------------------------------------------------
def test_given_the_neutral_width_when_quantized_then_the_key_is_the_identity_pose() -> None:
    assert REST.openness == 0.0
    assert REST.width_scale == pytest.approx(1.0)
    assert REST.closure == 0.0
    key = PhotoKey.of(2.0, 0.1, 0.5, 1.0, 1.0)  # out of range values clamp
    assert (key.openness, key.width_scale, key.roundness, key.teeth_share, key.closure) == (
        1.0,
        pytest.approx(0.6),
        0.5,
        1.0,
        1.0,
    )


def test_given_a_timeline_when_keyed_then_one_key_per_frame_and_speech_opens_the_mouth() -> None:
    visemes = [
        VisemeEvent(time_s=0.0, viseme="aa"),
        VisemeEvent(time_s=0.3, viseme="O"),
        VisemeEvent(time_s=0.6, viseme="sil"),
    ]
    timeline = build_timeline(visemes, 0.2, 1.2, 25)
    keys = photo_keys(timeline)
    assert len(keys) == 30
    assert keys[0].open == 0
    assert max(k.open for k in keys[5:20]) >= 12
    assert min(k.width_scale for k in keys[12:20]) < 0.95  # the rounded O


# --- checks --------------------------------------------------------------------------------------
def _landmarks(*faces: np.ndarray) -> Landmarks:
    return Landmarks(width=SIDE, height=SIDE, faces=tuple(faces))


def _rotated(points: np.ndarray, degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    centre = np.array([128.0, 128.0])
    return (points - centre) @ rot.T + centre


def test_given_a_frontal_face_when_checked_then_its_points_come_back() -> None:
    points = synthetic_points()
    assert np.array_equal(check_face(_landmarks(points)), points)
    assert check_face(_landmarks(_rotated(points, 8.0))) is not None


def _profile(p: np.ndarray) -> np.ndarray:
    p[LM.NOSE_TIP] = (84, 130)
    return p


def _open_mouth(p: np.ndarray) -> np.ndarray:
    p[LM.LIP_LOWER_INNER] = (128, 166)
    return p


@pytest.mark.parametrize(
    ("faces", "reason"),
    [
        ((), "no face"),
        ((synthetic_points(), synthetic_points() + 3), "2 faces"),
        ((128 + (synthetic_points() - 128) * 0.5,), "too small"),
        ((_rotated(synthetic_points(), 30.0),), "tilted 30°"),
        ((_profile(synthetic_points()),), "turned to the side"),
        ((_open_mouth(synthetic_points()),), "mouth is open"),
        ((synthetic_points() - (0, 80),), "cut off"),
    ],
    ids=["none", "two", "small", "tilted", "profile", "open-mouth", "cut-off"],
)
def test_given_an_unusable_face_when_checked_then_invalid_photo_says_why(
    faces: tuple[np.ndarray, ...], reason: str
) -> None:
    with pytest.raises(InvalidPhoto, match=reason) as info:
        check_face(_landmarks(*faces))
    assert "\n" not in info.value.message
    assert info.value.code == "invalid_photo"


# --- the avatar id, the environment and the photo file ----------------------------------------
def test_given_photo_ids_when_parsed_then_the_path_comes_back_and_others_are_not_photos() -> None:
    assert is_photo_avatar("photo:/tmp/me.jpg")
    assert not is_photo_avatar("ana")
    assert photo_path("photo:/tmp/me.jpg") == Path("/tmp/me.jpg")
    with pytest.raises(InvalidOptions):
        photo_path("photo:")


def test_given_a_missing_interpreter_when_looked_up_then_tool_missing(tmp_path: Path) -> None:
    with pytest.raises(ToolMissing, match="not found"):
        find_face_python(tmp_path / "no-python")


def test_given_files_that_are_not_photos_when_loaded_then_invalid_photo(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("not an image", encoding="utf-8")
    with pytest.raises(InvalidPhoto, match="not a readable image"):
        load_photo(text)
    with pytest.raises(InvalidPhoto, match="cannot read"):
        load_photo(tmp_path / "missing.jpg")
    big = tmp_path / "big.png"
    Image.new("RGB", (64, 64)).save(big)
    with pytest.raises(InvalidPhoto, match="too large"):
        load_photo(big, max_bytes=10)
    with pytest.raises(InvalidPhoto, match="too large"):
        load_photo(big, max_pixels=1000)


def test_given_a_large_rotated_jpeg_when_loaded_then_upright_and_reduced(tmp_path: Path) -> None:
    img = Image.new("RGB", (2400, 1200), (200, 200, 200))
    ImageDraw.Draw(img).rectangle((0, 0, 300, 300), fill=(255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    path = tmp_path / "portrait.jpg"
    img.save(path, exif=exif)
    photo = load_photo(path)
    assert photo.size == (WORK_SIDE // 2, WORK_SIDE)
    red = np.asarray(photo)[10, photo.width - 10, 0]
    assert red > 200  # the red corner is now top right


def test_given_a_photo_when_cropped_then_landmarks_follow_the_pixels() -> None:
    photo = Image.new("RGB", (600, 500), (120, 120, 120))
    points = synthetic_points() * 1.5 + (100, 40)
    mouth = points[LM.MOUTH_R]
    ImageDraw.Draw(photo).ellipse(
        (mouth[0] - 4, mouth[1] - 4, mouth[0] + 4, mouth[1] + 4), fill=(255, 0, 0)
    )
    square, moved = crop_face(photo, points, 300)
    assert square.shape == (300, 300, 3)
    x, y = (round(c) for c in moved[LM.MOUTH_R])
    assert square[y, x, 0] > 0.8 and square[y, x, 1] < 0.3
    face_h = float(np.hypot(*(moved[LM.FOREHEAD] - moved[LM.CHIN])))
    assert face_h == pytest.approx(0.44 * 300, rel=0.02)


# --- the worker's protocol -----------------------------------------------------------------------
def test_given_wrong_arguments_when_the_worker_runs_then_it_answers_a_json_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert face_landmarks_worker.main(["worker"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer == {"ok": False, "kind": "usage", "error": answer["error"]}


def test_given_no_mediapipe_when_the_worker_runs_then_it_answers_a_tool_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    try:
        import mediapipe  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("MediaPipe is importable here: the main environment must not carry it")
    image = tmp_path / "x.png"
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="PNG")
    image.write_bytes(buf.getvalue())
    assert face_landmarks_worker.main(["worker", str(image)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["ok"] is False and answer["kind"] == "tool"
