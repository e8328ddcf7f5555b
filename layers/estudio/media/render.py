"""Still-slide video segments: one image held for a whole number of frames, optionally with
burned-in subtitles (libass) and fades. Video only; the assembler adds the one audio track."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from estudio.errors import RenderError
from estudio.media.ffmpeg import run_ffmpeg_to, still_encode_args
from estudio.observability import logger

_FILTER_SPECIAL = "\\':,;[]"


def frame_count(duration_s: float, fps: int) -> int:
    """Frames a segment of ``duration_s`` holds at ``fps`` (at least one)."""
    return max(1, round(duration_s * fps))


def escape_filter_value(value: str) -> str:
    """Escape a value for use inside an ffmpeg filtergraph option (``subtitles=filename=...``)."""
    # Option level first (\ ' :), then graph level (\ ' , ; [ ]): every special gets a backslash
    # per level it passes through.
    out = value
    for ch in "\\':":
        out = out.replace(ch, "\\" + ch)
    for ch in _FILTER_SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return out


def render_still_segment(
    image: Path,
    out: Path,
    duration_s: float,
    fps: int,
    encoder: str,
    ffmpeg: str,
    subtitles_ass: Path | None = None,
    fade_in_s: float = 0.0,
    fade_out_s: float = 0.0,
    timeout_s: float = 600,
    fonts_dir: Path | None = None,
) -> None:
    """Encode ``image`` as a video-only MP4 of exactly ``round(duration_s*fps)`` frames.

    The image must already have the output size (even width and height). ``subtitles_ass``
    times are relative to the start of this segment; ``fonts_dir`` holds a font file they name
    (the brand kit's). Written to a temp name, then renamed.
    """
    if duration_s <= 0:
        raise RenderError(f"segment duration must be positive, got {duration_s}")
    if not image.is_file():
        raise RenderError(f"segment image not found: {image.name}")
    frames = frame_count(duration_s, fps)
    length = frames / fps
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="estudio-seg-") as tmp:
        # The input is read once per second, not once per output frame; fps= repeats it.
        chain = [f"fps={fps}", "format=yuv420p"]
        if subtitles_ass is not None:
            if not subtitles_ass.is_file():
                raise RenderError(f"subtitles file not found: {subtitles_ass.name}")
            # A copy under a plain name keeps the filtergraph escaping trivial.
            ass = Path(tmp) / "subtitles.ass"
            shutil.copyfile(subtitles_ass, ass)
            option = f"subtitles=filename={escape_filter_value(str(ass))}"
            if fonts_dir is not None:
                option += f":fontsdir={escape_filter_value(str(fonts_dir))}"
            chain.append(option)
        if fade_in_s > 0:
            chain.append(f"fade=t=in:st=0:d={min(fade_in_s, length):.3f}")
        if fade_out_s > 0:
            d = min(fade_out_s, length)
            chain.append(f"fade=t=out:st={length - d:.3f}:d={d:.3f}")
        args = [
            "-loop",
            "1",
            "-framerate",
            "1",
            "-i",
            str(image),
            "-vf",
            ",".join(chain),
            "-frames:v",
            str(frames),
            *still_encode_args(encoder, fps),
            "-f",
            "mp4",
        ]
        run_ffmpeg_to(out, args, ffmpeg, timeout_s)
    logger.debug("segment rendered", frames=frames, fps=fps, encoder=encoder)
