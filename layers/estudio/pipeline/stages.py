"""The pipeline stages. Each is a plain function (context, message) -> message, called alike by a
Lambda handler, the Batch container, the local ASL runner and tests.

Stages exchange blob keys (``estudio.pipeline.keys``), never content, so each one can run on a
different machine. Every stage is idempotent: re-running it overwrites its own outputs only.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from estudio.errors import EstudioError, error_from_name
from estudio.models import Deck, Plan, Scene, ScenePlan, Speech
from estudio.observability import logger
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.pipeline.failures import batch_failure
from estudio.pipeline.messages import (
    AssembleResult,
    FailureInput,
    JobInput,
    JobRef,
    NarrationResult,
    ParseResult,
    PlanInput,
    PlanResult,
    PublishResult,
    RasterizeResult,
    RenderItem,
    RenderSceneTask,
    SceneItem,
    SceneOverride,
    SceneTask,
    SegmentInfo,
    SegmentResult,
    SpeechResult,
)
from estudio.speech.glossary import Glossary, default_glossary

M = TypeVar("M", bound=BaseModel)
StageFunction = Callable[[StageContext, Mapping[str, Any]], dict[str, Any]]


def stage(
    name: str, message: type[M]
) -> Callable[[Callable[[StageContext, M], BaseModel | None]], StageFunction]:
    """Validate the incoming payload, time the work, return plain JSON for the next state."""

    def decorate(work: Callable[[StageContext, M], BaseModel | None]) -> StageFunction:
        @wraps(work)
        def run(ctx: StageContext, payload: Mapping[str, Any]) -> dict[str, Any]:
            msg = message.model_validate(payload)
            if ctx.on_progress and name != "fail":
                ctx.on_progress(name, 0, 0)  # started: the CLI shows its bar now
            started = time.perf_counter()
            result = work(ctx, msg)
            spent = time.perf_counter() - started
            job_id = getattr(msg, "job_id", None)
            if job_id and name != "fail":
                ctx.jobs.record_stage_seconds(job_id, name, spent)
            logger.info("stage finished", stage=name, job_id=job_id, seconds=round(spent, 3))
            return result.model_dump(mode="json") if result is not None else {}

        run.stage_name = name  # type: ignore[attr-defined]
        return run

    return decorate


# --- helpers -------------------------------------------------------------------------------------
def _load(ctx: StageContext, key: str, model: type[M]) -> M:
    data = ctx.blobs.get_bytes(key)
    if model not in _SHARED:
        return model.model_validate_json(data)
    # The deck and the plan are read by every Map iteration: parsed once per content here.
    memo = (model, hashlib.sha256(data).digest())
    with _MEMO_LOCK:
        known = _MEMO.get(memo)
    if known is not None:
        return known  # type: ignore[return-value]
    value = model.model_validate_json(data)
    with _MEMO_LOCK:
        if len(_MEMO) >= 8:
            _MEMO.clear()
        _MEMO[memo] = value
    return value


_SHARED: tuple[type[BaseModel], ...] = (Deck, Plan)  # frozen models: safe to share
_MEMO: dict[tuple[type[BaseModel], bytes], BaseModel] = {}
_MEMO_LOCK = threading.Lock()


def _store(ctx: StageContext, key: str, value: BaseModel) -> None:
    ctx.blobs.put_bytes(key, value.model_dump_json(indent=2).encode(), "application/json")


def _ffmpeg(ctx: StageContext) -> tuple[str, str]:
    from estudio.media.ffmpeg import choose_encoder, ffmpeg_exe

    ffmpeg = ffmpeg_exe(ctx.settings.ffmpeg)
    return ffmpeg, choose_encoder(ffmpeg, ctx.settings.encoder)


def _speeches(ctx: StageContext, job_id: str, deck: Deck) -> list[Speech]:
    return [_load(ctx, keys.speech_model(job_id, s.index), Speech) for s in deck.scenes]


# --- stages --------------------------------------------------------------------------------------
@stage("parse", JobInput)
def parse(ctx: StageContext, msg: JobInput) -> ParseResult:
    from estudio.pipeline.deck_stages import read_job_deck

    ctx.jobs.start_stage(msg.job_id, "parse")
    job = ctx.jobs.get(msg.job_id)
    deck = read_job_deck(ctx, msg, job.source_name, job.tenant)  # any format (docs/adr/0011)
    deck = _apply_overrides(deck, msg)
    spoken_in = deck.language  # the deck's own (the scripts may be translated next)
    deck = _write_scripts(ctx, deck, msg)
    deck = _translate_slides(ctx, deck, msg, spoken_in)
    if msg.glossary:
        _store(ctx, keys.glossary(msg.job_id), Glossary(entries=msg.glossary))
    if msg.deck_key != keys.deck(msg.job_id):
        ctx.blobs.put_bytes(keys.deck(msg.job_id), ctx.blobs.get_bytes(msg.deck_key))
    _store(ctx, keys.deck_model(msg.job_id), deck)
    ctx.progress(msg.job_id, "parse", 1, 1)
    language = msg.options.language or deck.language
    return ParseResult(
        scene_count=len(deck.scenes),
        language=language,
        scenes=[SceneItem(index=s.index) for s in deck.scenes],
    )


def _apply_overrides(deck: Deck, msg: JobInput) -> Deck:
    if not msg.scene_overrides:
        return deck
    scenes = []
    for scene in deck.scenes:
        edit = msg.scene_overrides.get(scene.index)
        if edit is not None:
            changes: dict[str, Any] = {}
            if edit.script is not None:
                source = edit.script_source if edit.script_source in WRITTEN else "edited"
                changes.update(script=edit.script, script_source=source)
            if edit.voice is not None:
                changes["voice"] = edit.voice
            scene = scene.model_copy(update=changes)
        scenes.append(scene)
    return deck.model_copy(update={"scenes": _arranged(scenes, msg.scene_overrides)})


def _arranged(scenes: list[Scene], edits: Mapping[int, SceneOverride]) -> list[Scene]:
    """Hidden scenes left out, the rest in the project's order, renumbered 0.. in that order."""
    from estudio.errors import EmptyDeck

    def position(scene: Scene) -> tuple[int, int]:
        edit = edits.get(scene.index)
        at = edit.position if edit is not None and edit.position is not None else scene.index
        return at, scene.index

    hidden = {index for index, edit in edits.items() if edit.hidden}
    shown = sorted((s for s in scenes if s.index not in hidden), key=position)
    if not shown:
        raise EmptyDeck("every scene is hidden: show at least one")
    return [s.model_copy(update={"index": at}) for at, s in enumerate(shown)]


