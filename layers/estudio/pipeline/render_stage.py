"""The render stage's encode of one scene's segment when no cached segment serves
(``stages.render_scene`` looks the cache up first, docs/adr/0013)."""

from __future__ import annotations

from pathlib import Path

from estudio.models import Plan, ScenePlan, Speech
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.pipeline.messages import RenderSceneTask


def make_segment(
    ctx: StageContext,
    msg: RenderSceneTask,
    timeline: Plan,
    scene: ScenePlan,
    speech: Speech,
    picture: tuple[bytes, str, Path | None],
    encoding: tuple[str, str],
    cached: str | None,
) -> bool:
    """Encode the scene's segment to its job key (and a still's to ``cached``). True when a
    build-step segment came from its cache."""
    from estudio.pipeline.stages import _fades, segment_cache_prefix

    image_bytes, ass, fonts = picture
    encoder, ffmpeg = encoding
    fade_in, fade_out = _fades(scene, len(timeline.scenes))
    target = keys.segment(msg.job_id, msg.index)
    reused = False
    with ctx.scratch("render") as tmp:
        image = tmp / "slide.png"
        image.write_bytes(image_bytes)
        out = tmp / "segment.mp4"
        subtitles = None
        if ass:
            subtitles = tmp / "captions.ass"
            subtitles.write_text(ass, encoding="utf-8")
        if msg.avatar:
            from estudio.avatar.render import render_avatar_segment

            render_avatar_segment(
                image,
                out,
                speech.visemes,
                scene.speech_offset_s,
                scene.duration_s,
                timeline.fps,
                msg.avatar,
                msg.options.avatar_layout,
                ffmpeg,
                encoder,
                face_python=ctx.settings.face_python,
                cache_dir=ctx.settings.data / "cache" / "avatar",
            )
        elif scene.step_times_s:  # click builds (docs/adr/0011)
            from estudio.pipeline.deck_stages import render_step_scene

            reused = render_step_scene(
                ctx,
                msg.job_id,
                scene,
                timeline.fps,
                (encoder, ffmpeg),
                (fade_in, fade_out),
                subtitles,
                out,
                segment_cache_prefix(ctx.jobs.get(msg.job_id).tenant),
            )
        else:
            from estudio.media.render import render_still_segment

            render_still_segment(
                image,
                out,
                scene.duration_s,
                timeline.fps,
                encoder,
                ffmpeg,
                subtitles_ass=subtitles,
                fonts_dir=fonts,
                fade_in_s=fade_in,
                fade_out_s=fade_out,
            )
            if cached is not None:
                ctx.blobs.put_file(cached, out, "video/mp4")
        ctx.blobs.put_file(target, out, "video/mp4")
    return reused
