"""What a deck file is, told by its content (never by its name).

``detect_format`` reads the file's magic bytes and, for zip packages, its content types (OOXML) or
``mimetype`` entry (OpenDocument). It answers one of ``DeckFormat``; an OLE file holding an
encrypted OOXML package raises ``EncryptedDeck``; anything else is ``NotAPptx``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

from estudio.deck.safety import (
    CFB_MAGIC,
    CONTENT_TYPES,
    MAX_CONTROL_PART_BYTES,
    PACKAGE_RELS,
    STRICT_MARK,
    ZIP_MAGICS,
    cfb_kind,
    read_bounded,
)
from estudio.errors import CorruptDeck, DeckTooLarge, EncryptedDeck, NotAPptx
from estudio.settings import Limits

DeckFormat = Literal["pptx", "pptm", "pptx-strict", "ppt", "odp", "pdf"]
# Formats LibreOffice turns into a transitional .pptx before parsing.
CONVERTED: frozenset[str] = frozenset({"pptx-strict", "ppt", "odp"})
PDF_MAGIC = b"%PDF-"
ODP_MIMETYPES = (
    b"application/vnd.oasis.opendocument.presentation",
    b"application/vnd.oasis.opendocument.presentation-template",
)
MACRO_MAIN = b"presentation.macroenabled.main+xml"


def detect_format(path: Path, limits: Limits) -> DeckFormat:
    """The deck's format by content. Raises ``NotAPptx``, ``EncryptedDeck``, ``CorruptDeck`` or
    ``DeckTooLarge``; the file itself is checked further by whoever opens it."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as e:
        raise NotAPptx(f"cannot read the file: {e.strerror}") from e
    if size == 0:
        raise NotAPptx("the file is empty")
    if size > limits.max_deck_bytes:
        raise DeckTooLarge(
            f"the file is {size} bytes; the limit is {limits.max_deck_bytes}",
            size=size,
            limit=limits.max_deck_bytes,
        )
    if head.startswith(CFB_MAGIC):
        kind = cfb_kind(path)
        if kind == "encrypted":
            raise EncryptedDeck("the deck is password-protected; save it without a password")
        if kind == "ppt":
            return "ppt"
        raise NotAPptx("an OLE compound file that is not a PowerPoint presentation")
    if not head.startswith(ZIP_MAGICS):
        # Readers accept a PDF header anywhere in the first kilobyte.
        if PDF_MAGIC in head:
            return "pdf"
        raise NotAPptx("not a presentation (.pptx, .ppt, .odp or .pdf)")
    try:
        with zipfile.ZipFile(path) as zf:
            return _zip_format(zf)
    except zipfile.BadZipFile as e:
        raise CorruptDeck(f"damaged zip container: {e}") from e
    except (OSError, EOFError, ValueError, NotImplementedError) as e:
        raise CorruptDeck(f"unreadable zip container: {e}") from e


def _zip_format(zf: zipfile.ZipFile) -> DeckFormat:
    names = set(zf.namelist())
    if "mimetype" in names:
        mimetype = read_bounded(zf, "mimetype", 256).strip()
        if mimetype in ODP_MIMETYPES:
            return "odp"
        raise NotAPptx(
            f"an OpenDocument file of type {mimetype.decode('ascii', 'replace')[:80]!r}, "
            "not a presentation"
        )
    if CONTENT_TYPES not in names:
        raise NotAPptx("not an Office package (no [Content_Types].xml)")
    types = read_bounded(zf, CONTENT_TYPES, MAX_CONTROL_PART_BYTES).lower()
    rels = read_bounded(zf, PACKAGE_RELS, MAX_CONTROL_PART_BYTES) if PACKAGE_RELS in names else b""
    if STRICT_MARK in rels:
        return "pptx-strict"
    if MACRO_MAIN in types:
        return "pptm"
    return "pptx"  # the package checks in ``inspect_package`` refuse a .docx or .xlsx


def is_pdf(path: Path) -> bool:
    """Whether ``path`` is a PDF as ``detect_format`` tells it."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return False
    return not head.startswith((*ZIP_MAGICS, CFB_MAGIC)) and PDF_MAGIC in head


__all__ = ["CONVERTED", "DeckFormat", "detect_format", "is_pdf"]