WRITTEN = ("writer:rules", "writer:openai", "writer:bedrock")


def _write_scripts(ctx: StageContext, deck: Deck, msg: JobInput) -> Deck:
    """Each scene's narration for the job's script mode (notes, a writer, or the slide text)."""
    from estudio.script.service import translate_scripts, write_scripts

    limit = ctx.settings.limits.max_script_chars
    terms = [entry.term for entry in msg.glossary]
    if msg.options.translate and msg.options.language:
        # written in the deck's own language first, then translated
        written = write_scripts(deck, msg.options.script, ctx.writers, deck.language, terms, limit)
        return translate_scripts(written, msg.options.language, ctx.writers, terms, limit)
    language = msg.options.language or deck.language
    return write_scripts(deck, msg.options.script, ctx.writers, language, terms, limit)


def _translate_slides(ctx: StageContext, deck: Deck, msg: JobInput, source: str) -> Deck:
    """The slides' text too, from ``source`` into a translated copy of the deck (ADR 0017)."""
    from estudio.pipeline.slide_translation import translate_job_slides

    return translate_job_slides(ctx, msg, deck, source)


@stage("rasterize", JobRef)
def rasterize(ctx: StageContext, msg: JobRef) -> RasterizeResult:
    from estudio.pipeline.deck_stages import rasterize_job

    ctx.jobs.start_stage(msg.job_id, "rasterize")
    deck = _load(ctx, keys.deck_model(msg.job_id), Deck)
    rasterize_job(ctx, msg, deck)  # slides and build steps in one LibreOffice run
    return RasterizeResult(slides=len(deck.scenes))


