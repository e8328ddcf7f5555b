"""Any deck a trainer has, in: detect its format by content, convert it when it is not a
transitional ``.pptx``, parse it. What the parse stage, the API and the CLI call."""

from __future__ import annotations

from pathlib import Path

from estudio.deck.convert import to_pptx
from estudio.deck.formats import CONVERTED, detect_format
from estudio.deck.parse import parse_deck
from estudio.deck.pdf import parse_pdf
from estudio.models import Deck
from estudio.observability import logger
from estudio.settings import Limits


def read_deck(
    path: Path,
    limits: Limits,
    work_dir: Path,
    *,
    source_name: str | None = None,
    soffice: str | None = None,
    profile_cache: Path | None = None,
) -> tuple[Deck, Path]:
    """The deck, and the file its slide images are drawn from: ``path`` itself (a ``.pptx`` or a
    PDF) or a transitional ``.pptx`` converted from it under ``work_dir``.

    Raises ``DeckError`` subclasses for bad input (``EncryptedDeck``, ``CorruptDeck``, …),
    ``ToolMissing`` when LibreOffice or poppler is needed and absent, ``StageTimeout``.
    """
    fmt = detect_format(path, limits)
    name = source_name or path.name
    if fmt == "pdf":
        return parse_pdf(path, limits, source_name=name), path
    timeout = float(limits.stage_timeout_s)
    work_dir.mkdir(parents=True, exist_ok=True)
    pptx = to_pptx(
        path, fmt, work_dir, soffice=soffice, timeout_s=timeout, profile_cache=profile_cache
    )
    deck = parse_deck(pptx, limits, source_name=name)
    if fmt != "pptx":
        logger.info("deck read", source=name, format=fmt, converted=fmt in CONVERTED)
        deck = deck.model_copy(update={"source_format": fmt})
    return deck, pptx
