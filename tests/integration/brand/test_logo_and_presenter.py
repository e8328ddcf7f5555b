"""The logo and the presenter on the real presenter render: asked for the presenter's corner, the
logo moves to the nearest free one, and no frame shows it over the presenter."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from estudio.avatar.bench import synthetic_visemes
from estudio.avatar.render import render_avatar_segment
from estudio.brand import compose
from estudio.brand.model import BrandKit, Logo
from estudio.brand.stage_parts import presenter_area
from estudio.media.ffmpeg import ffmpeg_exe

pytestmark = pytest.mark.slow
W, H, FPS = 1280, 720, 25


def _magenta(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(int)
    return (f[..., 0] > 200) & (f[..., 1] < 70) & (f[..., 2] > 200)


def test_the_logo_never_covers_the_presenter(tmp_path: Path) -> None:
    ffmpeg = ffmpeg_exe()
    slide = io.BytesIO()
    Image.new("RGB", (W, H), (248, 248, 250)).save(slide, format="PNG")
    logo = io.BytesIO()
    Image.new("RGBA", (200, 100), (255, 0, 255, 255)).save(logo, format="PNG")
    # Given a logo asked for the bottom right, where the pip-right presenter stands
    kit = BrandKit(logo=Logo(path="k", corner="bottom-right", width=0.12, margin=0.03))
    area = presenter_area(W, H, "pip-right")
    assert area is not None
    picture = tmp_path / "slide.png"
    picture.write_bytes(compose.compose_slide(slide.getvalue(), kit, 16 / 9, logo.getvalue(), area))
    # When the presenter scene is rendered
    video = tmp_path / "scene.mp4"
    visemes = synthetic_visemes(1.5)
    render_avatar_segment(
        picture, video, visemes, 0.2, 2.0, FPS, "ana", "pip-right", ffmpeg, "libx264"
    )
    raw = subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-i",
            str(video),
            "-vf",
            "select=eq(n\\,25)",
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    frame = np.frombuffer(raw, np.uint8).reshape(H, W, 3)
    mask = _magenta(frame)
    # Then the logo is at the top right, at its margin, and none of it inside the presenter's box
    ys, xs = np.nonzero(mask)
    margin, width = round(0.03 * W), round(0.12 * W)
    assert xs.size > 0
    assert abs(int(xs.max()) + 1 - (W - margin)) <= 2 and abs(int(ys.min()) - margin) <= 2
    assert int(xs.max()) + 1 - int(xs.min()) == pytest.approx(width, abs=3)
    assert not mask[area.y : area.y + area.h, area.x : area.x + area.w].any()
