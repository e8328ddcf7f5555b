"""Slide images drawn once per deck content and reused (docs/adr/0013).

An entry lives under ``slide_cache_prefix(tenant, sha)`` (per tenant: erasing a tenant erases its
cache), in a folder named after what else changes the pictures: the canvas size and the
rasterizer's version (``RASTER_VERSION``, bumped when drawing changes, e.g. a new LibreOffice or
font set in the image). Inside: ``slide-NNNN.png``, ``step-NNNN-KK.png`` and ``ready.json``, the
marker, written last. An entry without its marker is never read; redrawing an entry first
overwrites its marker with one that lists no slide.

The marker lists the slides the entry holds and, for each slide with click builds, a fingerprint
of its steps (the shapes and paragraphs each click shows: what the step pictures depend on). A
request is a hit when every slide it wants is there with the same step fingerprint; else the
deck is drawn again (one LibreOffice run) for the wanted slides plus those already held.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estudio.errors import NotFound
from estudio.models import BuildStep, Deck, RenderOptions
from estudio.observability import logger
from estudio.ports import BlobStore
from estudio.settings import Settings

RASTER_VERSION = 1  # bump when the drawn pictures change for the same deck bytes
MARKER = "ready.json"
_EMPTY = {"version": RASTER_VERSION, "slides": [], "steps": {}}
PNG = "image/png"

# The seam the entry is drawn through: ``estudio.slides.rasterize.rasterize_deck``'s signature.
Rasterizer = Callable[..., dict[int, Path]]


def slide_cache_tenant_prefix(tenant: str) -> str:
    """Every slide-cache entry of a tenant (tenant erasure deletes under it)."""
    return f"cache/slides/{tenant}/"


def slide_cache_prefix(tenant: str, deck_sha256: str) -> str:
    return f"{slide_cache_tenant_prefix(tenant)}{deck_sha256}/"


def entry_prefix(tenant: str, deck_sha256: str, width: int, height: int) -> str:
    return f"{slide_cache_prefix(tenant, deck_sha256)}{width}x{height}-r{RASTER_VERSION}/"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def steps_fingerprint(steps: list[BuildStep]) -> str:
    """What a slide's step pictures depend on: the shapes and paragraphs of each click."""
    shown = [[sorted(s.shapes), sorted(list(p) for p in s.paragraphs)] for s in steps]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SlideImages:
    """Blob keys of a deck's pictures: slide number → key, (slide number, clicks shown) → key."""

    prefix: str
    slides: dict[int, str]
    steps: dict[tuple[int, int], str] = field(default_factory=dict)
    reused: bool = False  # True: read from the cache, no LibreOffice run


def _slide_key(prefix: str, number: int) -> str:
    return f"{prefix}slide-{number:04d}.png"


def _step_key(prefix: str, number: int, shown: int) -> str:
    return f"{prefix}step-{number:04d}-{shown:02d}.png"