@stage("speak", SceneTask)
def speak(ctx: StageContext, msg: SceneTask) -> SpeechResult:
    from estudio.speech.cache import SpeechCache, tenant_cache_prefix
    from estudio.speech.service import speak as synthesize

    deck = _load(ctx, keys.deck_model(msg.job_id), Deck)
    scene = deck.scenes[msg.index]
    language = msg.options.language or deck.language
    with ctx.scratch("speak") as tmp:
        wav = tmp / "speech.wav"
        if scene.script.strip():
            speech = synthesize(
                scene.script,
                scene.voice or msg.options.voice,
                language,
                wav,
                ctx.voices,
                glossary=_glossary(ctx, msg.job_id, language),
                chain=ctx.settings.voice_chain,
                cache=SpeechCache(ctx.blobs, tenant_cache_prefix(ctx.jobs.get(msg.job_id).tenant)),
            )
            ctx.blobs.put_file(keys.speech_audio(msg.job_id, msg.index), wav, "audio/wav")
        else:
            _, voice = ctx.voices.resolve(scene.voice or msg.options.voice, language)
            speech = Speech(
                voice=voice.id,
                language=language,
                written="",
                spoken="",
                duration_s=0.0,
                sample_rate=0,
            )
    _store(ctx, keys.speech_model(msg.job_id, msg.index), speech)
    ctx.item_done(msg.job_id, "speak", msg.index, len(deck.scenes))
    return SpeechResult(index=msg.index, duration_s=speech.duration_s, voice=speech.voice)


def segment_cache_prefix(tenant: str) -> str:
    return f"cache/segments/{tenant}/"


def _glossary(ctx: StageContext, job_id: str, language: str) -> Glossary:
    """The shipped glossary for the language, overridden by the job's own (tenant + project)."""
    shipped = default_glossary(language)
    key = keys.glossary(job_id)
    return shipped.merged(_load(ctx, key, Glossary)) if ctx.blobs.exists(key) else shipped


@stage("plan", PlanInput)
def plan(ctx: StageContext, msg: PlanInput) -> PlanResult:
    from estudio.plan import make_plan

    ctx.jobs.start_stage(msg.job_id, "plan")
    deck = _load(ctx, keys.deck_model(msg.job_id), Deck)
    _, encoder = _ffmpeg(ctx)
    timeline = make_plan(deck, _speeches(ctx, msg.job_id, deck), msg.options, encoder=encoder)
    if msg.options.brand is not None:  # intro and outro cards around the slides
        from estudio.brand.stage_parts import add_cards, speak_cards

        spoken = speak_cards(ctx, msg.job_id, deck, msg.options)
        timeline = add_cards(timeline, msg.options.brand, deck, spoken)
    _store(ctx, keys.plan(msg.job_id), timeline)
    ctx.progress(msg.job_id, "plan", 1, 1)
    return PlanResult(
        duration_s=timeline.duration_s,
        scenes=[RenderItem(index=s.index, avatar=s.avatar) for s in timeline.scenes],
    )


def _scene_subtitles(speech: Speech, scene: ScenePlan, width: int, height: int) -> str:
    from estudio.speech.captions import build_cues, to_ass

    cues = build_cues(speech.words, speech.written, offset_s=scene.speech_offset_s)
    return to_ass(cues, width, height)


@stage("render", RenderSceneTask)
def render_scene(ctx: StageContext, msg: RenderSceneTask) -> SegmentResult:
    """One scene's video-only segment. Identical segments (same picture, length, captions and
    encoder) are rendered once and reused, within a job and across re-renders."""
    from estudio.media.ffmpeg import scene_encoder

    timeline = _load(ctx, keys.plan(msg.job_id), Plan)
    scene = timeline.scenes[msg.index]
    speech = _load(ctx, keys.speech_model(msg.job_id, msg.index), Speech)
    ffmpeg, host_encoder = _ffmpeg(ctx)
    encoder = scene_encoder(scene.encoder, host_encoder)  # presenter scenes: this host's choice
    target = keys.segment(msg.job_id, msg.index)
    ass = ""
    if msg.options.subtitles == "burn" and speech.words:
        ass = _scene_subtitles(speech, scene, timeline.width, timeline.height)
    fonts = None
    if ass and msg.options.brand is not None:  # the kit's caption style and font
        from estudio.brand.stage_parts import branded_captions

        ass, fonts = branded_captions(ctx, msg.options.brand, ass, timeline)
    image_bytes = ctx.blobs.get_bytes(keys.slide_image(msg.job_id, scene.slide_number))
    if msg.options.brand is not None:  # template and logo drawn into the slide picture
        from estudio.brand.stage_parts import branded_slide

        deck = _load(ctx, keys.deck_model(msg.job_id), Deck)
        layout = msg.options.avatar_layout if msg.avatar else None
        image_bytes = branded_slide(ctx, msg.options.brand, image_bytes, deck.aspect, layout)
    fade_in, fade_out = _fades(scene, len(timeline.scenes))
    reused = False
    cached = None
    if not msg.avatar and not scene.step_times_s:  # a still: its cached segment, if made before
        fingerprint = hashlib.sha256(
            b"\0".join(
                [
                    image_bytes,
                    ass.encode(),
                    json.dumps(
                        [scene.duration_s, timeline.fps, encoder, fade_in, fade_out]
                    ).encode(),
                ]
            )
        ).hexdigest()
        # Per tenant, like the speech cache: erasing a tenant erases its cached segments.
        cached = f"{segment_cache_prefix(ctx.jobs.get(msg.job_id).tenant)}{fingerprint}.mp4"
        reused = ctx.blobs.exists(cached)
    if reused and cached is not None:
        ctx.blobs.put_bytes(target, ctx.blobs.get_bytes(cached), "video/mp4")
    else:
        from estudio.pipeline.render_stage import make_segment

        reused = make_segment(
            ctx, msg, timeline, scene, speech, (image_bytes, ass, fonts), (encoder, ffmpeg), cached
        )
    info = SegmentInfo(rendered_on=ctx.settings.render_host, encoder=encoder, reused=reused)
    _store(ctx, keys.segment_info(msg.job_id, msg.index), info)
    ctx.item_done(msg.job_id, "render", msg.index, len(timeline.scenes))
    return SegmentResult(index=msg.index, key=target, reused=reused, encoder=encoder)


