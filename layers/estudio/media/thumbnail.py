"""The video's thumbnail: a slide image scaled to ``width`` (aspect kept), as JPEG."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from estudio.errors import RenderError

JPEG_QUALITY = 85


def make_thumbnail(image: Path, out: Path, width: int = 1280) -> None:
    """Write ``image`` scaled to ``width`` pixels wide (never enlarged) as a JPEG at ``out``."""
    if width <= 0:
        raise RenderError(f"thumbnail width must be positive, got {width}")
    try:
        with Image.open(image) as img:
            rgb = img.convert("RGB")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as e:
        raise RenderError(f"cannot read thumbnail source {image.name}: {e}") from e
    if rgb.width > width:
        height = max(1, round(rgb.height * width / rgb.width))
        rgb = rgb.resize((width, height), Image.Resampling.LANCZOS)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    rgb.save(tmp, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    os.replace(tmp, out)
