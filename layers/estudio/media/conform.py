"""Making a job's segments joinable with ``-c copy`` when hosts encoded them differently.

A presenter scene rendered on an NVENC host and one rendered by the CPU fallback (libx264) carry
different parameter sets; so may NVENC segments from two GPU generations. The concat demuxer
keeps only the first segment's, so the others would decode wrongly without any error. When the
segments' ``StreamConfig`` differ, each segment that differs from what ``FALLBACK_ENCODER``
produces for this size and frame rate is re-encoded with it (decoded in its own process, so with
its own parameter sets), and the result is checked again. All-equal segments (the normal case:
one encoder per job) are left alone (docs/adr/0007).
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

from estudio.errors import RenderError, StageTimeout, ToolMissing
from estudio.media.ffmpeg import FALLBACK_ENCODER, run_ffmpeg, video_encode_args
from estudio.media.streams import StreamConfig, video_stream_config
from estudio.observability import logger
from estudio.sandbox import bounded

STDERR_TAIL_CHARS = 600


def _raw_input(width: int, height: int, fps: int) -> list[str]:
    """Raw RGB frames on stdin: how presenter frames reach the encoder, and what the reference
    and the re-encode use too, so that no colour tag of a source changes the parameter sets."""
    return [
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-framerate",
        str(fps),
        "-i",
        "pipe:0",
    ]


def reference_config(width: int, height: int, fps: int, ffmpeg: str) -> StreamConfig:
    """The ``StreamConfig`` that ``FALLBACK_ENCODER`` gives a ``width`` x ``height`` segment at
    ``fps`` (two black frames are encoded; parameter sets do not depend on the picture)."""
    with tempfile.TemporaryDirectory(prefix="estudio-ref-") as tmp:
        out = Path(tmp) / "reference.mp4"
        args = [
            *_raw_input(width, height, fps),
            "-frames:v",
            "2",
            *video_encode_args(FALLBACK_ENCODER, fps),
            "-f",
            "mp4",
            str(out),
        ]
        run_ffmpeg(args, ffmpeg, timeout_s=60, stdin=bytes(width * height * 3 * 2))
        return video_stream_config(out)


def reencode_segment(
    src: Path, out: Path, config: StreamConfig, fps: int, ffmpeg: str, timeout_s: float = 600
) -> None:
    """``src`` decoded by one ffmpeg and encoded by another with ``FALLBACK_ENCODER``, through
    raw RGB frames: every frame kept, at ``fps``. Written aside, then renamed."""
    tmp_out = out.with_name(f".{out.stem}.tmp{out.suffix}")
    decode = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(src)]
    decode += ["-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    encode = [ffmpeg, "-hide_banner", "-y", "-loglevel", "error"]
    encode += [*_raw_input(config.width, config.height, fps)]
    encode += [*video_encode_args(FALLBACK_ENCODER, fps), "-f", "mp4", str(tmp_out)]
    deadline = time.monotonic() + timeout_s
    with tempfile.TemporaryFile() as err_d, tempfile.TemporaryFile() as err_e:
        try:
            decoder = subprocess.Popen(bounded(decode), stdout=subprocess.PIPE, stderr=err_d)
        except OSError as e:
            raise ToolMissing(f"cannot run ffmpeg: {e}", tool="ffmpeg") from e
        try:
            encoder = subprocess.Popen(bounded(encode), stdin=decoder.stdout, stderr=err_e)
        except OSError as e:
            decoder.kill()
            decoder.wait()
            raise ToolMissing(f"cannot run ffmpeg: {e}", tool="ffmpeg") from e
        assert decoder.stdout is not None
        decoder.stdout.close()  # the encoder holds the pipe now
        try:
            codes = [
                p.wait(timeout=max(1.0, deadline - time.monotonic())) for p in (encoder, decoder)
            ]
        except subprocess.TimeoutExpired as e:
            raise StageTimeout(f"re-encoding ran past {timeout_s:g} s", tool="ffmpeg") from e
        finally:
            for p in (encoder, decoder):
                if p.poll() is None:
                    p.kill()
                    p.wait()
            if tmp_out.exists() and not all(p.returncode == 0 for p in (encoder, decoder)):
                tmp_out.unlink()
        if any(codes):
            err = err_e if codes[0] else err_d
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip()[-STDERR_TAIL_CHARS:]
            raise RenderError(f"re-encoding {src.name} failed: {tail.replace(chr(10), ' | ')}")
    tmp_out.replace(out)


def require_one_config(segments: list[Path]) -> None:
    """Raise ``RenderError`` unless every segment has the same ``StreamConfig``."""
    kinds = {video_stream_config(s) for s in segments}
    if len(kinds) > 1:
        described = "; ".join(sorted(k.describe() for k in kinds))
        raise RenderError(f"segments cannot be joined without re-encoding: {described}")


def conform_segments(
    segments: list[Path], fps: int, ffmpeg: str, work: Path, timeout_s: float = 600
) -> list[Path]:
    """``segments`` when they share one ``StreamConfig``; else the list with every segment that
    differs from ``reference_config`` replaced by its re-encode under ``work``.

    Raises ``RenderError`` when the segments differ in size (a planning bug, not an encoder's) or
    a re-encode still differs from the reference.
    """
    configs = [video_stream_config(s) for s in segments]
    if len(set(configs)) <= 1:
        return segments
    sizes = {(c.width, c.height) for c in configs}
    if len(sizes) > 1:
        raise RenderError(f"segments differ in size: {sorted(sizes)}")
    width, height = sizes.pop()
    reference = reference_config(width, height, fps, ffmpeg)
    started = time.perf_counter()
    conformed: list[Path] = []
    redone = 0
    for i, (segment, config) in enumerate(zip(segments, configs, strict=True)):
        if config == reference:
            conformed.append(segment)
            continue
        out = work / f"conformed{i:04d}.mp4"
        reencode_segment(segment, out, reference, fps, ffmpeg, timeout_s)
        if video_stream_config(out) != reference:
            raise RenderError(f"segment {i} still differs from {FALLBACK_ENCODER} re-encoded")
        conformed.append(out)
        redone += 1
    logger.warning(
        "segments conformed before joining",
        segments=len(segments),
        reencoded=redone,
        encoder=FALLBACK_ENCODER,
        kinds=len(set(configs)),
        seconds=round(time.perf_counter() - started, 3),
    )
    return conformed
