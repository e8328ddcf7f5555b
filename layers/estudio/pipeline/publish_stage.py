"""The publish stage's work: captions (VTT/SRT), the thumbnail and the manifest beside the
video, then the job marked done — or handed to the package stage when packages were asked for."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from estudio.models import Deck, Manifest, ManifestScene, Plan
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.pipeline.messages import JobRef, PublishResult
from estudio.pipeline.stages import (
    _encoders,
    _load,
    _rendered_on,
    _speeches,
    segment_cache_prefix,
)


def publish_outputs(ctx: StageContext, msg: JobRef) -> PublishResult:
    """Captions, thumbnail and manifest beside the video; the job done (or handed to the
    package stage)."""
    from estudio.media.thumbnail import make_thumbnail
    from estudio.pipeline.deck_stages import deck_warnings
    from estudio.speech.captions import build_cues, to_srt, to_vtt

    ctx.jobs.start_stage(msg.job_id, "publish")
    deck = _load(ctx, keys.deck_model(msg.job_id), Deck)
    timeline = _load(ctx, keys.plan(msg.job_id), Plan)
    speeches = _speeches(ctx, msg.job_id, deck)
    cues = []
    for scene, speech in zip(timeline.scenes, speeches, strict=True):
        if speech.words:
            cues += build_cues(
                speech.words, speech.written, offset_s=scene.start_s + scene.speech_offset_s
            )
    outputs = {
        name: keys.output(msg.job_id, name)
        for name in (
            "video.mp4",
            "subtitles.vtt",
            "subtitles.srt",
            "thumbnail.jpg",
            "manifest.json",
        )
    }
    if timeline.intro or timeline.outro:  # the cards' spoken lines are captioned too
        from estudio.brand.stage_parts import card_cues

        cues = sorted([*cues, *card_cues(ctx, msg.job_id, timeline)], key=lambda c: c.start_s)
    vtt = to_vtt(cues)
    if msg.options.brand is not None and msg.options.brand.captions is not None:
        from estudio.brand.captions import vtt_with_position

        vtt = vtt_with_position(vtt, msg.options.brand.captions)
    ctx.blobs.put_bytes(outputs["subtitles.vtt"], vtt.encode(), "text/vtt")
    ctx.blobs.put_bytes(outputs["subtitles.srt"], to_srt(cues).encode(), "application/x-subrip")
    job = ctx.jobs.get(msg.job_id)
    first = ctx.blobs.get_bytes(keys.slide_image(msg.job_id, timeline.scenes[0].slide_number))
    # The thumbnail of this picture, made once (ADR 0013)
    thumbnail = f"{segment_cache_prefix(job.tenant)}thumb/{hashlib.sha256(first).hexdigest()}.jpg"
    if ctx.blobs.exists(thumbnail):
        ctx.blobs.put_bytes(outputs["thumbnail.jpg"], ctx.blobs.get_bytes(thumbnail), "image/jpeg")
    else:
        with ctx.scratch("publish") as tmp:
            (tmp / "first.png").write_bytes(first)
            make_thumbnail(tmp / "first.png", tmp / "thumbnail.jpg")
            ctx.blobs.put_file(outputs["thumbnail.jpg"], tmp / "thumbnail.jpg", "image/jpeg")
            ctx.blobs.put_file(thumbnail, tmp / "thumbnail.jpg", "image/jpeg")
    manifest = Manifest(
        job_id=msg.job_id,
        source_name=deck.source_name,
        language=msg.options.language or deck.language,
        duration_s=round(timeline.duration_s, 3),
        width=timeline.width,
        height=timeline.height,
        fps=timeline.fps,
        video_codec="h264",
        encoder=_encoders(ctx, msg.job_id, timeline),
        subtitles=msg.options.subtitles,
        avatar=msg.options.avatar,
        scenes=[
            ManifestScene(
                index=scene.index,
                slide_number=scene.slide_number,
                title=source.title,
                script=source.script,
                spoken=speech.spoken,
                start_s=round(scene.start_s, 3),
                end_s=round(scene.end_s, 3),
                voice=speech.voice,
                script_source=source.script_source,
                warnings=source.warnings,
                rendered_on=_rendered_on(ctx, msg.job_id, scene.index),
                step_times_s=scene.step_times_s,
            )
            for scene, source, speech in zip(timeline.scenes, deck.scenes, speeches, strict=True)
        ],
        loudness=brand_loudness(ctx, msg.job_id, msg.options),
        chapters=timeline.chapters,
        stage_seconds=job.stage_seconds,
        outputs={name: name for name in outputs},
        warnings=deck_warnings(ctx, msg.job_id, deck),
        source_format=deck.source_format,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if timeline.intro or timeline.outro:
        from estudio.brand.stage_parts import card_scenes

        manifest = card_scenes(ctx, msg.job_id, timeline, manifest)
    ctx.blobs.put_bytes(
        outputs["manifest.json"], manifest.model_dump_json(indent=2).encode(), "application/json"
    )
    if msg.options.packages:  # the package stage adds them, then marks the job done
        ctx.progress(msg.job_id, "publish", 1, 2)
    else:
        ctx.progress(msg.job_id, "publish", 1, 1)
        ctx.jobs.succeed(msg.job_id, outputs, timeline.duration_s)
    return PublishResult(
        manifest_key=outputs["manifest.json"], outputs=outputs, duration_s=timeline.duration_s
    )


def brand_loudness(ctx: StageContext, job_id: str, options: Any) -> Any:
    if options.brand is None:
        return None
    from estudio.brand.stage_parts import recorded_loudness

    return recorded_loudness(ctx, job_id)
