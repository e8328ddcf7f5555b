"""Pictures on a slide: the image's type and size from its header; pixels are never decoded."""

from __future__ import annotations

import io
import struct
import warnings

from lxml import etree
from PIL import Image, UnidentifiedImageError
from pptx.oxml.ns import qn
from pptx.slide import Slide

from estudio.models import PictureInfo
from estudio.settings import Limits


def picture_info(
    pic: etree._Element, name: str, slide: Slide, limits: Limits, warnings_out: list[str]
) -> PictureInfo:
    """What a ``p:pic`` shows (type and pixel size from the image header); a problem, if any,
    is recorded on the info and as a warning line in ``warnings_out``."""
    blip = pic.find(f"{qn('p:blipFill')}/{qn('a:blip')}")
    if blip is None:
        warnings_out.append(f"missing_picture: {name!r} has no image data")
        return PictureInfo(shape_name=name, problem="missing_blip")
    embed = blip.get(qn("r:embed"))
    if not embed:
        if blip.get(qn("r:link")):
            warnings_out.append(f"linked_picture: {name!r} links to an outside file")
            return PictureInfo(shape_name=name, problem="linked")
        warnings_out.append(f"missing_picture: {name!r} has no image data")
        return PictureInfo(shape_name=name, problem="missing_blip")
    try:
        part = slide.part.related_part(embed)
    except KeyError:
        warnings_out.append(f"missing_picture: {name!r} points at a missing image")
        return PictureInfo(shape_name=name, problem="missing_part")
    size, bomb = image_size(part.blob)
    if bomb:
        warnings_out.append(f"image_too_large: {name!r} is too many pixels to draw")
        return PictureInfo(shape_name=name, content_type=part.content_type, problem="too_large")
    info = PictureInfo(
        shape_name=name,
        content_type=part.content_type,
        width_px=size[0] if size else None,
        height_px=size[1] if size else None,
    )
    if size and size[0] * size[1] > limits.max_image_pixels:
        warnings_out.append(
            f"image_too_large: {name!r} is {size[0]}x{size[1]} pixels; it may not render"
        )
        return info.model_copy(update={"problem": "too_large"})
    return info


def image_size(blob: bytes) -> tuple[tuple[int, int] | None, bool]:
    """(width, height) from the image header, or None when unreadable; and whether Pillow refused
    it as a decompression bomb. Pixels are never decoded."""
    png = png_size(blob)
    if png:
        return png, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(blob)) as img:
                return (int(img.size[0]), int(img.size[1])), False
    except Image.DecompressionBombError:
        return None, True
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error, EOFError):
        return None, False


def png_size(blob: bytes) -> tuple[int, int] | None:
    if blob[:8] != b"\x89PNG\r\n\x1a\n" or blob[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", blob[16:24])
    return int(width), int(height)


__all__ = ["image_size", "picture_info", "png_size"]
