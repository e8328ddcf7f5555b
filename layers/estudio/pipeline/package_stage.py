"""The package stage (``${PackageFunctionArn}``, after Publish): SCORM 1.2 / 2004 packages and the
storyboard from a finished render, added to its manifest and outputs. It runs only when the render
asked for packages (the ASL's ``WantsPackages`` choice); Publish then leaves marking the job done
to this stage, so a render is never "succeeded" with its packages missing."""

from __future__ import annotations

import time
from pathlib import Path

from estudio.lms.quiz import Quiz, parse_quiz
from estudio.lms.scorm import Chapter, CourseSource, build_scorm_package
from estudio.lms.storyboard import StoryScene, build_storyboard
from estudio.models import Deck, Manifest, PackageKind, Plan
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.pipeline.messages import JobRef, PublishResult
from estudio.pipeline.stages import _ffmpeg, _load, stage

ZIP_TYPE = "application/zip"


def package_name(kind: PackageKind) -> str:
    return f"{kind}.zip"


def _quiz(ctx: StageContext, job_id: str) -> Quiz | None:
    key = keys.quiz(job_id)
    return parse_quiz(ctx.blobs.get_bytes(key), "quiz.json") if ctx.blobs.exists(key) else None


def _scene_images(
    ctx: StageContext, job_id: str, timeline: Plan, video: Path, folder: Path
) -> list[Path]:
    """The slide as rendered; a frame of the video at the scene's middle when a presenter is in
    it (the presenter exists only in the video)."""
    from estudio.media.ffmpeg import run_ffmpeg_to

    images = []
    for scene in timeline.scenes:
        image = folder / f"scene{scene.index:04d}.png"
        if scene.avatar:
            middle = scene.start_s + scene.duration_s / 2
            ffmpeg, _ = _ffmpeg(ctx)
            run_ffmpeg_to(
                image,
                ["-ss", f"{middle:.3f}", "-i", str(video), "-frames:v", "1", "-f", "image2"],
                ffmpeg,
                timeout_s=ctx.settings.limits.stage_timeout_s,
            )
        else:
            ctx.blobs.get_file(keys.slide_image(job_id, scene.slide_number), image)
        images.append(image)
    return images


@stage("package", JobRef)
def package(ctx: StageContext, msg: JobRef) -> PublishResult:
    job_id = msg.job_id
    kinds = msg.options.packages
    manifest_key = keys.output(job_id, "manifest.json")
    manifest = _load(ctx, manifest_key, Manifest)
    outputs = {name: keys.output(job_id, name) for name in manifest.outputs}
    if not kinds:  # nothing asked for: Publish already finished the job
        return PublishResult(
            manifest_key=manifest_key, outputs=outputs, duration_s=manifest.duration_s
        )
    started = time.perf_counter()
    ctx.jobs.start_stage(job_id, "package")
    if ctx.on_progress:
        ctx.on_progress("package", 0, len(kinds))
    deck = _load(ctx, keys.deck_model(job_id), Deck)
    timeline = _load(ctx, keys.plan(job_id), Plan)
    quiz = _quiz(ctx, job_id)
    title = deck.title or Path(deck.source_name).stem
    with ctx.scratch("package") as tmp:
        video = ctx.blobs.get_file(keys.output(job_id, "video.mp4"), tmp / "video.mp4")
        vtt = ctx.blobs.get_file(keys.output(job_id, "subtitles.vtt"), tmp / "subtitles.vtt")
        poster = ctx.blobs.get_file(keys.output(job_id, "thumbnail.jpg"), tmp / "poster.jpg")
        source = CourseSource(
            job_id=job_id,
            title=title,
            language=manifest.language,
            duration_s=manifest.duration_s,
            chapters=tuple(Chapter(s.title, s.start_s) for s in manifest.scenes),
            video=video,
            captions_vtt=vtt,
            poster=poster,
            completion_percent=msg.options.completion_percent,
            quiz=quiz,
        )
        for done, kind in enumerate(kinds, start=1):
            zipped = tmp / package_name(kind)
            if kind == "storyboard":
                (tmp / "scenes").mkdir()
                images = _scene_images(ctx, job_id, timeline, video, tmp / "scenes")
                scenes = [
                    StoryScene(
                        index=s.index,
                        slide_number=s.slide_number,
                        title=s.title,
                        script=s.script,
                        start_s=s.start_s,
                        end_s=s.end_s,
                        image=image,
                    )
                    for s, image in zip(manifest.scenes, images, strict=True)
                ]
                build_storyboard(title, manifest.language, manifest.duration_s, scenes, zipped)
            else:
                build_scorm_package(kind, source, zipped)
            key = keys.output(job_id, package_name(kind))
            ctx.blobs.put_file(key, zipped, ZIP_TYPE)
            outputs[package_name(kind)] = key
            zipped.unlink()
            if ctx.on_progress:
                ctx.on_progress("package", done, len(kinds))
    # The manifest names every output, packages included; it is rewritten last.
    spent = {**ctx.jobs.get(job_id).stage_seconds}
    spent["package"] = round(time.perf_counter() - started, 3)
    final = manifest.model_copy(
        update={"outputs": {name: name for name in outputs}, "stage_seconds": spent}
    )
    ctx.blobs.put_bytes(manifest_key, final.model_dump_json(indent=2).encode(), "application/json")
    ctx.jobs.succeed(job_id, outputs, manifest.duration_s)
    return PublishResult(manifest_key=manifest_key, outputs=outputs, duration_s=manifest.duration_s)
