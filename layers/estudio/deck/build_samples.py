"""Decks with click builds, made by the project: python-pptx for the slides plus the ``p:timing``
XML PowerPoint writes for "Appear" entrance effects (on click, by paragraph or whole shape)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.slide import Slide

from estudio.deck.samples import (
    LAYOUT_CONTENT,
    _bullets,
    _notes,
    _place,
    _save,
    _wide_presentation,
    make_benchmark_deck,
)

NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_BLANKLESS = etree.XMLParser(remove_blank_text=True)


def _xml(text: str) -> etree._Element:
    return etree.fromstring(text.replace("\n", " "), _BLANKLESS)


# One "Appear" effect: visible at once when its click comes.
_EFFECT = """<p:par xmlns:p="{ns}"><p:cTn id="{a}" fill="hold"><p:stCondLst>
<p:cond delay="indefinite"/></p:stCondLst><p:childTnLst><p:par><p:cTn id="{b}" fill="hold">
<p:stCondLst><p:cond delay="0"/></p:stCondLst><p:childTnLst><p:par><p:cTn id="{c}" presetID="1"
presetClass="entr" presetSubtype="0" fill="hold" grpId="0" nodeType="{node}"><p:stCondLst>
<p:cond delay="0"/></p:stCondLst><p:childTnLst>
<p:set><p:cBhvr><p:cTn id="{d}" dur="1" fill="hold"><p:stCondLst><p:cond delay="0"/></p:stCondLst>
</p:cTn><p:tgtEl><p:spTgt spid="{spid}">{rng}</p:spTgt></p:tgtEl><p:attrNameLst>
<p:attrName>style.visibility</p:attrName></p:attrNameLst></p:cBhvr><p:to><p:strVal val="visible"/>
</p:to></p:set></p:childTnLst></p:cTn></p:par></p:childTnLst></p:cTn></p:par></p:childTnLst></p:cTn>
</p:par>"""

_TIMING = """<p:timing xmlns:p="{ns}"><p:tnLst><p:par><p:cTn id="1" dur="indefinite" restart="never"
nodeType="tmRoot"><p:childTnLst><p:seq concurrent="1" nextAc="seek"><p:cTn id="2" dur="indefinite"
nodeType="mainSeq"><p:childTnLst/></p:cTn><p:prevCondLst><p:cond evt="onPrev" delay="0"><p:tgtEl>
<p:sldTgt/></p:tgtEl></p:cond></p:prevCondLst><p:nextCondLst><p:cond evt="onNext" delay="0">
<p:tgtEl><p:sldTgt/></p:tgtEl></p:cond></p:nextCondLst></p:seq></p:childTnLst></p:cTn></p:par>
</p:tnLst><p:bldLst/></p:timing>"""


def add_click_builds(
    slide: Slide, targets: list[tuple[int, int | None]], node: str = "clickEffect"
) -> None:
    """One click per target: ``(shape id, paragraph index)`` builds that paragraph, ``(shape id,
    None)`` the whole shape. ``node`` is the effects' trigger (``clickEffect``, ``afterEffect``)."""
    sld = slide._element
    for old in sld.findall(f"{{{NS_P}}}timing"):
        sld.remove(old)
    timing = _xml(_TIMING.format(ns=NS_P))
    seq = timing.find(f".//{{{NS_P}}}cTn[@nodeType='mainSeq']/{{{NS_P}}}childTnLst")
    builds = timing.find(f"{{{NS_P}}}bldLst")
    assert seq is not None and builds is not None
    next_id = 3
    for spid, para in targets:
        rng = "" if para is None else f'<p:txEl><p:pRg st="{para}" end="{para}"/></p:txEl>'
        ids = dict(a=next_id, b=next_id + 1, c=next_id + 2, d=next_id + 3)
        seq.append(_xml(_EFFECT.format(ns=NS_P, spid=spid, rng=rng, node=node, **ids)))
        next_id += 4
    for spid in dict.fromkeys(s for s, _ in targets):
        by_para = any(p is not None for s, p in targets if s == spid)
        attrs = {"spid": str(spid), "grpId": "0"}
        if by_para:
            attrs["build"] = "p"
        etree.SubElement(builds, f"{{{NS_P}}}bldP", attrs)
    # p:timing goes after p:clrMapOvr and p:transition, before p:extLst.
    ext = sld.find(f"{{{NS_P}}}extLst")
    if ext is not None:
        ext.addprevious(timing)
    else:
        sld.append(timing)


def make_builds_deck(path: Path) -> Path:
    """Three slides: a title; bullets that appear one per click, timed by ``[click]`` markers;
    bullets that appear one per click on a slide without notes."""
    prs = _wide_presentation("Etapas de bloqueio")
    first = prs.slides.add_slide(prs.slide_layouts[0])
    first.shapes.title.text = "Bloqueio e etiquetagem"
    _notes(first, "Vamos ver as etapas do bloqueio de energia.")
    bullets = ["Desligue o circuito.", "Bloqueie a chave.", "Teste a ausência de tensão."]
    timed = prs.slides.add_slide(prs.slide_layouts[LAYOUT_CONTENT])
    _place(timed)
    timed.shapes.title.text = "Três etapas"
    _bullets(timed, bullets, size_pt=32)
    _notes(
        timed,
        "Antes de tudo, três etapas. [click] Primeiro, desligue o circuito no quadro. "
        "[click] Depois, bloqueie a chave com cadeado. "
        "[clique] Por fim, teste a ausência de tensão.",
    )
    body = timed.placeholders[1].shape_id
    add_click_builds(timed, [(body, 0), (body, 1), (body, 2)])
    plain = prs.slides.add_slide(prs.slide_layouts[LAYOUT_CONTENT])
    _place(plain)
    plain.shapes.title.text = "Sem anotações"
    _bullets(plain, ["Use luvas isolantes.", "Use capacete."], size_pt=32)
    add_click_builds(plain, [(plain.placeholders[1].shape_id, None)])
    return _save(prs, path)


def make_benchmark_builds_deck(path: Path, slides: int, every: int = 2) -> Path:
    """``make_benchmark_deck``'s deck with every ``every``-th slide's three bullets built one per
    click (three click steps), the notes unchanged (the steps are timed proportionally)."""
    make_benchmark_deck(path, slides)
    prs = Presentation(str(path))
    for n, slide in enumerate(prs.slides):
        if n % every == 0:
            body = slide.placeholders[1].shape_id
            add_click_builds(slide, [(body, 0), (body, 1), (body, 2)])
    return _save(prs, path)


# Transitional namespaces and relationship types and their ISO-Strict counterparts.
STRICT_NAMESPACES = (
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    ),
    (
        b"http://schemas.openxmlformats.org/presentationml/2006/main",
        b"http://purl.oclc.org/ooxml/presentationml/main",
    ),
    (
        b"http://schemas.openxmlformats.org/drawingml/2006/main",
        b"http://purl.oclc.org/ooxml/drawingml/main",
    ),
)


def make_strict_deck(src: Path, dest: Path) -> Path:
    """``src`` rewritten in the ISO-Strict namespaces (what "Strict Open XML" saves), which
    python-pptx cannot read and LibreOffice can."""
    import zipfile

    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith((".xml", ".rels")):
                for old, new in STRICT_NAMESPACES:
                    data = data.replace(old, new)
            zout.writestr(info, data)
    return dest
