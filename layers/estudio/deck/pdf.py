"""A PDF handout as a deck: one scene per page, the page's text (reading order) as its narration.

The page images come from the rasterize stage, which reads a PDF directly with pdftoppm (no
LibreOffice: it would open a PDF in Draw, not Impress). ``pdfinfo`` gives the page count and size;
one ``pdftotext`` run gives every page's text, pages separated by form feeds.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from estudio.deck.language import detect_language
from estudio.errors import (
    CorruptDeck,
    DeckTooLarge,
    EmptyDeck,
    EncryptedDeck,
    RasterizeError,
    ToolMissing,
)
from estudio.models import Deck, Scene
from estudio.observability import logger
from estudio.settings import Limits
from estudio.slides.rasterize import run_tool

EMU_PER_POINT = 12_700
MAX_TITLE_CHARS = 120
_PAGES = re.compile(r"^Pages:\s+(\d+)", re.MULTILINE)
_SIZE = re.compile(r"^Page size:\s+([\d.]+)\s+x\s+([\d.]+)", re.MULTILINE)
_TITLE = re.compile(r"^Title:\s+(.+)$", re.MULTILINE)
_SPACE = re.compile(r"[^\S\n]+")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
_PAGE_NUMBER = re.compile(
    r"^\s*(\d{1,4}|\d{1,4}\s*/\s*\d{1,4}|página \d{1,4}|page \d{1,4})\s*$", re.I
)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise ToolMissing(
            f"{name} not found: install poppler-utils (Debian: apt-get install poppler-utils)",
            tool=name,
        )
    return found


def _poppler(argv: list[str], timeout_s: float, what: str) -> str:
    try:
        return run_tool(argv, timeout_s, what)
    except RasterizeError as e:
        reason = e.message.lower()
        if "password" in reason or "encrypt" in reason:
            raise EncryptedDeck("the PDF is password-protected; save it without a password") from e
        raise CorruptDeck(f"the PDF could not be read ({e.message})") from e


def page_texts(path: Path, pages: int, timeout_s: float = 120) -> list[str]:
    """Each page's text in reading order, paragraphs kept, lines within a paragraph joined."""
    out = _poppler(
        [_tool("pdftotext"), "-enc", "UTF-8", "-eol", "unix", str(path), "-"],
        timeout_s,
        "pdftotext",
    )
    chunks = out.split("\f")
    return [_clean(chunks[i]) if i < len(chunks) else "" for i in range(pages)]


def _clean(text: str) -> str:
    text = _HYPHEN_BREAK.sub(r"\1\2", text.replace("\r", ""))
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
        lines = [ln for ln in lines if not _PAGE_NUMBER.match(ln)]
        if lines:
            paragraphs.append(_SPACE.sub(" ", " ".join(lines)))
    return "\n".join(paragraphs)


def parse_pdf(path: Path, limits: Limits, source_name: str | None = None) -> Deck:
    """A ``Deck`` with one scene per page. Raises only ``DeckError`` subclasses (or
    ``ToolMissing``) for the file."""
    name = source_name or path.name
    timeout = min(float(limits.stage_timeout_s), 300.0)
    info = _poppler([_tool("pdfinfo"), str(path)], timeout, "pdfinfo")
    count_match = _PAGES.search(info)
    pages = int(count_match.group(1)) if count_match else 0
    if pages > limits.max_slides:
        raise DeckTooLarge(
            f"the PDF has {pages} pages; the limit is {limits.max_slides}", slides=pages
        )
    if pages == 0:
        raise EmptyDeck("nothing to narrate: the PDF has no pages", slides=0)
    size = _SIZE.search(info)
    width_pt, height_pt = (float(size.group(1)), float(size.group(2))) if size else (720.0, 405.0)
    texts = page_texts(path, pages, timeout)
    scenes: list[Scene] = []
    for index, text in enumerate(texts):
        script = text[: limits.max_script_chars].rstrip()
        first = text.split("\n", 1)[0] if text else ""
        title = first if 0 < len(first) <= MAX_TITLE_CHARS else None
        warnings = [] if script else ["empty: the page has no text; it is shown without narration"]
        scenes.append(
            Scene(
                index=index,
                slide_number=index + 1,
                title=title,
                script=script,
                script_source="slide_text" if script else "none",
                warnings=warnings,
            )
        )
    core_title = _TITLE.search(info)
    title = core_title.group(1).strip() if core_title else None
    language = detect_language("\n".join(texts))
    logger.info("pdf parsed", source=name, pages=pages, language=language)
    return Deck(
        source_name=name,
        source_format="pdf",
        slide_width_emu=max(1, round(width_pt * EMU_PER_POINT)),
        slide_height_emu=max(1, round(height_pt * EMU_PER_POINT)),
        slide_count=pages,
        language=language,
        title=title or next((s.title for s in scenes if s.title), None),
        scenes=scenes,
    )
