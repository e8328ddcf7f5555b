"""``make bench``: how fast a render is, as ratios measured side by side in one run.

For a 10-slide and a 60-slide deck it prints (a) wall time / video duration and (b) our whole
render / a bare ffmpeg encode of the same slide images and narration (one ffmpeg command, the
concat demuxer, at our frame rate and at a typical 30 fps). Then the presenter case: frames per
second of avatar rendering at 1080p and the ratio to real time. And the API's latency while a
60-slide render runs (``estudio.bench_api``; ``make bench-api`` runs that line alone). And the
re-render lines (docs/adr/0013): a 60-slide render, the same again unchanged, and again after one
scene's script was edited (``python -m estudio.bench rerender`` / ``make bench-rerender`` alone).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from estudio.media.assemble import AAC_ARGS
from estudio.settings import Settings


def _bare_encode(
    ffmpeg: str, images: list[Path], durations: list[float], audio: Path, out: Path, fps: int
) -> float:
    listing = out.with_suffix(".txt")
    lines = ["ffconcat version 1.0"]
    for image, duration in zip(images, durations, strict=True):
        lines += [f"file '{image}'", f"duration {duration:.6f}"]
    lines.append(f"file '{images[-1]}'")
    listing.write_text("\n".join(lines) + "\n")
    argv = [
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        str(listing),
        "-i",
        str(audio),
        "-r",
        str(fps),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "stillimage",
        "-pix_fmt",
        "yuv420p",
        *AAC_ARGS,  # the same audio settings as ours: a like-for-like comparison
        "-movflags",
        "+faststart",
        str(out),
    ]
    started = time.perf_counter()
    subprocess.run(argv, check=True)
    return time.perf_counter() - started


def bench_deck(slides: int, work: Path) -> dict[str, float | int | str]:
    from estudio.deck.samples import make_benchmark_deck
    from estudio.local import local_context
    from estudio.media.audio import AudioPart, build_audio_track
    from estudio.media.ffmpeg import ffmpeg_exe
    from estudio.models import Plan, RenderOptions
    from estudio.pipeline import keys
    from estudio.pipeline.runner import run_job

    deck = make_benchmark_deck(work / f"bench-{slides}.pptx", slides)
    settings = Settings(data=work / f"data-{slides}")
    ctx = local_context(settings)
    options = RenderOptions()

    def render(job_id: str) -> float:
        ctx.blobs.put_file(keys.deck(job_id), deck)
        ctx.jobs.create(job_id, "local", keys.deck(job_id), deck.name, options)
        started = time.perf_counter()
        payload = {
            "job_id": job_id,
            "deck_key": keys.deck(job_id),
            "options": options.model_dump(mode="json"),
        }
        run_job(ctx, payload)
        return time.perf_counter() - started

    job_id = f"bench-{slides}"
    wall = render(job_id)
    # The same deck again: speech and unchanged scenes come from the caches.
    again = render(f"bench-{slides}-again")

    plan = Plan.model_validate_json(ctx.blobs.get_bytes(keys.plan(job_id)))
    images = [
        ctx.blobs.get_file(
            keys.slide_image(job_id, s.slide_number), work / f"s{slides}-{s.index}.png"
        )
        for s in plan.scenes
    ]
    parts = [
        AudioPart(
            path=ctx.blobs.get_file(
                keys.speech_audio(job_id, s.index), work / f"a{slides}-{s.index}.wav"
            ),
            start_s=s.start_s + s.speech_offset_s,
        )
        for s in plan.scenes
        if s.speech_duration_s > 0
    ]
    audio = work / f"narration-{slides}.wav"
    build_audio_track(parts, plan.duration_s, audio, sample_rate=plan.sample_rate)
    ffmpeg = ffmpeg_exe(settings.ffmpeg)
    durations = [s.duration_s for s in plan.scenes]
    bare_same = _bare_encode(
        ffmpeg, images, durations, audio, work / f"bare-{slides}.mp4", plan.fps
    )
    bare_30 = _bare_encode(ffmpeg, images, durations, audio, work / f"bare30-{slides}.mp4", 30)
    stages = ctx.jobs.get(job_id).stage_seconds
    return {
        "slides": slides,
        "video_s": round(plan.duration_s, 1),
        "render_s": round(wall, 2),
        "render_per_video_s": round(wall / plan.duration_s, 3),
        "rerender_s": round(again, 2),
        "bare_encode_s": round(bare_same, 2),
        "render_vs_bare": round(wall / bare_same, 2),
        "bare_encode_30fps_s": round(bare_30, 2),
        "render_vs_bare_30fps": round(wall / bare_30, 2),
        "fps": plan.fps,
        "stages": json.dumps({k: round(v, 2) for k, v in stages.items()}),
    }


def bench_builds(slides: int, work: Path) -> dict[str, float | int]:
    """The same deck rendered without and with click builds (every other slide: three click
    steps), each from cold caches. Goal: with builds ≤ 1.3x without (docs/adr/0011)."""
    from estudio.deck.build_samples import make_benchmark_builds_deck
    from estudio.deck.samples import make_benchmark_deck
    from estudio.local import local_context
    from estudio.models import RenderOptions
    from estudio.pipeline import keys
    from estudio.pipeline.runner import run_job

    def cpu_s() -> float:
        me, kids = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    cpu: dict[str, float] = {}

    def render(deck: Path, name: str) -> float:
        ctx = local_context(Settings(data=work / f"data-{name}"))
        cpu_before = cpu_s()
        options = RenderOptions()
        ctx.blobs.put_file(keys.deck(name), deck)
        ctx.jobs.create(name, "local", keys.deck(name), deck.name, options)
        started = time.perf_counter()
        payload = {"job_id": name, "deck_key": keys.deck(name), "options": options.model_dump()}
        run_job(ctx, payload)
        cpu[name] = cpu_s() - cpu_before  # CPU seconds: steadier than wall time on a busy host
        return time.perf_counter() - started

    plain = render(make_benchmark_deck(work / f"plain-{slides}.pptx", slides), f"plain-{slides}")
    built = make_benchmark_builds_deck(work / f"builds-{slides}.pptx", slides)
    with_builds = render(built, f"builds-{slides}")
    return {
        "slides": slides,
        "without_s": round(plain, 2),
        "with_s": round(with_builds, 2),
        "ratio": round(with_builds / plain, 3),
        "without_cpu_s": round(cpu[f"plain-{slides}"], 1),
        "with_cpu_s": round(cpu[f"builds-{slides}"], 1),
        "cpu_ratio": round(cpu[f"builds-{slides}"] / cpu[f"plain-{slides}"], 3),
    }


def bench_rerender(slides: int, work: Path) -> dict[str, Any]:
    """A full render, the same deck re-rendered unchanged, and re-rendered after one scene's
    script was edited (a job's ``scene_overrides``, as the API sends a project's scene edits).
    Goals (docs/adr/0013): unchanged <= 1.5 s, one edit <= 3 s for 60 slides."""
    from estudio.deck.samples import make_benchmark_deck
    from estudio.local import local_context
    from estudio.models import RenderOptions
    from estudio.pipeline import keys
    from estudio.pipeline.runner import run_job

    deck = make_benchmark_deck(work / f"rerender-{slides}.pptx", slides)
    ctx = local_context(Settings(data=work / f"data-rerender-{slides}"))
    options = RenderOptions()
    edited = slides // 2
    overrides = {edited: {"script": "Este trecho foi reescrito pelo autor para o teste."}}

    def render(job_id: str, scene_overrides: dict[int, Any] | None = None) -> float:
        ctx.blobs.put_file(keys.deck(job_id), deck)
        ctx.jobs.create(job_id, "local", keys.deck(job_id), deck.name, options)
        payload: dict[str, Any] = {
            "job_id": job_id,
            "deck_key": keys.deck(job_id),
            "options": options.model_dump(mode="json"),
        }
        if scene_overrides:
            payload["scene_overrides"] = scene_overrides
        started = time.perf_counter()
        run_job(ctx, payload)
        return time.perf_counter() - started

    full = render(f"rr-{slides}-full")
    same = render(f"rr-{slides}-same")
    edit = render(f"rr-{slides}-edit", overrides)

    def stages(job_id: str) -> str:
        seconds = ctx.jobs.get(job_id).stage_seconds
        return json.dumps({k: round(v, 2) for k, v in seconds.items()})

    return {
        "slides": slides,
        "full_s": round(full, 2),
        "same_s": round(same, 2),
        "edit_s": round(edit, 2),
        "same_stages": stages(f"rr-{slides}-same"),
        "edit_stages": stages(f"rr-{slides}-edit"),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _print_rerender(r: dict[str, Any]) -> None:
    print(
        f"re-render, {r['slides']} slides: full {r['full_s']} s; unchanged {r['same_s']} s "
        f"(goal <= 1.5 s); one scene edited {r['edit_s']} s (goal <= 3 s); "
        f"load average {r['load']}"
    )
    print(f"  stage seconds unchanged: {r['same_stages']}")
    print(f"  stage seconds one edit:  {r['edit_stages']}")


def _print_builds(r: dict[str, float | int]) -> None:
    print(
        f"builds: {r['slides']} slides, half with 3 click steps: {r['with_s']} s vs "
        f"{r['without_s']} s without builds = {r['ratio']}x (goal <= 1.3x); CPU "
        f"{r['with_cpu_s']} s vs {r['without_cpu_s']} s = {r['cpu_ratio']}x"
    )


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="estudio-bench-"))
    try:
        if sys.argv[1:] == ["builds"]:  # python -m estudio.bench builds: only that line
            _print_builds(bench_builds(60, work))
            return 0
        if sys.argv[1:] == ["rerender"]:  # python -m estudio.bench rerender: only those lines
            _print_rerender(bench_rerender(60, work))
            return 0
        rows = [bench_deck(10, work), bench_deck(60, work)]
        print(
            f"{'slides':>6} {'video s':>8} {'render s':>9} {'render/video':>12} {'bare s':>7} "
            f"{'render/bare':>11} {'bare30 s':>8} {'render/bare30':>13}"
        )
        for r in rows:
            print(
                f"{r['slides']:>6} {r['video_s']:>8} {r['render_s']:>9} "
                f"{r['render_per_video_s']:>12} "
                f"{r['bare_encode_s']:>7} {r['render_vs_bare']:>11} {r['bare_encode_30fps_s']:>8} "
                f"{r['render_vs_bare_30fps']:>13}"
            )
        for r in rows:
            print(
                f"  re-render of the same {r['slides']} slides (caches warm): {r['rerender_s']} s"
            )
        for r in rows:
            print(f"  stage seconds ({r['slides']} slides): {r['stages']}")
        _print_rerender(bench_rerender(60, work))
        _print_builds(bench_builds(60, work))
        from estudio.brand.bench import bench_brand, line

        print(line(bench_brand(60, work)))
        from estudio.services import preview_bench  # the studio: upload, scene previews

        print(preview_bench.line(preview_bench.bench_preview(work)))
        from estudio.bench_api import bench_loaded_api, describe

        print(describe(bench_loaded_api()))
        try:
            from estudio.avatar.bench import bench_avatar
        except ImportError:
            print("presenter: not available")
        else:
            stats = bench_avatar(seconds=10.0, width=1920, height=1080, fps=25)
            print(
                f"presenter 1080p25: {stats.fps:.1f} frames/s, {stats.fps / 25:.2f}x real time "
                f"(numpy, {stats.encoder})"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