def _encoders(ctx: StageContext, job_id: str, timeline: Plan) -> str:
    """The encoders that made the job's segments, as each render recorded ("a,b" when mixed)."""
    from estudio.errors import NotFound

    used: set[str] = set()
    for scene in timeline.scenes:
        try:
            info = json.loads(ctx.blobs.get_bytes(keys.segment_info(job_id, scene.index)))
        except NotFound:  # rendered before segments recorded their encoder
            info = {}
        used.add(str(info.get("encoder") or timeline.encoder))
    return ",".join(sorted(used)) or timeline.encoder


def _rendered_on(ctx: StageContext, job_id: str, index: int) -> str | None:
    key = keys.segment_info(job_id, index)
    return _load(ctx, key, SegmentInfo).rendered_on if ctx.blobs.exists(key) else None


def _fades(scene: ScenePlan, count: int) -> tuple[float, float]:
    if scene.transition != "fade":
        return 0.0, 0.0
    edge = 0.4
    return (edge if scene.index > 0 else 0.0), (edge if scene.index < count - 1 else 0.0)


@stage("narrate", JobRef)
def narrate(ctx: StageContext, msg: JobRef) -> NarrationResult:
    """One continuous narration track, each scene's speech placed at its start: spliced from
    cached per-scene pieces (``estudio.pipeline.narrate_stage``)."""
    from estudio.pipeline.narrate_stage import build_narration

    timeline = _load(ctx, keys.plan(msg.job_id), Plan)
    ffmpeg, _ = _ffmpeg(ctx)
    prefix = segment_cache_prefix(ctx.jobs.get(msg.job_id).tenant)
    build_narration(ctx, msg, timeline, ffmpeg, prefix)
    if ctx.on_progress:  # runs beside the scene renders: a bar, but no share of the job's progress
        ctx.on_progress("narrate", 1, 1)
    return NarrationResult(key=keys.narration(msg.job_id), duration_s=timeline.duration_s)


