"""Caption style from the brand kit: the burned-in ASS style line and the WebVTT position hint."""

from __future__ import annotations

import re

from estudio.brand.model import CaptionStyle
from estudio.speech.captions import ass_font_size

TOP_LINE = "line:8%"  # WebVTT cue setting: the cue box near the top of the picture


def ass_color(color: str, alpha: int = 0) -> str:
    """``#RRGGBB`` as ASS ``&HAABBGGRR`` (alpha 0 opaque, 255 transparent)."""
    r, g, b = color[1:3], color[3:5], color[5:7]
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def style_line(style: CaptionStyle, family: str, width: int, height: int) -> str:
    """The ``Style: Default`` line for libass: colour, box or outline, top or bottom, size."""
    size = max(12, round(ass_font_size(width, height) * style.size))
    margin_v, margin_h = round(height * 0.05), round(width * 0.05)
    alignment = 8 if style.position == "top" else 2
    if style.box is not None:  # BorderStyle 3: an opaque box in the outline colour
        border, outline_color, outline = 3, ass_color(style.box, 0x20), max(2, round(size * 0.18))
    else:
        border, outline_color, outline = 1, ass_color(style.outline), max(1, round(size * 0.08))
    return (
        f"Style: Default,{family},{size},{ass_color(style.color)},{ass_color(style.color)},"
        f"{outline_color},{ass_color('#000000', 0x80)},0,0,0,0,100,100,0,0,{border},{outline},"
        f"{1 if border == 1 else 0},{alignment},{margin_h},{margin_h},{margin_v},1"
    )


def restyle_ass(ass: str, style: CaptionStyle, family: str, width: int, height: int) -> str:
    """``ass`` (from ``estudio.speech.captions.to_ass``) with its default style replaced."""
    line = style_line(style, family, width, height)
    return re.sub(r"^Style: Default,.*$", lambda _: line, ass, count=1, flags=re.MULTILINE)


def vtt_with_position(vtt: str, style: CaptionStyle) -> str:
    """Top captions: every cue's timing line carries ``line:8%`` (bottom is the default)."""
    if style.position != "top":
        return vtt
    return re.sub(r"^(\d[\d:.]* --> \d[\d:.]*)$", rf"\1 {TOP_LINE}", vtt, flags=re.MULTILINE)
