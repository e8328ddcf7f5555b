"""A still scene that changes picture at its build steps (docs/adr/0011): image k is held from
step time k (frame-exact) to the next, in one encode, with the same burned-in captions and fades as
a single-image segment. Video only."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from estudio.errors import RenderError
from estudio.media.ffmpeg import run_ffmpeg_to, still_encode_args
from estudio.media.render import escape_filter_value, frame_count
from estudio.observability import logger


def step_frames(step_times_s: list[float], duration_s: float, fps: int) -> list[int]:
    """Frames each image is held: one image per step plus the first (at least one frame each)."""
    total = frame_count(duration_s, fps)
    starts = [0]
    for t in step_times_s:
        frame = min(max(round(t * fps), starts[-1] + 1), total - 1)
        starts.append(max(frame, starts[-1]))
    ends = [*starts[1:], total]
    return [max(0, end - start) for start, end in zip(starts, ends, strict=True)]


def render_steps_segment(
    images: list[Path],
    step_times_s: list[float],
    out: Path,
    duration_s: float,
    fps: int,
    encoder: str,
    ffmpeg: str,
    subtitles_ass: Path | None = None,
    fade_in_s: float = 0.0,
    fade_out_s: float = 0.0,
    timeout_s: float = 600,
) -> None:
    """Encode ``images`` (one more than ``step_times_s``) as one segment of exactly
    ``round(duration_s*fps)`` frames, image k+1 from ``step_times_s[k]`` on."""
    if len(images) != len(step_times_s) + 1:
        raise RenderError(f"{len(images)} step images for {len(step_times_s)} step times")
    if duration_s <= 0:
        raise RenderError(f"segment duration must be positive, got {duration_s}")
    for image in images:
        if not image.is_file():
            raise RenderError(f"segment image not found: {image.name}")
    frames = step_frames(step_times_s, duration_s, fps)
    total = sum(frames)
    length = total / fps
    held = [(image, n) for image, n in zip(images, frames, strict=True) if n > 0]
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="estudio-steps-") as tmp:
        inputs: list[str] = []
        graph: list[str] = []
        for i, (image, n) in enumerate(held):
            # Each picture is read once and repeated n times: exact frame counts (a one-frame
            # step too), then the frames are re-timed one after the other at ``fps``.
            inputs += ["-i", str(image)]
            graph.append(f"[{i}:v]loop=loop={n - 1}:size=1:start=0,format=yuv420p[v{i}]")
        chain = ["".join(f"[v{i}]" for i in range(len(held))) + f"concat=n={len(held)}:v=1:a=0"]
        chain.append(f"setpts=N/({fps}*TB)")
        if subtitles_ass is not None:
            if not subtitles_ass.is_file():
                raise RenderError(f"subtitles file not found: {subtitles_ass.name}")
            ass = Path(tmp) / "subtitles.ass"
            shutil.copyfile(subtitles_ass, ass)
            chain.append(f"subtitles=filename={escape_filter_value(str(ass))}")
        if fade_in_s > 0:
            chain.append(f"fade=t=in:st=0:d={min(fade_in_s, length):.3f}")
        if fade_out_s > 0:
            d = min(fade_out_s, length)
            chain.append(f"fade=t=out:st={length - d:.3f}:d={d:.3f}")
        graph.append(",".join(chain) + "[out]")
        args = [
            *inputs,
            "-filter_complex",
            ";".join(graph),
            "-map",
            "[out]",
            "-frames:v",
            str(total),
            *still_encode_args(encoder, fps),
            "-f",
            "mp4",
        ]
        run_ffmpeg_to(out, args, ffmpeg, timeout_s)
    logger.debug("step segment rendered", frames=total, steps=len(held), fps=fps)
