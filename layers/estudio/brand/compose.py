"""Pictures of the brand kit (Pillow, pure apart from reading fonts): the slide with its template
and logo, and the generated intro/outro cards. Composed once per distinct slide image, so the
scene render (and its cache by content hash) sees one ready picture, like any slide."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from estudio.brand.model import BrandKit, Card, Corner, Logo, TemplateName

DEFAULT_FONT = Path("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf")
FALLBACK_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@dataclass(frozen=True, slots=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )


@dataclass(frozen=True, slots=True)
class Look:
    """A scene template: what shows around the slide."""

    top: str  # background gradient, top colour ("primary" uses the kit's)
    bottom: str
    margin: float  # share of the frame height kept around the slide
    border: float  # frame line width, share of the height (0: none)
    strip: bool  # an accent strip along the bottom edge


TEMPLATES: dict[str, Look] = {
    "modern": Look("#1F2937", "#111827", 0.05, 0.0, True),
    "corporate": Look("primary", "primary", 0.04, 0.004, False),
    "tech": Look("#0F172A", "#1E3A8A", 0.05, 0.003, True),
    "education": Look("#FEF3C7", "#FDE68A", 0.05, 0.006, False),
    "minimal": Look("#F5F5F5", "#F5F5F5", 0.03, 0.0, False),
}


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def _gradient(width: int, height: int, top: str, bottom: str) -> Image.Image:
    a, b = np.array(rgb(top), np.float32), np.array(rgb(bottom), np.float32)
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    column = (a * (1 - t) + b * t).astype(np.uint8)
    return Image.fromarray(np.repeat(column[:, None, :], width, axis=1), "RGB")


def background(template: TemplateName, kit: BrandKit, width: int, height: int) -> Image.Image:
    look = TEMPLATES.get(template, TEMPLATES["corporate"])
    top = kit.colors.primary if look.top == "primary" else look.top
    bottom = kit.colors.primary if look.bottom == "primary" else look.bottom
    return _gradient(width, height, top, bottom)


def fitted(aspect: float, width: int, height: int) -> Box:
    """The slide's rectangle on the canvas, as the rasteriser letterboxes it."""
    w = min(width, round(height * aspect))
    h = min(height, round(width / aspect))
    return Box((width - w) // 2, (height - h) // 2, w, h)


def apply_template(slide: Image.Image, kit: BrandKit, aspect: float) -> Image.Image:
    """The slide inside the template: its own area cut out of the letterboxed canvas, set on the
    template's background with a margin, a frame line and the accent strip."""
    if kit.template == "none":
        return slide
    width, height = slide.size
    look = TEMPLATES[kit.template]
    area = fitted(aspect, width, height)
    page = slide.crop((area.x, area.y, area.x + area.w, area.y + area.h))
    margin = round(look.margin * height)
    inner = fitted(aspect, width - 2 * margin, height - 2 * margin)
    canvas = background(kit.template, kit, width, height)
    x, y = inner.x + margin, inner.y + margin
    canvas.paste(page.resize((inner.w, inner.h), Image.Resampling.LANCZOS), (x, y))
    draw = ImageDraw.Draw(canvas)
    accent = rgb(kit.colors.accent or kit.colors.primary)
    if look.border > 0:
        line = max(1, round(look.border * height))
        draw.rectangle(
            (x - line, y - line, x + inner.w + line - 1, y + inner.h + line - 1),
            outline=accent,
            width=line,
        )
    if look.strip:
        draw.rectangle((0, height - max(2, round(0.008 * height)), width, height), fill=accent)
    return canvas


def logo_box(logo: Logo, size: tuple[int, int], width: int, height: int, corner: Corner) -> Box:
    w = max(2, round(logo.width * width))
    h = max(2, round(w * size[1] / size[0]))
    m = round(logo.margin * width)
    x = m if corner.endswith("left") else width - m - w
    y = m if corner.startswith("top") else height - m - h
    return Box(x, y, w, h)


def logo_corner(
    logo: Logo, size: tuple[int, int], width: int, height: int, avoid: Box | None
) -> Corner:
    """The asked corner, or the nearest one clear of the presenter (same side first)."""
    order: list[Corner] = [logo.corner]
    vertical = "top" if logo.corner.startswith("bottom") else "bottom"
    horizontal = "left" if logo.corner.endswith("right") else "right"
    side_v, side_h = logo.corner.split("-")
    order += [f"{vertical}-{side_h}", f"{side_v}-{horizontal}", f"{vertical}-{horizontal}"]  # type: ignore[list-item]
    for corner in order:
        if avoid is None or not logo_box(logo, size, width, height, corner).overlaps(avoid):
            return corner
    return order[-1]


def draw_logo(canvas: Image.Image, logo: Logo, logo_png: bytes, avoid: Box | None) -> Box:
    """Alpha-composite the logo at its corner (clear of ``avoid``); returns where it went."""
    with Image.open(io.BytesIO(logo_png)) as img:
        mark = img.convert("RGBA")
    width, height = canvas.size
    corner = logo_corner(logo, mark.size, width, height, avoid)
    box = logo_box(logo, mark.size, width, height, corner)
    mark = mark.resize((box.w, box.h), Image.Resampling.LANCZOS)
    base = canvas.convert("RGBA")
    base.alpha_composite(mark, (box.x, box.y))
    canvas.paste(base.convert("RGB"))
    return box


def compose_slide(
    slide_png: bytes,
    kit: BrandKit,
    aspect: float,
    logo_png: bytes | None,
    avoid: Box | None = None,
) -> bytes:
    """The slide as the scene render should show it: template, then logo."""
    with Image.open(io.BytesIO(slide_png)) as img:
        slide = img.convert("RGB")
    canvas = apply_template(slide, kit, aspect)
    if kit.logo is not None and logo_png is not None:
        draw_logo(canvas, kit.logo, logo_png, avoid)
    return _png(canvas)


def _font(font_file: Path | None, size: int) -> ImageFont.FreeTypeFont:
    for candidate in (font_file, DEFAULT_FONT, FALLBACK_FONT):
        if candidate is not None and candidate.is_file():
            return ImageFont.truetype(str(candidate), size)
    return ImageFont.load_default(size)  # type: ignore[return-value]


def _fit_text(
    draw: ImageDraw.ImageDraw, text: str, font_file: Path | None, size: int, max_w: int
) -> ImageFont.FreeTypeFont:
    font = _font(font_file, size)
    while size > 12 and draw.textlength(text, font=font) > max_w:
        size = round(size * 0.9)
        font = _font(font_file, size)
    return font


def card_image(
    card: Card,
    kit: BrandKit,
    title: str,
    width: int,
    height: int,
    font_file: Path | None,
    logo_png: bytes | None,
) -> bytes:
    """A generated intro/outro card: the primary colour (or the template's background), the title
    large and centred, the subtitle under an accent rule, the logo at its corner."""
    if kit.template == "none":
        canvas = Image.new("RGB", (width, height), rgb(kit.colors.primary))
    else:
        canvas = background(kit.template, kit, width, height)
    draw = ImageDraw.Draw(canvas)
    text = rgb(kit.colors.text)
    max_w = round(0.84 * width)
    title_font = _fit_text(draw, title, font_file, round(0.09 * min(height, width * 9 / 16)), max_w)
    cx, cy = width / 2, height / 2
    draw.text((cx, cy - 0.03 * height), title, font=title_font, fill=text, anchor="ms")
    rule_w = round(0.18 * width)
    accent = rgb(kit.colors.accent or kit.colors.text)
    draw.rectangle(
        (cx - rule_w / 2, cy, cx + rule_w / 2, cy + max(2, round(0.006 * height))), fill=accent
    )
    if card.subtitle:
        sub_font = _fit_text(
            draw, card.subtitle, font_file, round(0.045 * min(height, width * 9 / 16)), max_w
        )
        draw.text((cx, cy + 0.05 * height), card.subtitle, font=sub_font, fill=text, anchor="ma")
    if kit.logo is not None and logo_png is not None and kit.logo.on_cards:
        draw_logo(canvas, kit.logo, logo_png, None)
    return _png(canvas)
