"""Build-step images in the same LibreOffice run as the slides (docs/adr/0011).

``add_step_slides`` writes a copy of the deck with, for each slide that has N click steps, N extra
slides appended at the end: step k (0 ≤ k < N) is the slide with the shapes and paragraphs of
steps k+1…N taken out. Step N is the slide itself. Whole shapes are removed (nothing else moves);
paragraphs are kept but drawn invisible (fully transparent text, no bullet), so the text that is
already visible stays where it is in the final slide. Slide-number fields in a copy keep the
original slide's number.

The work is done on the package's XML parts: python-pptx has no slide-copy API.
"""

from __future__ import annotations

import copy
import os
import posixpath
import zipfile
from pathlib import Path

from lxml import etree

from estudio.deck.builds import NS, shape_elements
from estudio.errors import RasterizeError
from estudio.models import BuildStep

P = "{" + NS["p"] + "}"
A = "{" + NS["a"] + "}"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
SLIDE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide"
NOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide"
SLIDE_CT = "application/vnd.openxmlformats-officedocument.presentationml.slide+xml"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


def _bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def step_slide(slide_xml: bytes, steps: list[BuildStep], shown: int, number: int) -> bytes:
    """The slide as it looks after ``shown`` clicks (0 ≤ shown < len(steps))."""
    root = _xml(slide_xml)
    shapes = shape_elements(root)
    later = steps[shown:]
    for step in later:
        for spid in step.shapes:
            shape = shapes.get(spid)
            parent = shape.getparent() if shape is not None else None
            if shape is not None and parent is not None:
                parent.remove(shape)
    for step in later:
        for spid, index in step.paragraphs:
            shape = shapes.get(spid)
            if shape is None or shape.getparent() is None:
                continue
            paras = [p for body in shape.iter(f"{P}txBody") for p in body.iterfind("a:p", NS)]
            if index < len(paras):
                _invisible(paras[index])
    for tag in ("timing", "transition"):
        for elm in root.findall(f"{P}{tag}"):
            root.remove(elm)
    root.attrib.pop("show", None)
    _freeze_slide_numbers(root, number)
    return _bytes(root)


def _invisible(para: etree._Element) -> None:
    """Keep the paragraph's space; draw nothing of it."""
    p_pr = para.find(f"{A}pPr")
    if p_pr is None:
        p_pr = etree.SubElement(para, f"{A}pPr")
        para.remove(p_pr)
        para.insert(0, p_pr)
    for bullet in [c for c in p_pr if c.tag.startswith(f"{A}bu")]:
        p_pr.remove(bullet)
    _insert_ordered(p_pr, etree.Element(f"{A}buNone"))
    for run in para:
        if run.tag not in (f"{A}r", f"{A}fld", f"{A}endParaRPr"):
            continue
        r_pr = run if run.tag == f"{A}endParaRPr" else run.find(f"{A}rPr")
        if r_pr is None:
            r_pr = etree.Element(f"{A}rPr")
            run.insert(0, r_pr)
        for fill in [c for c in r_pr if c.tag in _FILLS]:
            r_pr.remove(fill)
        for effect in [c for c in r_pr if c.tag in (f"{A}effectLst", f"{A}highlight", f"{A}ln")]:
            r_pr.remove(effect)
        fill = etree.Element(f"{A}noFill")
        r_pr.insert(0, fill)


_FILLS = frozenset(f"{A}{t}" for t in ("noFill", "solidFill", "gradFill", "blipFill", "pattFill"))
# a:pPr children in schema order: a bullet choice goes after these.
_BEFORE_BULLET = frozenset(
    f"{A}{t}" for t in ("lnSpc", "spcBef", "spcAft", "buClrTx", "buClr", "buSzTx", "buSzPct")
)


def _insert_ordered(p_pr: etree._Element, bullet: etree._Element) -> None:
    at = 0
    for i, child in enumerate(p_pr):
        if child.tag in _BEFORE_BULLET or child.tag in (
            f"{A}buSzPts",
            f"{A}buFontTx",
            f"{A}buFont",
        ):
            at = i + 1
    p_pr.insert(at, bullet)


