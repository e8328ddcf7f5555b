"""Every input format, made here from the bundled example with LibreOffice, reads into the same
scenes as its .pptx twin (a PDF: one scene per page, its text as the narration)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from estudio.deck.build_samples import make_strict_deck
from estudio.deck.inputs import read_deck
from estudio.deck.parse import parse_deck
from estudio.deck.samples import make_hostile_decks
from estudio.errors import CorruptDeck, EncryptedDeck
from estudio.settings import Limits

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "examples" / "nr10-seguranca-eletrica.pptx"
LEGACY = ROOT / ".." / "shared" / "corpus" / "legacy"
LIMITS = Limits()
FILTERS = {
    "ppt": "ppt:MS PowerPoint 97",
    "odp": "odp:impress8",
    "pdf": "pdf:impress_pdf_Export",
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("soffice") and shutil.which("pdftotext")),
        reason="LibreOffice and poppler-utils are needed",
    ),
]


def libreoffice_convert(src: Path, fmt: str, out_dir: Path) -> Path:
    """What a trainer's own office suite would save: the example as .ppt, .odp or .pdf."""
    profile = out_dir / "profile"
    subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            FILTERS[fmt],
            "--outdir",
            str(out_dir),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    out = out_dir / f"{src.stem}.{fmt}"
    assert out.is_file() and out.stat().st_size > 0
    return out


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("twins")
    made = {fmt: libreoffice_convert(EXAMPLE, fmt, base / fmt) for fmt in FILTERS}
    made["pptx-strict"] = make_strict_deck(EXAMPLE, base / "strict" / "strict.pptx")
    # Named like something else: only the content counts.
    for fmt, path in list(made.items()):
        renamed = path.with_name(f"aula-{fmt}.pptx")
        path.rename(renamed)
        made[fmt] = renamed
    return made


@pytest.mark.parametrize("fmt", ["ppt", "odp", "pptx-strict"])
def test_given_a_converted_twin_when_read_then_it_has_the_pptx_scenes(
    twins: dict[str, Path], fmt: str, tmp_path: Path
) -> None:
    original = parse_deck(EXAMPLE, LIMITS)

    deck, slides_from = read_deck(twins[fmt], LIMITS, tmp_path, source_name=f"aula.{fmt}")

    assert deck.source_format == fmt
    assert slides_from != twins[fmt] and slides_from.suffix == ".pptx"
    assert len(deck.scenes) == len(original.scenes)
    assert [s.slide_number for s in deck.scenes] == [s.slide_number for s in original.scenes]
    assert [s.title for s in deck.scenes] == [s.title for s in original.scenes]
    assert deck.scenes[1].script_source == "notes"
    assert deck.language == original.language


def test_given_a_pdf_handout_when_read_then_one_scene_per_page_narrated_from_its_text(
    twins: dict[str, Path], tmp_path: Path
) -> None:
    original = parse_deck(EXAMPLE, LIMITS)

    deck, slides_from = read_deck(twins["pdf"], LIMITS, tmp_path)

    assert deck.source_format == "pdf" and slides_from == twins["pdf"]
    assert len(deck.scenes) == len(original.scenes)  # the export leaves hidden slides out
    for scene, twin in zip(deck.scenes, original.scenes, strict=True):
        assert scene.script_source == "slide_text"
        assert twin.title and twin.title.split()[0] in scene.script
    assert deck.slide_width_emu / deck.slide_height_emu == pytest.approx(16 / 9, rel=0.01)


def test_given_a_file_libreoffice_cannot_open_when_read_then_corrupt_deck(tmp_path: Path) -> None:
    fake_ppt = make_hostile_decks(tmp_path / "hostile")["legacy_ppt"]  # a header, no content
    with pytest.raises(CorruptDeck, match="LibreOffice could not open"):
        read_deck(fake_ppt, LIMITS, tmp_path / "work")


@pytest.mark.skipif(not LEGACY.is_dir(), reason="shared legacy corpus not present")
def test_given_password_protected_corpus_ppts_when_read_then_encrypted_deck(tmp_path: Path) -> None:
    locked = sorted(LEGACY.glob("*Password_Protected*.ppt"))
    assert locked
    for path in locked:
        with pytest.raises(EncryptedDeck):
            read_deck(path, LIMITS, tmp_path / path.stem)
