from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from estudio.avatar.render import (
    LAYOUTS,
    build_stage,
    frame_keys,
    presenter_box,
)
from estudio.avatar.timeline import build_timeline
from estudio.errors import InvalidOptions
from estudio.models import PRESETS, VisemeEvent


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_given_a_layout_and_preset_when_placed_then_the_presenter_fits_the_frame(
    layout: str, preset: str
) -> None:
    p = PRESETS[preset]
    box = presenter_box(p.width, p.height, layout)
    assert box.w == box.h > 0
    assert box.x >= 0 and box.y >= 0
    assert box.x + box.w <= p.width and box.y + box.h <= p.height
    assert box.x % 2 == 0 and box.y % 2 == 0 and box.w % 2 == 0


def test_given_pip_layouts_when_placed_then_a_corner_circle_of_28_percent_height() -> None:
    right = presenter_box(1920, 1080, "pip-right")
    left = presenter_box(1920, 1080, "pip-left")
    assert right.h == pytest.approx(0.28 * 1080, abs=2)
    assert right.x > 1920 / 2 > left.x
    assert right.y == left.y and right.y + right.h > 0.9 * 1080


def test_given_a_slide_when_staged_beside_then_the_slide_takes_70_percent_width() -> None:
    slide = Image.new("RGB", (1920, 1080), (255, 0, 0))
    stage = build_stage(slide, 1920, 1080, "beside", "ana")
    red = (stage.background[..., 0] > 240) & (stage.background[..., 1] < 20)
    cols = np.flatnonzero(red.any(axis=0))
    assert (cols[-1] - cols[0] + 1) == pytest.approx(0.70 * 1920, abs=4)
    assert stage.box.x > cols[-1]  # the presenter stands beside, never over the slide


def test_given_a_slide_when_staged_pip_then_the_slide_stays_untouched_away_from_the_corner() -> (
    None
):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 255, (360, 640, 3), dtype=np.uint8)
    stage = build_stage(Image.fromarray(pixels), 640, 360, "pip-right", "bruno")
    assert np.array_equal(stage.background[:, :400], pixels[:, :400])
    assert stage.mask[stage.box.h // 2, stage.box.w // 2, 0] == pytest.approx(1.0)
    assert stage.mask[0, 0, 0] == pytest.approx(0.0)


def test_given_an_unknown_layout_when_placed_then_invalid_options() -> None:
    with pytest.raises(InvalidOptions):
        presenter_box(1920, 1080, "floating")


def test_given_a_timeline_when_keyed_then_silence_repeats_keys_and_speech_changes_them() -> None:
    shapes = ["aa", "E", "O", "I", "U", "sil"]
    visemes = [VisemeEvent(time_s=t / 10, viseme=v) for t, v in enumerate(shapes)]
    tl = build_timeline(visemes, 2.0, 4.0, 25, seed=1)
    keys = frame_keys(tl, 302)
    assert len(keys) == 100
    idle = len(set(keys[:45]))
    talking = len(set(keys[50:65]))
    assert idle < 15  # the idle head moves slowly: few distinct drawings
    assert talking >= 8  # speech changes the mouth almost every frame