@stage("assemble", JobRef)
def assemble(ctx: StageContext, msg: JobRef) -> AssembleResult:
    """Concatenate the scene segments (video copied) and mux the narration (audio copied)."""
    from estudio.media.assemble import assemble_video

    ctx.jobs.start_stage(msg.job_id, "assemble")
    deck = _load(ctx, keys.deck_model(msg.job_id), Deck)
    timeline = _load(ctx, keys.plan(msg.job_id), Plan)
    ffmpeg, _ = _ffmpeg(ctx)
    output = keys.output(msg.job_id, "video.mp4")
    cached = None
    if msg.options.brand is None:  # the same segments and narration: the same video (ADR 0013)
        from estudio.pipeline.narrate_stage import assembly_cache_key

        prefix = segment_cache_prefix(ctx.jobs.get(msg.job_id).tenant)
        cached = assembly_cache_key(ctx, msg.job_id, timeline, deck.title, ffmpeg, prefix)
        if ctx.blobs.exists(cached):
            with ctx.scratch("assemble") as tmp:
                ctx.blobs.put_file(
                    output, ctx.blobs.get_file(cached, tmp / "video.mp4"), "video/mp4"
                )
            ctx.progress(msg.job_id, "assemble", 1, 1)
            return AssembleResult(duration_s=timeline.duration_s, video_key=output)
    with ctx.scratch("assemble") as tmp:
        segments = []
        for done, scene in enumerate(timeline.scenes, start=1):
            segments.append(
                ctx.blobs.get_file(
                    keys.segment(msg.job_id, scene.index), tmp / f"seg{scene.index:04d}.mp4"
                )
            )
            if done % 10 == 0:
                ctx.progress(msg.job_id, "assemble", done, len(timeline.scenes) + 2)
        if msg.options.brand is not None and (timeline.intro or timeline.outro):
            from estudio.brand.stage_parts import render_cards
            from estudio.media.ffmpeg import scene_encoder

            host = scene_encoder(timeline.encoder, _ffmpeg(ctx)[1])
            cards = render_cards(ctx, timeline, msg.options.brand, ffmpeg, host, tmp)
            segments = [*([cards["intro"]] if "intro" in cards else []), *segments]
            segments += [cards["outro"]] if "outro" in cards else []
        narration = ctx.blobs.get_file(keys.narration(msg.job_id), tmp / "narration.m4a")
        video = tmp / "video.mp4"
        assemble_video(
            segments,
            narration,
            video,
            ffmpeg,
            chapters=timeline.chapters,
            title=deck.title,
            timeout_s=ctx.settings.limits.stage_timeout_s,
            fps=timeline.fps,
        )
        ctx.progress(msg.job_id, "assemble", len(timeline.scenes) + 1, len(timeline.scenes) + 2)
        ctx.blobs.put_file(output, video, "video/mp4")
        if cached is not None:
            ctx.blobs.put_file(cached, video, "video/mp4")
    ctx.progress(msg.job_id, "assemble", 1, 1)
    return AssembleResult(duration_s=timeline.duration_s, video_key=output)


@stage("publish", JobRef)
def publish(ctx: StageContext, msg: JobRef) -> PublishResult:
    """Captions, thumbnail and manifest: ``estudio.pipeline.publish_stage``."""
    from estudio.pipeline.publish_stage import publish_outputs

    return publish_outputs(ctx, msg)


@stage("fail", FailureInput)
def record_failure(ctx: StageContext, msg: FailureInput) -> None:
    """The Catch target: turn Step Functions' {Error, Cause} into the job's code and message."""
    name = msg.error.get("Error", "EstudioError")
    cause = msg.error.get("Cause", "")
    message = cause
    try:  # Lambda puts {"errorMessage", "errorType", ...} in Cause
        parsed = json.loads(cause)
        if isinstance(parsed, dict):
            message = str(parsed.get("errorMessage", cause))
    except ValueError:
        pass
    batch = batch_failure(name, cause)  # a Batch job's description: our own code instead
    if batch is not None:
        name, message = type(batch).__name__, batch.message
    error = error_from_name(name, message)
    code = (
        error.code
        if type(error) is not EstudioError or name == "EstudioError"
        else "internal_error"
    )
    ctx.jobs.fail(msg.job_id, code, message.splitlines()[0][:500] if message else name)
    log = logger.info if error.user_error else logger.error
    log("job failed", job_id=msg.job_id, error=name, code=code)


def package(ctx: StageContext, payload: Mapping[str, Any]) -> dict[str, Any]:
    """LMS packages and the storyboard: ``estudio.pipeline.package_stage``."""
    from estudio.pipeline.package_stage import package as build

    return build(ctx, payload)


package.stage_name = "package"  # type: ignore[attr-defined]

# The ASL placeholder each stage answers to (CDK substitutes Lambda ARNs for these).
RESOURCES: dict[str, StageFunction] = {
    "ParseFunctionArn": parse,
    "RasterizeFunctionArn": rasterize,
    "SpeakFunctionArn": speak,
    "PlanFunctionArn": plan,
    "RenderSceneFunctionArn": render_scene,
    "NarrateFunctionArn": narrate,
    "AssembleFunctionArn": assemble,
    "PublishFunctionArn": publish,
    "PackageFunctionArn": package,
    "FailFunctionArn": record_failure,
}


def render_scene_file(
    ctx: StageContext, job_id: str, index: int, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The Batch container's entry into the same render stage."""
    timeline = _load(ctx, keys.plan(job_id), Plan)
    avatar = timeline.scenes[index].avatar
    return render_scene(
        ctx, {"job_id": job_id, "index": index, "avatar": avatar, "options": options}
    )


__all__ = ["RESOURCES", "EstudioError", "Path", "StageContext"]
