"""Hostile-input checks that run before python-pptx touches a file.

``inspect_package`` looks at the container only (magic bytes, zip directory, package parts) and
raises a ``DeckError`` subclass for anything python-pptx should never see: OLE/CFB files
(encrypted OOXML or legacy ``.ppt``), broken zips, zip bombs, traversal names, non-presentation
packages and ISO-Strict OOXML. Every entry is then streamed once through a bounded reader, so a
zip whose declared sizes lie, or whose data fails its CRC, is refused before it is parsed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from estudio.errors import CorruptDeck, DeckTooLarge, EncryptedDeck, NotAPptx, UnsupportedDeck
from estudio.settings import Limits

CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

# Entries smaller than this are not ratio-checked: real decks hold metafiles (EMF) of a few MB that
# compress several hundred to one. A bomb needs size *and* ratio to hurt.
RATIO_CHECK_MIN_BYTES = 8 * 1024 * 1024
# The XML parts read here (content types, package relationships) are small in any real deck.
MAX_CONTROL_PART_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024

CONTENT_TYPES = "[Content_Types].xml"
PACKAGE_RELS = "_rels/.rels"
STRICT_MARK = b"purl.oclc.org/ooxml/"
DTD_MARK = b"<!DOCTYPE"

PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_DOCUMENT_RELS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
PRESENTATION_TYPE = re.compile(
    r"^application/vnd\.(openxmlformats-officedocument\.presentationml|ms-powerpoint)\."
    r"[a-z.]*main\+xml$",
    re.IGNORECASE,
)

_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_POWERPOINT_DOCUMENT = "PowerPoint Document".encode("utf-16-le")
# A legacy .ppt saved with a password: its CurrentUserAtom carries the encrypted header token
# (0xF3D1C4DF after the atom's size, 0x14) and Office writes an "EncryptedSummary" stream.
_PPT_ENCRYPTED_TOKEN = bytes.fromhex("14000000DFC4D1F3")
_ENCRYPTED_SUMMARY = "EncryptedSummary".encode("utf-16-le")

_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


def inspect_package(path: Path, limits: Limits) -> None:
    """Refuse a file that is not a safe, readable ``.pptx`` package; return None when it is.

    Raises ``NotAPptx``, ``EncryptedDeck``, ``CorruptDeck``, ``DeckTooLarge`` or
    ``UnsupportedDeck``; never another exception for a readable file.
    """
    try:
        size = path.stat().st_size
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
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == CFB_MAGIC:
        classify_cfb(path)
    if not head.startswith(ZIP_MAGICS):
        raise NotAPptx("not a PowerPoint .pptx file (no zip signature)")
    try:
        with zipfile.ZipFile(path) as zf:
            _check_directory(zf, limits)
            _check_package(zf)
            _stream_entries(zf, limits)
    except zipfile.BadZipFile as e:
        raise CorruptDeck(f"damaged zip container: {e}") from e
    except (zipfile.LargeZipFile, NotImplementedError) as e:
        raise CorruptDeck(f"unsupported zip feature: {e}") from e
    except (OSError, EOFError, ValueError) as e:
        raise CorruptDeck(f"unreadable zip container: {e}") from e


def cfb_kind(path: Path) -> str:
    """An OLE compound file's kind: ``encrypted`` (password-protected OOXML), ``ppt`` (a legacy
    PowerPoint file, whose own encryption is checked when it is converted) or ``other``."""
    marks = (
        _ENCRYPTION_INFO,
        _ENCRYPTED_PACKAGE,
        _PPT_ENCRYPTED_TOKEN,
        _ENCRYPTED_SUMMARY,
        _POWERPOINT_DOCUMENT,
    )
    found = dict.fromkeys(marks, False)
    for chunk in _chunks_with_overlap(path, overlap=64):
        for mark in marks:
            if not found[mark] and mark in chunk:
                found[mark] = True
    if any(found[m] for m in marks[:4]):
        return "encrypted"
    return "ppt" if found[_POWERPOINT_DOCUMENT] else "other"


def classify_cfb(path: Path) -> None:
    """An OLE compound file: password-protected OOXML, a legacy .ppt, or something else."""
    kind = cfb_kind(path)
    if kind == "encrypted":
        raise EncryptedDeck("the deck is password-protected; save it without a password")
    if kind == "ppt":
        raise NotAPptx("legacy .ppt, save as .pptx")
    raise NotAPptx("an OLE compound file (legacy Office format), not a .pptx")


def _chunks_with_overlap(path: Path, overlap: int) -> Iterator[bytes]:
    tail = b""
    with path.open("rb") as fh:
        while block := fh.read(CHUNK_BYTES):
            yield tail + block
            tail = block[-overlap:]


def _check_directory(zf: zipfile.ZipFile, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_zip_entries:
        raise DeckTooLarge(
            f"the package has {len(infos)} entries; the limit is {limits.max_zip_entries}",
            entries=len(infos),
        )
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            raise CorruptDeck(f"unsafe entry name in the package: {name[:80]!r}")
        if name.lower() in seen:
            raise CorruptDeck(f"duplicate entry in the package: {name[:80]!r}")
        seen.add(name.lower())
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise DeckTooLarge(
                f"the package expands to more than {limits.max_uncompressed_bytes} bytes",
                limit=limits.max_uncompressed_bytes,
            )
        if info.file_size > RATIO_CHECK_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise DeckTooLarge(
                    f"entry {name[:80]!r} compresses {ratio:.0f}:1 "
                    f"(limit {limits.max_compression_ratio:.0f}:1): refusing a zip bomb",
                    ratio=ratio,
                )


def _unsafe_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name:
        return True
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in name.split("/") or posixpath.isabs(name)


def _check_package(zf: zipfile.ZipFile) -> None:
    """An OPC package whose main part is a presentation in the transitional namespace."""
    names = set(zf.namelist())
    if CONTENT_TYPES not in names:
        raise NotAPptx("not an Office package (no [Content_Types].xml)")
    rels_xml = (
        read_bounded(zf, PACKAGE_RELS, MAX_CONTROL_PART_BYTES) if PACKAGE_RELS in names else b""
    )
    if STRICT_MARK in rels_xml:
        raise UnsupportedDeck("ISO-Strict Open XML is not supported; save as a standard .pptx")
    main = _main_part(rels_xml) or "ppt/presentation.xml"
    if main not in names:
        raise NotAPptx("an Office package without a presentation (is it a .docx or .xlsx?)")
    content_type = _content_type(read_bounded(zf, CONTENT_TYPES, MAX_CONTROL_PART_BYTES), main)
    if content_type is None or not PRESENTATION_TYPE.match(content_type):
        raise NotAPptx(f"the main part is {content_type or 'untyped'}, not a presentation")
    with zf.open(main) as part:
        head = part.read(4096)
    if STRICT_MARK in head:
        raise UnsupportedDeck("ISO-Strict Open XML is not supported; save as a standard .pptx")


def _parse_xml(data: bytes, what: str) -> etree._Element:
    if DTD_MARK in data:
        raise CorruptDeck(f"{what} declares a DTD, which Office packages never do")
    try:
        return etree.fromstring(data, parser=_XML_PARSER)
    except etree.XMLSyntaxError as e:
        raise CorruptDeck(f"{what} is not well-formed XML: {e}") from e


def _main_part(rels_xml: bytes) -> str | None:
    if not rels_xml:
        return None
    root = _parse_xml(rels_xml, PACKAGE_RELS)
    for rel in root.iter(f"{{{PKG_RELS_NS}}}Relationship"):
        if rel.get("Type") == OFFICE_DOCUMENT_RELS and rel.get("TargetMode") != "External":
            target = rel.get("Target") or ""
            return posixpath.normpath(target.lstrip("/"))
    return None


def _content_type(ct_xml: bytes, part: str) -> str | None:
    root = _parse_xml(ct_xml, CONTENT_TYPES)
    for override in root.iter(f"{{{CT_NS}}}Override"):
        if (override.get("PartName") or "").lstrip("/").lower() == part.lower():
            return override.get("ContentType")
    ext = part.rsplit(".", 1)[-1].lower()
    for default in root.iter(f"{{{CT_NS}}}Default"):
        if (default.get("Extension") or "").lower() == ext:
            return default.get("ContentType")
    return None


def read_bounded(zf: zipfile.ZipFile, name: str, max_bytes: int) -> bytes:
    """Read one entry, refusing more than ``max_bytes`` of *actual* output (declared sizes lie)."""
    out = bytearray()
    with zf.open(name) as part:
        while block := part.read(CHUNK_BYTES):
            out += block
            if len(out) > max_bytes:
                raise DeckTooLarge(f"package part {name[:80]!r} is larger than {max_bytes} bytes")
    return bytes(out)


def _stream_entries(zf: zipfile.ZipFile, limits: Limits) -> None:
    """Decompress every entry once: checks CRCs and the actual expanded total, and refuses a DTD
    in any XML part (entity-expansion attacks)."""
    total = 0
    for info in zf.infolist():
        if info.is_dir():
            continue
        is_xml = info.filename.lower().endswith((".xml", ".rels"))
        produced = 0
        tail = b""
        with zf.open(info) as part:
            while block := part.read(CHUNK_BYTES):
                produced += len(block)
                total += len(block)
                if produced > info.file_size or total > limits.max_uncompressed_bytes:
                    raise DeckTooLarge(
                        f"entry {info.filename[:80]!r} expands beyond its declared size "
                        "or the package limit",
                    )
                if is_xml:
                    if DTD_MARK in tail + block:
                        raise CorruptDeck(
                            f"{info.filename[:80]!r} declares a DTD, which Office packages never do"
                        )
                    tail = block[-len(DTD_MARK) :]
