"""The parse and rasterize stages' work on a job's deck (the stage functions in ``stages.py`` call
these): any input format in, build-step images out, warnings a user can act on.

Blobs: the uploaded file stays at its key; a deck that had to be converted is stored at
``keys.converted_deck`` and the rasterizer draws from it (else from ``keys.deck``). Build-step
images go to ``keys.step_image``; the rasterizer's font findings to ``keys.slides_report``.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from estudio.models import Deck, ScenePlan
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.pipeline.messages import JobInput, JobRef

if TYPE_CHECKING:
    from estudio.settings import Limits
    from estudio.slides.cache import SlideImages

PNG = "image/png"
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def read_job_deck(
    ctx: StageContext, msg: JobInput, source_name: str | None, tenant: str | None = None
) -> Deck:
    """Detect, convert when needed and parse the job's input; keep the converted file. With
    ``tenant``, a .pptx or PDF parsed before (the same bytes, name, limits and parser code) is
    read from the tenant's cache instead (docs/adr/0013)."""
    from estudio.deck.inputs import read_deck

    converted = keys.converted_deck(msg.job_id)
    with ctx.scratch("parse") as tmp:
        path = ctx.blobs.get_file(msg.deck_key, tmp / "input.bin")
        cached = None
        if tenant is not None:
            cached = parsed_deck_key(tenant, path, source_name, ctx.settings.limits)
        if cached is not None and ctx.blobs.exists(cached):
            deck = Deck.model_validate_json(ctx.blobs.get_bytes(cached))
            slides_from = path
        else:
            deck, slides_from = read_deck(
                path,
                ctx.settings.limits,
                tmp / "convert",
                source_name=source_name,
                soffice=ctx.settings.soffice,
            )
            if cached is not None and slides_from == path:  # converted inputs: parsed each time
                ctx.blobs.put_bytes(cached, deck.model_dump_json().encode(), "application/json")
        if slides_from != path:
            ctx.blobs.put_file(converted, slides_from, PPTX_TYPE)
        elif ctx.blobs.exists(converted):
            ctx.blobs.delete(converted)
    if msg.options.builds == "off":
        deck = without_builds(deck)
    return deck


@cache
def parser_fingerprint() -> str:
    """The parser's code (every module of ``estudio.deck``) and the libraries it reads with."""
    import lxml
    import pptx

    import estudio.deck

    digest = hashlib.sha256(f"{pptx.__version__} {lxml.__version__}".encode())
    for module in sorted(Path(estudio.deck.__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()


def parsed_deck_key(tenant: str, path: Path, source_name: str | None, limits: Limits) -> str:
    """Where the parse of these deck bytes is cached, beside the deck's slide images."""
    from estudio.slides.cache import file_sha256, slide_cache_prefix

    settings = json.dumps([parser_fingerprint(), source_name, limits.model_dump(mode="json")])
    variant = hashlib.sha256(settings.encode()).hexdigest()[:32]
    return f"{slide_cache_prefix(tenant, file_sha256(path))}deck-{variant}.json"


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


def rasterize_job(ctx: StageContext, msg: JobRef, deck: Deck) -> SlideImages:
    """Slide images (and build-step images) of the job's deck: from the tenant's slide cache
    when this deck content was drawn at this size before, else one LibreOffice run that fills
    the cache (``estudio.slides.cache``). The pictures are copied to the job's keys."""
    from estudio.slides.cache import ensure_slide_images, file_sha256
    from estudio.slides.fonts import font_warnings

    size = msg.options.size
    converted = keys.converted_deck(msg.job_id)
    has_converted = ctx.blobs.exists(converted)
    tenant = ctx.jobs.get(msg.job_id).tenant
    with ctx.scratch("rasterize") as tmp:
        original = ctx.blobs.get_file(keys.deck(msg.job_id), tmp / "deck.pptx")
        path = original
        if has_converted:  # keyed by the uploaded bytes; drawn from the converted copy
            path = ctx.blobs.get_file(converted, tmp / "converted.pptx")
        images = ensure_slide_images(
            ctx.blobs,
            tenant,
            path,
            deck,
            ctx.settings,
            size=(size.width, size.height),
            deck_sha256=file_sha256(original),
            on_progress=lambda done, total: _drawn(ctx, msg.job_id, done, total),
        )
    wanted = {s.slide_number for s in deck.scenes}
    for number, key in images.slides.items():
        if number in wanted:
            ctx.blobs.put_bytes(keys.slide_image(msg.job_id, number), ctx.blobs.get_bytes(key), PNG)
    for (number, shown), key in images.steps.items():
        target = keys.step_image(msg.job_id, number, shown)
        ctx.blobs.put_bytes(target, ctx.blobs.get_bytes(key), PNG)
    count = len(wanted) + len(images.steps)
    ctx.progress(msg.job_id, "rasterize", count, count)
    report: dict[str, Any] = {
        "warnings": font_warnings(deck.fonts),
        "images": count,
        "reused": images.reused,
    }
    ctx.blobs.put_bytes(
        keys.slides_report(msg.job_id), json.dumps(report).encode(), "application/json"
    )
    return images


def _drawn(ctx: StageContext, job_id: str, done: int, total: int) -> None:
    if done % 10 == 0 or done == total:  # progress rows are writes: not one per picture
        ctx.progress(job_id, "rasterize", done, total)


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
    cache_prefix: str,
) -> bool:
    """Encode a scene with build steps to ``out``; True when an identical segment was reused
    (cached under ``cache_prefix``, the tenant's segment cache)."""
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
    cached = f"{cache_prefix}{digest.hexdigest()}.mp4"
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
