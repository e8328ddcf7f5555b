"""Nothing on a slide left unread: SmartArt data text, mc:AlternateContent fallbacks, alt text as
a last resort; hidden shapes are not read."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part
from pptx.opc.packuri import PackURI
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide

from estudio.deck.parse import parse_deck
from estudio.settings import Limits

from .builders import blank, build, picture, textbox, titled

LIMITS = Limits()
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
DGM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _smartart(slide: Slide, nodes: list[str]) -> None:
    points = "".join(
        f'<dgm:pt modelId="{i + 1}"><dgm:t><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p>'
        "</dgm:t></dgm:pt>"
        for i, text in enumerate(nodes)
    )
    data = (
        f'<dgm:dataModel xmlns:dgm="{DGM}" xmlns:a="{A}"><dgm:ptLst>'
        f'<dgm:pt modelId="0" type="doc"><dgm:t><a:p><a:r><a:t>documento</a:t></a:r></a:p></dgm:t>'
        f"</dgm:pt>{points}</dgm:ptLst></dgm:dataModel>"
    ).encode()
    package = slide.part.package
    part = Part(
        PackURI("/ppt/diagrams/data1.xml"),
        "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml",
        package,
        data,
    )
    rid = slide.part.relate_to(part, RT.DIAGRAM_DATA)
    frame = etree.fromstring(
        f'<p:graphicFrame xmlns:p="{P}" xmlns:a="{A}" xmlns:r="{R}" xmlns:dgm="{DGM}">'
        '<p:nvGraphicFramePr><p:cNvPr id="40" name="Diagrama"/><p:cNvGraphicFramePr/><p:nvPr/>'
        '</p:nvGraphicFramePr><p:xfrm><a:off x="914400" y="2743200"/><a:ext cx="4000000" '
        f'cy="2000000"/></p:xfrm><a:graphic><a:graphicData uri="{DGM}">'
        f'<dgm:relIds r:dm="{rid}" r:lo="" r:qs="" r:cs=""/></a:graphicData></a:graphic>'
        "</p:graphicFrame>"
    )
    slide.shapes._spTree.append(frame)


def _alternate(slide: Slide, text: str) -> None:
    block = etree.fromstring(
        f'<mc:AlternateContent xmlns:mc="{MC}" xmlns:p="{P}" xmlns:a="{A}" '
        'xmlns:a14="http://schemas.microsoft.com/office/drawing/2010/main">'
        '<mc:Choice Requires="a14"><p:sp><p:nvSpPr><p:cNvPr id="50" name="Equação"/>'
        "<p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/></p:sp></mc:Choice><mc:Fallback><p:sp>"
        '<p:nvSpPr><p:cNvPr id="50" name="Equação"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr>'
        '<a:xfrm><a:off x="914400" y="4572000"/><a:ext cx="100" cy="100"/></a:xfrm></p:spPr>'
        f"<p:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>"
        "</mc:Fallback></mc:AlternateContent>"
    )
    slide.shapes._spTree.append(block)


def test_given_smartart_without_notes_when_parsed_then_its_nodes_are_narrated(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        _smartart(titled(prs, "Etapas"), ["Desligar", "Bloquear", "Testar"])

    scene = parse_deck(build(tmp_path / "smartart.pptx", slide), LIMITS).scenes[0]
    assert scene.script_source == "slide_text"
    lines = scene.script.splitlines()
    assert [line.rstrip(".") for line in lines[1:]] == ["Desligar", "Bloquear", "Testar"]
    assert "documento" not in scene.script
    assert not any("not narrated" in w for w in scene.warnings)


def test_given_an_alternate_content_block_when_parsed_then_its_fallback_text_is_read(
    tmp_path: Path,
) -> None:
    def slide(prs: PresentationType) -> None:
        s = titled(prs, "Fórmula")
        _alternate(s, "Potência igual a tensão vezes corrente")

    scene = parse_deck(build(tmp_path / "mc.pptx", slide), LIMITS).scenes[0]
    assert "Potência igual a tensão vezes corrente" in scene.script


def test_given_a_picture_only_slide_when_parsed_then_its_alt_text_is_the_last_resort(
    tmp_path: Path,
) -> None:
    def only_picture(prs: PresentationType) -> None:
        pic = picture(blank(prs))
        pic.find(f"{{{P}}}nvPicPr/{{{P}}}cNvPr").set("descr", "Placa de alta tensão")

    def picture_and_text(prs: PresentationType) -> None:
        s = titled(prs, "Sinalização")
        picture(s).find(f"{{{P}}}nvPicPr/{{{P}}}cNvPr").set("descr", "Placa de alta tensão")

    deck = parse_deck(build(tmp_path / "alt.pptx", only_picture, picture_and_text), LIMITS)
    assert deck.scenes[0].script.startswith("Placa de alta tensão")
    assert "Placa" not in deck.scenes[1].script


def test_given_a_hidden_shape_when_parsed_then_its_text_is_not_read(tmp_path: Path) -> None:
    def slide(prs: PresentationType) -> None:
        s = titled(prs, "Visível")
        box = textbox(s, "Texto escondido", 1, 3)
        box._element.find(f"{{{P}}}nvSpPr/{{{P}}}cNvPr").set("hidden", "1")

    scene = parse_deck(build(tmp_path / "hidden.pptx", slide), LIMITS).scenes[0]
    assert "escondido" not in scene.script and "Visível" in scene.script
