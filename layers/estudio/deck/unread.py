"""Slide text that python-pptx does not list as shape text (item "nothing unread", ADR 11):

* SmartArt: the text of the diagram's data part (``dgm:dataModel``), node by node, in order;
* ``mc:AlternateContent`` blocks (ink, equations, add-ins): the text of their fallback shapes;
* pictures' alt text (``p:cNvPr/@descr``), as a last resort for a slide with no other text.

Hidden shapes (``p:cNvPr hidden="1"``) are never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from pptx.slide import Slide

NS = {
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "dgm": "http://schemas.openxmlformats.org/drawingml/2006/diagram",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
URI_DIAGRAM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
MAX_DIAGRAM_BYTES = 4 * 1024 * 1024
_SPACE = re.compile(r"\s+")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass(frozen=True)
class TextBlock:
    top: int | None
    left: int | None
    lines: list[str]
    source: str  # "smartart" | "fallback"


def _text(para: etree._Element) -> str:
    return _SPACE.sub(" ", "".join(t.text or "" for t in para.iter(f"{{{NS['a']}}}t"))).strip()


def shape_hidden(elm: etree._Element) -> bool:
    """Whether the shape is marked hidden (``p:cNvPr hidden="1"``)."""
    c_nv_pr = elm.find("./*/p:cNvPr", NS)
    return c_nv_pr is not None and c_nv_pr.get("hidden") in ("1", "true")


def _offset(frame: etree._Element) -> tuple[int | None, int | None]:
    off = frame.find("./p:xfrm/a:off", NS)
    if off is None:
        off = frame.find("./p:spPr/a:xfrm/a:off", NS)
    if off is None:
        return None, None
    try:
        return int(off.get("y") or 0), int(off.get("x") or 0)
    except ValueError:
        return None, None


def smartart_blocks(slide: Slide) -> list[TextBlock]:
    """Each visible SmartArt's node text, from its data part."""
    blocks: list[TextBlock] = []
    tree = slide._element.find("./p:cSld/p:spTree", NS)
    if tree is None:
        return blocks
    for frame in tree.iter(f"{{{NS['p']}}}graphicFrame"):
        data = frame.find("./a:graphic/a:graphicData", NS)
        if data is None or data.get("uri") != URI_DIAGRAM or shape_hidden(frame):
            continue
        rel_ids = data.find("dgm:relIds", NS)
        rid = rel_ids.get(f"{{{NS['r']}}}dm") if rel_ids is not None else None
        if not rid or rid not in slide.part.rels:
            continue
        rel = slide.part.rels[rid]
        if rel.is_external:
            continue
        blob = rel.target_part.blob
        if len(blob) > MAX_DIAGRAM_BYTES:
            continue
        model = etree.fromstring(blob, _PARSER)
        lines: list[str] = []
        for point in model.iterfind("./dgm:ptLst/dgm:pt", NS):
            if point.get("type", "node") != "node":
                continue
            lines += [t for p in point.iterfind("./dgm:t/a:p", NS) if (t := _text(p))]
        if lines:
            top, left = _offset(frame)
            blocks.append(TextBlock(top, left, lines, "smartart"))
    return blocks


def fallback_blocks(slide: Slide) -> list[TextBlock]:
    """The text of ``mc:AlternateContent`` fallback shapes (what an older reader draws)."""
    blocks: list[TextBlock] = []
    tree = slide._element.find("./p:cSld/p:spTree", NS)
    if tree is None:
        return blocks
    for alternate in tree.iter(f"{{{NS['mc']}}}AlternateContent"):
        fallback = alternate.find("mc:Fallback", NS)
        for shape in fallback if fallback is not None else []:
            if not isinstance(shape.tag, str) or shape_hidden(shape):
                continue
            lines = [t for p in shape.iter(f"{{{NS['a']}}}p") if (t := _text(p))]
            if lines:
                top, left = _offset(shape)
                blocks.append(TextBlock(top, left, lines, "fallback"))
    return blocks


def alt_texts(slide: Slide) -> list[str]:
    """Visible pictures' descriptions, in document order."""
    out: list[str] = []
    tree = slide._element.find("./p:cSld/p:spTree", NS)
    for pic in tree.iter(f"{{{NS['p']}}}pic") if tree is not None else []:
        c_nv_pr = pic.find("./p:nvPicPr/p:cNvPr", NS)
        if c_nv_pr is None or c_nv_pr.get("hidden") in ("1", "true"):
            continue
        descr = _SPACE.sub(" ", c_nv_pr.get("descr") or "").strip()
        if descr and descr not in out:
            out.append(descr)
    return out
