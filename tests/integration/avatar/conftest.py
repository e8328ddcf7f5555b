"""Shared helpers: a slide to draw on, ffmpeg, and reading rendered pixels back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from estudio.media.ffmpeg import ffmpeg_exe


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    return ffmpeg_exe()


@pytest.fixture(scope="session")
def ffprobe() -> str:
    exe = shutil.which("ffprobe")
    if exe is None:
        pytest.skip("ffprobe is not installed")
    return exe


def make_slide(path: Path, width: int, height: int) -> Path:
    """A slide-like picture: title bar, text lines, a photo-ish block."""
    img = Image.new("RGB", (width, height), (248, 248, 250))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, width, height // 6), fill=(20, 60, 130))
    for i in range(5):
        y = height // 4 + i * height // 9
        d.rectangle((width // 14, y, width // 2, y + height // 36), fill=(60, 60, 70))
    d.ellipse((int(width * 0.6), height // 4, int(width * 0.8), height // 2), fill=(230, 120, 40))
    img.save(path)
    return path


def read_frames(
    ffmpeg: str, video: Path, crop: tuple[int, int, int, int] | None = None
) -> np.ndarray:
    """Decode ``video`` (optionally cropped to x, y, w, h) into (frames, h, w, 3) uint8."""
    probe = subprocess.run(
        [ffmpeg, "-hide_banner", "-i", str(video)], capture_output=True, text=True, check=False
    )
    size = next(
        tok.rstrip(",")
        for line in probe.stderr.splitlines()
        if "Video:" in line
        for tok in line.split()
        if "x" in tok and tok.rstrip(",").replace("x", "").isdigit()
    )
    w, h = (int(v) for v in size.split("x"))
    vf: list[str] = []
    if crop is not None:
        x, y, w, h = crop
        vf = ["-vf", f"crop={w}:{h}:{x}:{y}"]
    raw = subprocess.run(
        [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            str(video),
            *vf,
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "pipe:1",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, h, w, 3)
