"""The slide-image cache with real LibreOffice and pdftoppm (docs/adr/0013).

LibreOffice runs are counted by pointing ``Settings.soffice`` at a small script that notes each
start in a file and then runs the real soffice: nothing is mocked away."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.dml.color import RGBColor

from estudio.adapters.local.blobs import FolderBlobStore
from estudio.deck.parse import parse_deck
from estudio.local import local_context
from estudio.models import Deck, RenderOptions
from estudio.pipeline import keys, stages
from estudio.settings import Limits, Settings
from estudio.slides.cache import MARKER, ensure_slide_images, file_sha256, slide_cache_prefix

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("soffice") and shutil.which("pdftoppm")),
        reason="LibreOffice and poppler-utils are needed",
    ),
]

COLOURS = [(200, 30, 30), (30, 160, 60), (40, 60, 200)]
SMALL = (320, 180)


def _deck(path: Path, colours: list[tuple[int, int, int]]) -> Path:
    prs = Presentation()
    for n, colour in enumerate(colours, start=1):
        slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
        slide.shapes.title.text = f"Slide {n}"
        fill = slide.background.fill
        fill.solid()
        fill.fore_color.rgb = RGBColor(*colour)
    prs.save(str(path))
    return path


def _counting_soffice(folder: Path) -> tuple[str, Path]:
    """A soffice that records each start, then runs the real one with the same arguments."""
    real = shutil.which("soffice")
    assert real is not None
    runs = folder / "soffice-runs.txt"
    script = folder / "soffice"
    script.write_text(f'#!/bin/sh\necho run >> "{runs}"\nexec "{real}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), runs


def _runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def _parsed(path: Path) -> Deck:
    return parse_deck(path, Limits())


def test_given_a_deck_drawn_once_when_asked_again_then_no_libreoffice_runs(
    tmp_path: Path,
) -> None:
    # Given a deck and a store
    soffice, log = _counting_soffice(tmp_path)
    settings = Settings(data=tmp_path / "data", soffice=soffice)
    blobs = FolderBlobStore(tmp_path / "blobs")
    path = _deck(tmp_path / "deck.pptx", COLOURS)
    deck = _parsed(path)

    # When it is drawn, then asked for again with the same bytes (a copy elsewhere)
    first = ensure_slide_images(blobs, "t1", path, deck, settings, size=SMALL)
    copy = tmp_path / "copy.pptx"
    shutil.copyfile(path, copy)
    second = ensure_slide_images(blobs, "t1", copy, deck, settings, size=SMALL)

    # Then one LibreOffice run in all, and the second answer is the cached pictures
    assert _runs(log) == 1
    assert not first.reused and second.reused
    assert sorted(second.slides) == [1, 2, 3]
    assert second.slides == first.slides
    assert first.prefix.startswith(slide_cache_prefix("t1", file_sha256(path)))
    assert all(blobs.exists(k) for k in second.slides.values())

    # When the marker is gone (a half-written entry), then the entry is not used: drawn again
    blobs.delete(first.prefix + MARKER)
    again = ensure_slide_images(blobs, "t1", path, deck, settings, size=SMALL)
    assert _runs(log) == 2 and not again.reused

    # When a picture expired before its marker (lifecycle expiry counts per object), then the
    # entry is drawn again rather than handed out with a hole in it
    blobs.delete(again.slides[2])
    refilled = ensure_slide_images(blobs, "t1", path, deck, settings, size=SMALL)
    assert _runs(log) == 3 and not refilled.reused
    assert all(blobs.exists(k) for k in refilled.slides.values())

    # When another tenant, another canvas, or changed deck bytes ask, then each is drawn
    ensure_slide_images(blobs, "t2", path, deck, settings, size=SMALL)
    ensure_slide_images(blobs, "t1", path, deck, settings, size=(160, 90))
    changed = _deck(tmp_path / "changed.pptx", [COLOURS[0], (250, 250, 250), COLOURS[2]])
    redrawn = ensure_slide_images(blobs, "t1", changed, _parsed(changed), settings, size=SMALL)
    assert _runs(log) == 6
    assert not redrawn.reused and redrawn.prefix != first.prefix
    old, new = blobs.get_bytes(first.slides[2]), blobs.get_bytes(redrawn.slides[2])
    assert old != new


def test_given_two_renders_of_one_deck_when_rasterized_then_the_second_starts_no_libreoffice(
    tmp_path: Path,
) -> None:
    # Given a local context whose soffice counts its runs, and one deck uploaded twice
    soffice, log = _counting_soffice(tmp_path)
    ctx = local_context(Settings(data=tmp_path / "data", soffice=soffice))
    path = _deck(tmp_path / "deck.pptx", COLOURS)
    options = RenderOptions(preset="720p")
    for job_id in ("job-a", "job-b"):
        ctx.blobs.put_file(keys.deck(job_id), path)
        ctx.jobs.create(job_id, "tenant-x", keys.deck(job_id), "deck.pptx", options)

    # When each job's parse and rasterize stages run
    seconds = {}
    for job_id in ("job-a", "job-b"):
        payload = {"job_id": job_id, "deck_key": keys.deck(job_id), "options": options}
        stages.parse(ctx, payload)
        stages.rasterize(ctx, {"job_id": job_id, "options": options})
        seconds[job_id] = ctx.jobs.get(job_id).stage_seconds["rasterize"]

    # Then LibreOffice ran for the first job only, and both jobs hold the same pictures
    assert _runs(log) == 1
    for n in (1, 2, 3):
        a = ctx.blobs.get_bytes(keys.slide_image("job-a", n))
        assert a == ctx.blobs.get_bytes(keys.slide_image("job-b", n))
    assert seconds["job-b"] < seconds["job-a"]
    report = ctx.blobs.get_bytes(keys.slides_report("job-b"))
    assert b'"reused": true' in report
