"""Text out of DrawingML: paragraphs (with outline levels), runs, fonts, tables, speaker notes.

Pure lxml over python-pptx's elements: whitespace collapsed, slide-number fields dropped.
"""

from __future__ import annotations

import re

from lxml import etree
from pptx.oxml.ns import qn
from pptx.slide import Slide

_SPACE = re.compile(r"[^\S\n]+")
_ONLY_NUMBER = re.compile(r"^\s*\d{1,4}\s*$")


def paragraphs(tx_body: etree._Element) -> list[str]:
    """Each non-empty paragraph's text, whitespace collapsed, slide-number fields dropped."""
    return [text for text, _ in leveled_paragraphs(tx_body)]


def leveled_paragraphs(tx_body: etree._Element, keep_empty: bool = False) -> list[tuple[str, int]]:
    """``paragraphs`` with each paragraph's outline level (``a:pPr/@lvl``, 0 when absent);
    ``keep_empty`` keeps empty paragraphs as ``""`` (a blank line in the notes is a pause)."""
    lines: list[tuple[str, int]] = []
    for para in tx_body.iter(qn("a:p")):
        parts: list[str] = []
        for child in para:
            if child.tag == qn("a:r"):
                parts.append(run_text(child))
            elif child.tag == qn("a:br"):
                parts.append(" ")
            elif child.tag == qn("a:fld") and not (child.get("type") or "").startswith("slidenum"):
                parts.append(run_text(child))
        text = _SPACE.sub(" ", "".join(parts).replace("\n", " ")).strip()
        if text or keep_empty:
            ppr = para.find(qn("a:pPr"))
            level = ppr.get("lvl") if ppr is not None else None
            lines.append((text, int(level) if level and level.isdigit() else 0))
    return lines


def run_text(run: etree._Element) -> str:
    t = run.find(qn("a:t"))
    return (t.text or "") if t is not None else ""


def run_fonts(tx_body: etree._Element) -> set[str]:
    return {
        face
        for latin in tx_body.iter(qn("a:latin"))
        if (face := latin.get("typeface") or "") and not face.startswith("+")
    }


def notes_text(slide: Slide) -> str:
    if not slide.has_notes_slide:
        return ""
    placeholder = slide.notes_slide.notes_placeholder
    if placeholder is None:
        return ""
    tx_body = placeholder._element.find(qn("p:txBody"))
    if tx_body is None:
        return ""
    lines: list[str] = []
    for text, _ in leveled_paragraphs(tx_body, keep_empty=True):
        if _ONLY_NUMBER.match(text):
            continue
        if text or (lines and lines[-1]):
            lines.append(text)  # one blank line between paragraphs stays: a short pause
    return "\n".join(lines).strip("\n")


def table_cells(table: etree._Element) -> list[list[str]]:
    """Each row's cells ("" when empty; merged continuation cells skipped); empty rows dropped."""
    rows: list[list[str]] = []
    for row in table.iter(qn("a:tr")):
        cells: list[str] = []
        for cell in row.iter(qn("a:tc")):
            if cell.get("hMerge") in ("1", "true") or cell.get("vMerge") in ("1", "true"):
                continue
            tx_body = cell.find(qn("a:txBody"))
            text = " ".join(paragraphs(tx_body)) if tx_body is not None else ""
            cells.append(text.rstrip(".;,"))
        if any(cells):
            rows.append(cells)
    return rows


def table_lines(rows: list[list[str]]) -> list[str]:
    return [", ".join(cell for cell in cells if cell) for cells in rows]


__all__ = [
    "leveled_paragraphs",
    "notes_text",
    "paragraphs",
    "run_fonts",
    "run_text",
    "table_cells",
    "table_lines",
]
