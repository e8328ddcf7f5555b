from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from estudio.avatar.sprites import (
    EYE_STATES,
    MouthKey,
    PresenterSprites,
    presenter_sprites,
)
from estudio.avatar.timeline import MOUTH_POSES
from estudio.errors import RenderError, UnknownAvatar
from estudio.speech.visemes import ALPHABET, OPENNESS

SIDE = 240


@pytest.fixture(scope="module", params=["ana", "bruno"])
def sprites(request: pytest.FixtureRequest) -> PresenterSprites:
    return PresenterSprites(request.param, SIDE)


def _opening_pixels(rgba: np.ndarray) -> int:
    """Mouth interior drawn: dark cavity or white teeth (premultiplied, opaque pixels)."""
    rgb = rgba[..., :3] * 255
    cavity = (rgb[..., 0] < 100) & (rgb[..., 1] < 50)
    opaque = rgba[..., 3] > 0.9
    return int((opaque & (cavity | (rgb.min(axis=-1) > 225))).sum())


def test_given_each_viseme_when_drawn_then_every_drawing_is_distinct(
    sprites: PresenterSprites,
) -> None:
    patches = {v: sprites.viseme_mouth(v).rgba for v in ALPHABET}
    for a, b in itertools.combinations(ALPHABET, 2):
        diff = np.abs(patches[a] - patches[b]).max()
        assert diff > 0.1, f"{a} and {b} draw the same mouth"


def test_given_visemes_when_drawn_then_the_opening_grows_with_openness(
    sprites: PresenterSprites,
) -> None:
    area = {v: _opening_pixels(sprites.viseme_mouth(v).rgba) for v in ALPHABET}
    assert area["sil"] == 0 and area["PP"] == 0
    assert area["aa"] > area["E"] > area["I"] > area["DD"] > 0
    closed = [v for v in ALPHABET if OPENNESS[v] == 0]
    assert all(area[v] == 0 for v in closed)


def test_given_eye_states_when_drawn_then_less_eye_white_shows_as_they_close(
    sprites: PresenterSprites,
) -> None:
    white = {}
    for state in EYE_STATES:
        rgba = sprites.eyes[state].rgba
        white[state] = int(((rgba[..., :3] > 0.93).all(axis=-1) & (rgba[..., 3] > 0.9)).sum())
    assert white["open"] > white["half"] > white["closed"] == 0


def test_given_a_pose_when_composed_then_the_sprite_is_opaque_at_the_face_and_clear_above(
    sprites: PresenterSprites,
) -> None:
    out = sprites.compose(MouthKey.of(MOUTH_POSES["aa"]), "open", 0, 0, 0)
    assert out.shape == (SIDE, SIDE, 4)
    assert out[int(0.45 * SIDE), SIDE // 2, 3] > 0.99  # the face
    assert out[2, 2, 3] < 0.01  # the corner above the head
    assert out[-1, SIDE // 2, 3] > 0.99  # the torso reaches the bottom edge
    moved = sprites.compose(MouthKey.of(MOUTH_POSES["aa"]), "open", 3, -2, -2)
    assert not np.array_equal(out, moved)


def test_given_a_pose_when_quantized_then_the_key_round_trips_within_a_step() -> None:
    for pose in MOUTH_POSES.values():
        back = MouthKey.of(pose).pose()
        assert abs(back.open - pose.open) <= 0.5 / MouthKey.OPEN_STEPS + 1e-9
        assert abs(back.width - pose.width) <= 0.6 / MouthKey.STEPS
        assert MouthKey.of(back) == MouthKey.of(pose)


def test_given_a_cache_dir_when_drawn_twice_then_the_second_load_reads_the_file(
    tmp_path: Path,
) -> None:
    presenter_sprites.cache_clear()
    first = presenter_sprites("bruno", 96, tmp_path)
    files = list(tmp_path.glob("presenter-bruno-96-*.npz"))
    assert len(files) == 1
    presenter_sprites.cache_clear()
    second = presenter_sprites("bruno", 96, tmp_path)
    assert second is not first
    assert np.allclose(second.head, first.head, atol=2e-3)
    assert np.allclose(second.eyes["half"].rgba, first.eyes["half"].rgba, atol=2e-3)
    presenter_sprites.cache_clear()


def test_given_a_corrupt_cache_file_when_loaded_then_it_is_redrawn(tmp_path: Path) -> None:
    presenter_sprites.cache_clear()
    presenter_sprites("ana", 64, tmp_path)
    (cached,) = tmp_path.glob("*.npz")
    cached.write_bytes(b"not a numpy archive")
    presenter_sprites.cache_clear()
    again = presenter_sprites("ana", 64, tmp_path)
    assert again.head.shape == (64 + 2 * again.margin,) * 2 + (4,)
    presenter_sprites.cache_clear()


def test_given_an_unknown_avatar_or_tiny_size_when_drawn_then_errors() -> None:
    with pytest.raises(UnknownAvatar):
        PresenterSprites("zeca", 128)
    with pytest.raises(RenderError):
        PresenterSprites("ana", 16)
