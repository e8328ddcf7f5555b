"""Decks that are not a transitional ``.pptx`` become one before they are parsed.

* ``.ppt``, ``.odp`` and ISO-Strict ``.pptx``: LibreOffice (headless) converts them, in the same
  bounded child process as the slide export (``estudio.sandbox``: memory cap, killed with its
  parent, a time limit, a throw-away profile, no network access asked for).
* ``.pptm``: rewritten in Python without its macro project (``vbaProject.bin``) and with the
  ordinary presentation content type, so no macro can ever run and python-pptx opens it.
* ``.pdf`` is not converted: ``estudio.deck.pdf`` reads it directly (one scene per page).

A file LibreOffice cannot open is ``CorruptDeck``; running past the time limit ``StageTimeout``.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from lxml import etree

from estudio.deck.formats import DeckFormat
from estudio.deck.safety import MAX_CONTROL_PART_BYTES, read_bounded
from estudio.errors import CorruptDeck, RasterizeError
from estudio.observability import logger
from estudio.slides.rasterize import (
    find_soffice,
    run_tool,
    seed_profile,
    soffice_convert_argv,
    store_profile,
)

PPTX_FILTER = "pptx:Impress MS PowerPoint 2007 XML"
_SUFFIX = {"ppt": ".ppt", "odp": ".odp", "pptx-strict": ".pptx"}
PRESENTATION_MAIN = (
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
)
MACRO_MAIN = "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"
VBA_REL_SUFFIX = "/vbaProject"
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def to_pptx(
    src: Path,
    fmt: DeckFormat,
    work_dir: Path,
    *,
    soffice: str | None = None,
    timeout_s: float = 300,
    profile_cache: Path | None = None,
) -> Path:
    """A transitional ``.pptx`` made from ``src`` (of format ``fmt``) under ``work_dir``; ``src``
    itself when it already is one."""
    if fmt == "pptx":
        return src
    if fmt == "pptm":
        return without_macros(src, work_dir / "converted.pptx")
    if fmt not in _SUFFIX:
        raise ValueError(f"{fmt} decks are not converted to .pptx")
    return libreoffice_to_pptx(
        src,
        _SUFFIX[fmt],
        work_dir,
        soffice=soffice,
        timeout_s=timeout_s,
        profile_cache=profile_cache,
    )


def libreoffice_to_pptx(
    src: Path,
    suffix: str,
    work_dir: Path,
    *,
    soffice: str | None = None,
    timeout_s: float = 300,
    profile_cache: Path | None = None,
) -> Path:
    exe = find_soffice(soffice)
    profile = work_dir / "lo-convert-profile"
    in_dir = work_dir / "convert-in"
    out_dir = work_dir / "convert-out"
    in_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    seed_profile(profile, profile_cache)
    # A fixed ASCII name with the format's suffix: LibreOffice names its output after the input.
    staged = in_dir / f"deck{suffix}"
    if staged.exists() or staged.is_symlink():
        staged.unlink()
    os.symlink(src.resolve(), staged)
    argv = soffice_convert_argv(exe, profile, PPTX_FILTER, out_dir, staged)
    try:
        run_tool(argv, timeout_s, "LibreOffice conversion")
    except RasterizeError as e:
        raise CorruptDeck(f"LibreOffice could not open the deck ({e.message})") from e
    out = out_dir / "deck.pptx"
    if not out.is_file() or out.stat().st_size == 0:
        # soffice exits 0 even when it could not load the document.
        raise CorruptDeck("LibreOffice could not open the deck (it produced nothing)")
    store_profile(profile, profile_cache)
    logger.info("deck converted", suffix=suffix, bytes=out.stat().st_size)
    return out


def without_macros(src: Path, dest: Path) -> Path:
    """A copy of a macro-enabled package without its VBA project, typed as a plain ``.pptx``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        with zipfile.ZipFile(src) as zin:
            names = set(zin.namelist())
            dropped = _vba_parts(zin, names)
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in zin.infolist():
                    if info.filename in dropped:
                        continue
                    data = zin.read(info)
                    if info.filename == "[Content_Types].xml":
                        data = _plain_content_types(data, dropped)
                    elif info.filename.endswith(".rels"):
                        data = _without_vba_rels(data)
                    zout.writestr(info, data)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, OSError, EOFError) as e:
        tmp.unlink(missing_ok=True)
        raise CorruptDeck(f"the macro-enabled deck could not be read ({e})") from e
    os.replace(tmp, dest)
    logger.info("macros removed", parts=len(dropped))
    return dest


def _vba_parts(zin: zipfile.ZipFile, names: set[str]) -> set[str]:
    ct = etree.fromstring(read_bounded(zin, "[Content_Types].xml", MAX_CONTROL_PART_BYTES), _PARSER)
    parts = {
        (o.get("PartName") or "").lstrip("/")
        for o in ct.iter(f"{_CT}Override")
        if (o.get("ContentType") or "").startswith(VBA_CONTENT_TYPE)
    }
    parts |= {n for n in names if n.lower().endswith("vbaproject.bin")}
    parts |= {n for n in names if n.lower().endswith("vbadata.xml")}
    return parts & names


def _plain_content_types(data: bytes, dropped: set[str]) -> bytes:
    root = etree.fromstring(data, _PARSER)
    for o in list(root.iter(f"{_CT}Override")):
        part = (o.get("PartName") or "").lstrip("/")
        if part in dropped:
            root.remove(o)
        elif (o.get("ContentType") or "").lower() == MACRO_MAIN.lower():
            o.set("ContentType", PRESENTATION_MAIN)
    for d in list(root.iter(f"{_CT}Default")):
        if (d.get("ContentType") or "").startswith(VBA_CONTENT_TYPE):
            root.remove(d)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _without_vba_rels(data: bytes) -> bytes:
    root = etree.fromstring(data, _PARSER)
    changed = False
    for rel in list(root.iter(f"{_REL}Relationship")):
        kind = rel.get("Type") or ""
        if kind.endswith(VBA_REL_SUFFIX) or kind.endswith("/wordVbaData"):
            root.remove(rel)
            changed = True
    if not changed:
        return data
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))
