"""Deck formats are told by content, whatever the file is called; a .pptm loses its macros."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation

from estudio.deck.convert import MACRO_MAIN, PRESENTATION_MAIN, without_macros
from estudio.deck.formats import detect_format, is_pdf
from estudio.deck.parse import parse_deck
from estudio.deck.samples import make_hostile_decks
from estudio.errors import CorruptDeck, DeckTooLarge, EncryptedDeck, NotAPptx
from estudio.settings import Limits

from .builders import build, notes, titled

LIMITS = Limits()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_hostile_decks(tmp_path_factory.mktemp("hostile"))


def _pdf(path: Path) -> Path:
    Image.new("RGB", (320, 180), "white").save(path, format="PDF")
    return path


def _odp(path: Path, mimetype: bytes = b"application/vnd.oasis.opendocument.presentation") -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        z.writestr("content.xml", "<office:document-content/>")
    return path


def _pptm(path: Path) -> Path:
    """A python-pptx deck repackaged as macro-enabled, with a VBA project part."""
    deck = build(path.with_suffix(".pptx"), lambda prs: notes(titled(prs, "Macros"), "Olá."))
    src = zipfile.ZipFile(deck)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(PRESENTATION_MAIN.encode(), MACRO_MAIN.encode()).replace(
                    b"</Types>",
                    b'<Override PartName="/ppt/vbaProject.bin" '
                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            if info.filename == "ppt/_rels/presentation.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            out.writestr(info, data)
        out.writestr("ppt/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro bytes")
    return path


def test_given_files_named_wrongly_when_detected_then_their_content_decides(
    tmp_path: Path, hostile: dict[str, Path]
) -> None:
    pdf = _pdf(tmp_path / "handout.pptx")
    odp = _odp(tmp_path / "impress.pdf")
    pptx = build(tmp_path / "deck.odp", lambda prs: titled(prs, "Olá"))
    assert detect_format(pdf, LIMITS) == "pdf" and is_pdf(pdf)
    assert detect_format(odp, LIMITS) == "odp" and not is_pdf(odp)
    assert detect_format(pptx, LIMITS) == "pptx"
    assert detect_format(hostile["legacy_ppt"], LIMITS) == "ppt"
    assert detect_format(hostile["strict_ooxml"], LIMITS) == "pptx-strict"
    assert detect_format(_pptm(tmp_path / "m.bin"), LIMITS) == "pptm"


def test_given_an_encrypted_office_file_when_detected_then_encrypted_deck(
    hostile: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(EncryptedDeck):
        detect_format(hostile["encrypted"], LIMITS)
    # A legacy .ppt saved with a password: the CurrentUserAtom's encrypted header token.
    locked = tmp_path / "locked.ppt"
    data = bytearray(hostile["legacy_ppt"].read_bytes())
    data += bytes.fromhex("F60F000014000000") + bytes.fromhex("14000000DFC4D1F3") + bytes(32)
    locked.write_bytes(bytes(data))
    with pytest.raises(EncryptedDeck, match="password"):
        detect_format(locked, LIMITS)


@pytest.mark.parametrize(
    ("name", "error"),
    [("empty_file", NotAPptx), ("renamed_text", NotAPptx), ("truncated_zip", CorruptDeck)],
)
def test_given_a_non_deck_when_detected_then_a_deck_error(
    hostile: dict[str, Path], name: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        detect_format(hostile[name], LIMITS)


def test_given_an_opendocument_text_when_detected_then_not_a_presentation(tmp_path: Path) -> None:
    odt = _odp(tmp_path / "letter.odt", b"application/vnd.oasis.opendocument.text")
    with pytest.raises(NotAPptx, match="not a presentation"):
        detect_format(odt, LIMITS)


def test_given_a_file_over_the_limit_when_detected_then_deck_too_large(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "big.pdf")
    with pytest.raises(DeckTooLarge):
        detect_format(pdf, Limits(max_deck_bytes=10))


def test_given_a_pptm_when_its_macros_are_removed_then_python_pptx_reads_a_plain_deck(
    tmp_path: Path,
) -> None:
    pptm = _pptm(tmp_path / "macro.pptm")
    plain = without_macros(pptm, tmp_path / "plain.pptx")

    names = zipfile.ZipFile(plain).namelist()
    assert "ppt/vbaProject.bin" not in names
    types = zipfile.ZipFile(plain).read("[Content_Types].xml")
    assert b"vbaProject" not in types and MACRO_MAIN.encode() not in types
    rels = zipfile.ZipFile(plain).read("ppt/_rels/presentation.xml.rels")
    assert b"vbaProject" not in rels
    assert detect_format(plain, LIMITS) == "pptx"
    deck = parse_deck(plain, LIMITS)
    assert [s.script for s in deck.scenes] == ["Olá."]
    assert len(Presentation(io.BytesIO(plain.read_bytes())).slides) == 1