def _freeze_slide_numbers(root: etree._Element, number: int) -> None:
    for fld in list(root.iter(f"{A}fld")):
        if not (fld.get("type") or "").startswith("slidenum"):
            continue
        run = etree.Element(f"{A}r")
        r_pr = fld.find(f"{A}rPr")
        if r_pr is not None:
            run.append(copy.deepcopy(r_pr))
        text = etree.SubElement(run, f"{A}t")
        text.text = str(number)
        parent = fld.getparent()
        if parent is not None:
            parent.replace(fld, run)


def add_step_slides(
    src: Path, dest: Path, builds: dict[int, list[BuildStep]]
) -> dict[tuple[int, int], int]:
    """Write ``src`` plus one slide per build step to ``dest``; (slide number, step) → the page
    that shows it (hidden slides counted, as in ``rasterize_deck``)."""
    pages: dict[tuple[int, int], int] = {}
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        with zipfile.ZipFile(src) as zin:
            prs_part = _main_part(zin)
            prs_rels_name = _rels_name(prs_part)
            prs = _xml(zin.read(prs_part))
            prs_rels = _xml(zin.read(prs_rels_name))
            types = _xml(zin.read("[Content_Types].xml"))
            targets = {
                rel.get("Id"): posixpath.normpath(
                    posixpath.join(posixpath.dirname(prs_part), rel.get("Target") or "")
                )
                for rel in prs_rels.iter(f"{{{REL_NS}}}Relationship")
                if rel.get("Type") == SLIDE_REL
            }
            id_list = prs.find(f"{P}sldIdLst")
            if id_list is None:
                raise RasterizeError("the deck lists no slides")
            order = [targets.get(s.get(f"{{{R_NS}}}id")) for s in id_list.findall(f"{P}sldId")]
            names = set(zin.namelist())
            next_id = max([int(s.get("id") or 256) for s in id_list] + [255]) + 1
            next_part = len([n for n in names if n.startswith("ppt/slides/slide")]) + 1
            page = len(order)
            added: dict[str, bytes] = {}
            rel_no = 0
            for number, steps in sorted(builds.items()):
                part = order[number - 1] if 0 < number <= len(order) else None
                if not steps or part is None or part not in names:
                    continue
                slide_xml = zin.read(part)
                rels_xml = zin.read(_rels_name(part)) if _rels_name(part) in names else None
                for shown in range(len(steps)):
                    while f"ppt/slides/slide{next_part}.xml" in names:
                        next_part += 1
                    new = f"ppt/slides/slide{next_part}.xml"
                    names.add(new)
                    added[new] = step_slide(slide_xml, steps, shown, number)
                    if rels_xml is not None:
                        added[_rels_name(new)] = _without_notes(rels_xml)
                    rel_no += 1
                    rel_id = f"rIdEstudioStep{rel_no}"
                    etree.SubElement(
                        prs_rels,
                        f"{{{REL_NS}}}Relationship",
                        Id=rel_id,
                        Type=SLIDE_REL,
                        Target=posixpath.relpath(new, posixpath.dirname(prs_part)),
                    )
                    etree.SubElement(
                        id_list, f"{P}sldId", {"id": str(next_id), f"{{{R_NS}}}id": rel_id}
                    )
                    etree.SubElement(
                        types, f"{{{CT_NS}}}Override", PartName="/" + new, ContentType=SLIDE_CT
                    )
                    next_id += 1
                    page += 1
                    pages[(number, shown)] = page
            replaced = {
                prs_part: _bytes(prs),
                prs_rels_name: _bytes(prs_rels),
                "[Content_Types].xml": _bytes(types),
            }
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
                for info in zin.infolist():
                    data = replaced.get(info.filename)
                    zout.writestr(info, data if data is not None else zin.read(info))
                for name, data in added.items():
                    zout.writestr(name, data)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError) as e:
        tmp.unlink(missing_ok=True)
        raise RasterizeError(f"could not add the build-step slides: {e}") from e
    os.replace(tmp, dest)
    return pages


def _main_part(zin: zipfile.ZipFile) -> str:
    rels = _xml(zin.read("_rels/.rels"))
    for rel in rels.iter(f"{{{REL_NS}}}Relationship"):
        if (rel.get("Type") or "").endswith("/officeDocument"):
            return posixpath.normpath((rel.get("Target") or "").lstrip("/"))
    return "ppt/presentation.xml"


def _without_notes(rels_xml: bytes) -> bytes:
    root = _xml(rels_xml)
    for rel in list(root):
        if rel.get("Type") == NOTES_REL:
            root.remove(rel)
    return _bytes(root)
