"""What a media file holds: ffprobe's JSON when ffprobe is installed, else ``ffmpeg -i``'s text.

Also a small MP4 box reader (top-level box order, the movie duration) that needs no tool at all.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from estudio.errors import RenderError, StageTimeout
from estudio.media.ffmpeg import ffmpeg_exe

PROBE_TIMEOUT_S = 60


class MediaInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    duration_s: float
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    video_duration_s: float | None = None
    video_frames: int | None = None
    has_audio: bool = False
    audio_codec: str | None = None
    audio_duration_s: float | None = None
    audio_sample_rate: int | None = None
    chapters: list[str] = []  # chapter titles, in order
    title: str | None = None


def _run(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise StageTimeout(f"probe ran past {PROBE_TIMEOUT_S} s") from e


def _ratio(text: str | None) -> float | None:
    if not text or text in ("0/0", "N/A"):
        return None
    num, _, den = text.partition("/")
    try:
        return float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _from_ffprobe(ffprobe: str, path: Path) -> MediaInfo:
    proc = _run(
        [
            ffprobe,
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            "-show_chapters",
            str(path),
        ]
    )
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise RenderError(f"ffprobe failed on {path.name}: {reason[0]}")
    data = json.loads(proc.stdout)
    streams: list[dict[str, Any]] = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    fmt: dict[str, Any] = data.get("format", {})
    chapters = [c.get("tags", {}).get("title", "") for c in data.get("chapters", [])]
    frames = video.get("nb_frames") if video else None
    return MediaInfo(
        duration_s=_float(fmt.get("duration")) or 0.0,
        width=video.get("width") if video else None,
        height=video.get("height") if video else None,
        fps=_ratio(video.get("avg_frame_rate")) or _ratio(video.get("r_frame_rate"))
        if video
        else None,
        video_codec=video.get("codec_name") if video else None,
        video_duration_s=_float(video.get("duration")) if video else None,
        video_frames=int(frames) if frames and str(frames).isdigit() else None,
        has_audio=audio is not None,
        audio_codec=audio.get("codec_name") if audio else None,
        audio_duration_s=_float(audio.get("duration")) if audio else None,
        audio_sample_rate=int(audio["sample_rate"]) if audio and "sample_rate" in audio else None,
        chapters=chapters,
        title=fmt.get("tags", {}).get("title"),
    )


_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})")
_FPS = re.compile(r"([\d.]+) fps")
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: (\w+)(?:.*?, (\d+) Hz)?")
_CHAPTER_TITLE = re.compile(r"Chapter #[^\n]*\n\s*Metadata:\s*\n\s*title\s*:\s*([^\n]*)")
_TITLE = re.compile(r"^Input #0.*?\n\s*Metadata:\s*\n(?:\s+\w+\s*:.*\n)*?\s+title\s*:\s*(.*)", re.M)


def probe_with_ffmpeg(path: Path, ffmpeg: str) -> MediaInfo:
    """Parse ``ffmpeg -i`` (for hosts without ffprobe): no per-stream durations or frame counts."""
    # ``ffmpeg -i`` with no output prints the header and exits non-zero by design.
    proc = _run([ffmpeg, "-hide_banner", "-nostdin", "-i", str(path)])
    text = proc.stderr.decode("utf-8", "replace")
    m = _DURATION.search(text)
    if not m:
        raise RenderError(f"cannot probe {path.name}: {text.strip().splitlines()[-1:]}")
    duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    v = _VIDEO.search(text)
    a = _AUDIO.search(text)
    fps = None
    if v:
        line = text[v.start() :].splitlines()[0]
        f = _FPS.search(line)
        fps = float(f[1]) if f else None
    title = _TITLE.search(text)
    return MediaInfo(
        duration_s=duration,
        width=int(v[2]) if v else None,
        height=int(v[3]) if v else None,
        fps=fps,
        video_codec=v[1] if v else None,
        has_audio=a is not None,
        audio_codec=a[1] if a else None,
        audio_sample_rate=int(a[2]) if a and a[2] else None,
        chapters=[t.strip() for t in _CHAPTER_TITLE.findall(text)],
        title=title[1].strip() if title else None,
    )


def probe(path: Path, ffprobe: str | None = None, ffmpeg: str | None = None) -> MediaInfo:
    """Streams and durations of ``path``. ``ffprobe`` None: the one on PATH if any; without one,
    parses ``ffmpeg -i`` (no per-stream durations or frame counts then)."""
    if not path.is_file():
        raise RenderError(f"media file not found: {path.name}")
    exe = ffprobe or shutil.which("ffprobe")
    if exe:
        return _from_ffprobe(exe, path)
    return probe_with_ffmpeg(path, ffmpeg_exe(ffmpeg))


# --- MP4 boxes -----------------------------------------------------------------------------------
def _boxes(f: Any, end: int) -> list[tuple[str, int, int]]:
    """(type, payload offset, payload size) of the boxes from the current position to ``end``."""
    found: list[tuple[str, int, int]] = []
    pos = f.tell()
    while pos + 8 <= end:
        f.seek(pos)
        header = f.read(8)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I4s", header)
        head = 8
        if size == 1:
            size = struct.unpack(">Q", f.read(8))[0]
            head = 16
        elif size == 0:
            size = end - pos
        if size < head:
            raise RenderError("malformed MP4 box")
        found.append((kind.decode("latin-1"), pos + head, size - head))
        pos += size
    return found


def mp4_top_level_boxes(path: Path) -> list[str]:
    """Top-level box types in file order (faststart puts ``moov`` before ``mdat``)."""
    with path.open("rb") as f:
        return [kind for kind, _, _ in _boxes(f, path.stat().st_size)]


def mp4_duration_s(path: Path) -> float:
    """The movie duration from ``moov/mvhd`` (no external tool; reads a few boxes)."""
    with path.open("rb") as f:
        for kind, off, size in _boxes(f, path.stat().st_size):
            if kind != "moov":
                continue
            f.seek(off)
            for sub, soff, _ in _boxes(f, off + size):
                if sub != "mvhd":
                    continue
                f.seek(soff)
                version = f.read(1)[0]
                f.seek(soff + 4)
                if version == 1:
                    _, _, scale, duration = struct.unpack(">QQIQ", f.read(28))
                else:
                    _, _, scale, duration = struct.unpack(">IIII", f.read(16))
                if scale == 0:
                    break
                return float(duration) / scale
    raise RenderError(f"no movie header in {path.name}")
