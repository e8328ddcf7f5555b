"""The parse and rasterize stages' work on a job's deck (the stage functions in ``stages.py`` call
these): any input format in, build-step images out, warnings a user can act on.

Blobs: the uploaded file stays at its key; a deck that had to be converted is stored at
``keys.converted_deck`` and the rasterizer draws from it (else from ``keys.deck``). Build-step
images go to ``keys.step_image``; the rasterizer's font findings to ``keys.slides_report``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from estudio.models import Deck, ScenePlan
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.pipeline.messages import JobInput, JobRef

PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def read_job_deck(ctx: StageContext, msg: JobInput, source_name: str | None) -> Deck:
    """Detect, convert when needed and parse the job's input; keep the converted file."""
    from estudio.deck.inputs import read_deck

    with ctx.scratch("parse") as tmp:
        path = ctx.blobs.get_file(msg.deck_key, tmp / "input.bin")
        deck, slides_from = read_deck(
            path,
            ctx.settings.limits,
            tmp / "convert",
            source_name=source_name,
            soffice=ctx.settings.soffice,
        )
        converted = keys.converted_deck(msg.job_id)
        if slides_from != path:
            ctx.blobs.put_file(converted, slides_from, PPTX_TYPE)
        elif ctx.blobs.exists(converted):
            ctx.blobs.delete(converted)
    if msg.options.builds == "off":
        deck = without_builds(deck)
    return deck


def without_builds(deck: Deck) -> Deck:
    """Every scene shown complete, as before build steps existed (``--builds off``)."""
    scenes = [
        s.model_copy(update={"steps": [], "warnings": _builds_off(s.warnings)}) if s.steps else s
        for s in deck.scenes
    ]
    return deck.model_copy(update={"scenes": scenes})


def _builds_off(warnings: list[str]) -> list[str]:
    kept = [w for w in warnings if not w.startswith("animation:")]
    return [*kept, "animation: builds are off; the slide is shown fully built"]


def rasterize_job(ctx: StageContext, msg: JobRef, deck: Deck) -> int:
    """Slide images (and build-step images) of the job's deck, one LibreOffice run. Returns the
    number of images stored."""
    from estudio.deck.formats import is_pdf
    from estudio.slides.fonts import font_warnings
    from estudio.slides.rasterize import rasterize_deck
    from estudio.slides.steps import add_step_slides

    size = msg.options.size
    numbers = [s.slide_number for s in deck.scenes]
    key = slides_source(ctx, msg.job_id)
    with ctx.scratch("rasterize") as tmp:
        path = ctx.blobs.get_file(key, tmp / "deck.pptx")
        builds = {s.slide_number: s.steps for s in deck.scenes if s.steps}
        pages: dict[tuple[int, int], int] = {}
        if builds and not is_pdf(path):
            expanded = tmp / "steps.pptx"
            pages = add_step_slides(path, expanded, builds)
            path = expanded
        wanted = numbers + sorted(pages.values())
        images = rasterize_deck(
            path,
            tmp / "slides",
            size.width,
            size.height,
            slide_numbers=wanted,
            soffice=ctx.settings.soffice,
            timeout_s=ctx.settings.limits.stage_timeout_s,
        )
        by_page = {page: step for step, page in pages.items()}
        for done, page in enumerate(wanted, start=1):
            if page in by_page:
                number, shown = by_page[page]
                target = keys.step_image(msg.job_id, number, shown)
            else:
                target = keys.slide_image(msg.job_id, page)
            ctx.blobs.put_file(target, images[page], "image/png")
            ctx.progress(msg.job_id, "rasterize", done, len(wanted))
    report: dict[str, Any] = {"warnings": font_warnings(deck.fonts), "images": len(wanted)}
    ctx.blobs.put_bytes(
        keys.slides_report(msg.job_id), json.dumps(report).encode(), "application/json"
    )
    return len(wanted)


def slides_source(ctx: StageContext, job_id: str) -> str:
    """The deck the slide images are drawn from: its translated copy (ADR 0017), else the
    converted file (ADR 0011), else the upload."""
    for key in (keys.translated_deck(job_id), keys.converted_deck(job_id)):
        if ctx.blobs.exists(key):
            return key
    return keys.deck(job_id)


def deck_warnings(ctx: StageContext, job_id: str, deck: Deck) -> list[str]:
    """The deck's warnings for the manifest: the rasterizer's font findings (what was really
    missing where the slides were drawn, and its substitute) replace parse's guess."""
    key = keys.slides_report(job_id)
    if not ctx.blobs.exists(key):
        return deck.warnings
    report = json.loads(ctx.blobs.get_bytes(key))
    fonts = [str(w) for w in report.get("warnings", [])]
    return [w for w in deck.warnings if not w.startswith("fonts:")] + fonts


def step_images(
    ctx: StageContext, job_id: str, slide_number: int, steps: int, dest: Path
) -> list[Path]:
    """The step images of a slide, then the slide itself (its last step), as files in ``dest``."""
    paths = [
        ctx.blobs.get_file(keys.step_image(job_id, slide_number, k), dest / f"step{k:02d}.png")
        for k in range(steps)
    ]
    last = dest / f"step{steps:02d}.png"
    return [*paths, ctx.blobs.get_file(keys.slide_image(job_id, slide_number), last)]


def render_step_scene(
    ctx: StageContext,
    job_id: str,
    scene: ScenePlan,
    fps: int,
    encoding: tuple[str, str],
    fades: tuple[float, float],
    subtitles: Path | None,
    out: Path,
) -> bool:
    """Encode a scene with build steps to ``out``; True when an identical segment was reused."""
    from estudio.media.steps import render_steps_segment

    encoder, ffmpeg = encoding
    fade_in, fade_out = fades
    images = step_images(ctx, job_id, scene.slide_number, len(scene.step_times_s), out.parent)
    digest = hashlib.sha256()
    for image in images:
        digest.update(hashlib.sha256(image.read_bytes()).digest())
    digest.update(subtitles.read_bytes() if subtitles is not None else b"")
    digest.update(
        json.dumps(
            ["steps", scene.step_times_s, scene.duration_s, fps, encoder, fade_in, fade_out]
        ).encode()
    )
    cached = f"cache/segments/{digest.hexdigest()}.mp4"
    if ctx.blobs.exists(cached):
        ctx.blobs.get_file(cached, out)
        return True
    render_steps_segment(
        images,
        scene.step_times_s,
        out,
        scene.duration_s,
        fps,
        encoder,
        ffmpeg,
        subtitles_ass=subtitles,
        fade_in_s=fade_in,
        fade_out_s=fade_out,
    )
    ctx.blobs.put_file(cached, out, "video/mp4")
    return False