def _read_marker(blobs: BlobStore, prefix: str) -> dict[str, Any] | None:
    try:
        marker = json.loads(blobs.get_bytes(prefix + MARKER))
    except (NotFound, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("version") != RASTER_VERSION:
        return None
    return marker


def _images(prefix: str, marker: dict[str, Any], builds: dict[int, list[BuildStep]]) -> SlideImages:
    steps = {
        (number, shown): _step_key(prefix, number, shown)
        for number, wanted in builds.items()
        for shown in range(len(wanted))
    }
    slides = {int(n): _slide_key(prefix, int(n)) for n in marker["slides"]}
    return SlideImages(prefix=prefix, slides=slides, steps=steps, reused=True)


def _present(blobs: BlobStore, images: SlideImages, numbers: list[int]) -> bool:
    """Every picture the scenes need is still stored."""
    wanted = [images.slides[n] for n in numbers if n in images.slides]
    return all(blobs.exists(key) for key in [*wanted, *images.steps.values()])


def _covers(marker: dict[str, Any], numbers: list[int], builds: dict[int, str]) -> bool:
    held = {int(n) for n in marker.get("slides", [])}
    held_steps = marker.get("steps", {})
    return set(numbers) <= held and all(
        held_steps.get(str(n)) == fingerprint for n, fingerprint in builds.items()
    )


def ensure_slide_images(
    blobs: BlobStore,
    tenant: str,
    deck_file: Path,
    deck: Deck,
    settings: Settings,
    *,
    size: tuple[int, int] | None = None,
    deck_sha256: str | None = None,
    rasterizer: Rasterizer | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SlideImages:
    """The pictures of ``deck``'s scenes (slides and click build steps), drawn from
    ``deck_file`` once per content and canvas, then read from the cache.

    ``size``: the canvas (default: the default preset's). ``deck_sha256``: the SHA-256 of the
    uploaded file; pass it when ``deck_file`` is a converted copy (a .ppt/.odp made .pptx), whose
    bytes may differ between conversions. Default: the SHA-256 of ``deck_file``.
    ``rasterizer``: ``rasterize_deck`` (the default) or a wrapper of it. ``on_progress(done,
    total)``: after each picture stored when drawing. Raises what ``rasterize_deck`` raises.
    """
    if size is None:
        preset = RenderOptions().size
        size = (preset.width, preset.height)
    sha = deck_sha256 or file_sha256(deck_file)
    prefix = entry_prefix(tenant, sha, *size)
    numbers = sorted({s.slide_number for s in deck.scenes})
    builds = {s.slide_number: s.steps for s in deck.scenes if s.steps}
    prints = {n: steps_fingerprint(steps) for n, steps in builds.items()}
    marker = _read_marker(blobs, prefix)
    if marker is not None and _covers(marker, numbers, prints):
        found = _images(prefix, marker, builds)
        if _present(blobs, found, numbers):
            return found
        # Some picture is gone (the 30-day cache expiry counts from each object's own creation,
        # and an entry's marker can be newer than its pictures): draw it all again.
        logger.info("slide cache entry incomplete", prefix=prefix)
        marker = None
    held = [int(n) for n in marker["slides"]] if marker is not None else []
    drawn = _draw(
        blobs,
        deck_file,
        sorted(set(numbers) | set(held)),
        builds,
        size,
        settings,
        prefix,
        rasterizer,
        on_progress,
    )
    blobs.put_bytes(
        prefix + MARKER,
        json.dumps(
            {
                "version": RASTER_VERSION,
                "deck_sha256": sha,
                "width": size[0],
                "height": size[1],
                "slides": sorted(drawn.slides),
                "steps": {str(n): f for n, f in prints.items()},
            }
        ).encode(),
        "application/json",
    )
    logger.info("slide images cached", prefix=prefix, slides=len(drawn.slides))
    return drawn


def _draw(
    blobs: BlobStore,
    deck_file: Path,
    numbers: list[int],
    builds: dict[int, list[BuildStep]],
    size: tuple[int, int],
    settings: Settings,
    prefix: str,
    rasterizer: Rasterizer | None,
    on_progress: Callable[[int, int], None] | None,
) -> SlideImages:
    from estudio.deck.formats import is_pdf
    from estudio.slides.rasterize import rasterize_deck
    from estudio.slides.steps import add_step_slides

    draw = rasterizer or rasterize_deck
    # Until it is whole again the entry holds nothing (a marker listing no slide): no stage may
    # delete objects in the cloud, so the marker is overwritten rather than removed.
    blobs.put_bytes(prefix + MARKER, json.dumps(_EMPTY).encode(), "application/json")
    with tempfile.TemporaryDirectory(prefix="estudio-slide-cache-") as tmp_name:
        tmp = Path(tmp_name)
        path = deck_file
        pages: dict[tuple[int, int], int] = {}
        if builds and not is_pdf(path):
            expanded = tmp / "steps.pptx"
            pages = add_step_slides(path, expanded, builds)
            path = expanded
        wanted = numbers + sorted(pages.values())
        images = draw(
            path,
            tmp / "slides",
            size[0],
            size[1],
            slide_numbers=wanted,
            soffice=settings.soffice,
            timeout_s=settings.limits.stage_timeout_s,
        )
        by_page = {page: step for step, page in pages.items()}
        slides: dict[int, str] = {}
        steps: dict[tuple[int, int], str] = {}
        for done, page in enumerate(wanted, start=1):
            if page in by_page:
                number, shown = by_page[page]
                key = steps[(number, shown)] = _step_key(prefix, number, shown)
            else:
                key = slides[page] = _slide_key(prefix, page)
            blobs.put_file(key, images[page], PNG)
            if on_progress is not None:
                on_progress(done, len(wanted))
    return SlideImages(prefix=prefix, slides=slides, steps=steps, reused=False)
