"""Running ffmpeg, choosing the H.264 encoder, and the one set of output args every segment uses.

Every video segment (still slides and avatar scenes alike) is encoded with
``video_encode_args`` (or ``still_encode_args``, which only adds an x264 tune that keeps the
stream parameters) so that the assembler can concatenate segments with ``-c copy``. Each host
picks its encoder (``encoder_choice``: NVENC when a real probe encode works, else libx264);
segments from different encoders differ in their parameter sets, which the assembler checks and
conforms (docs/adr/0007).
"""

from __future__ import annotations

import functools
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from estudio.errors import RenderError, StageTimeout, ToolMissing
from estudio.observability import logger
from estudio.sandbox import bounded

ENCODERS = ("libx264", "h264_nvenc")
HOST_ENCODER = "auto"  # in a plan: the host that renders the scene picks (``scene_encoder``)
FALLBACK_ENCODER = "libx264"  # every host has it; what segments are conformed to
GOP_SECONDS = 2  # a keyframe every 2 s: cheap seeking, small cost on still content
STDERR_TAIL_LINES = 8

_BASE_ARGS = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
NVENC_PROBE_TIMEOUT_S = 30
NVENC_PROBE_ARGS = [
    "-f",
    "lavfi",
    "-i",
    "color=c=black:s=256x256:r=25",
    "-frames:v",
    "2",
    "-c:v",
    "h264_nvenc",
    "-f",
    "null",
    "-",
]


def ffmpeg_exe(override: str | None = None) -> str:
    """The ffmpeg binary to use: ``override`` if given, else the one imageio-ffmpeg ships.

    Raises ``ToolMissing`` when the chosen binary does not exist or is not executable.
    """
    if override:
        exe = override
        if os.sep not in exe:
            import shutil

            found = shutil.which(exe)
            if found is None:
                raise ToolMissing(f"ffmpeg not found on PATH: {exe}", tool="ffmpeg")
            exe = found
    else:
        try:
            import imageio_ffmpeg
        except ImportError as e:
            raise ToolMissing(
                "ffmpeg not configured and imageio-ffmpeg is not installed", tool="ffmpeg"
            ) from e
        try:
            exe = imageio_ffmpeg.get_ffmpeg_exe()
        except RuntimeError as e:
            raise ToolMissing(f"imageio-ffmpeg has no usable binary: {e}", tool="ffmpeg") from e
    if not (Path(exe).is_file() and os.access(exe, os.X_OK)):
        raise ToolMissing(f"ffmpeg is not an executable file: {exe}", tool="ffmpeg")
    return exe


def _tail(stderr: bytes, lines: int = STDERR_TAIL_LINES) -> str:
    text = stderr.decode("utf-8", errors="replace").strip().splitlines()
    return " | ".join(line.strip() for line in text[-lines:] if line.strip())


def run_ffmpeg(
    args: list[str], ffmpeg: str, timeout_s: float = 600, stdin: bytes | None = None
) -> None:
    """Run ``ffmpeg`` quietly with ``args`` (inputs, filters, outputs; no global flags needed).

    Raises ``RenderError`` (with the last stderr lines) on a non-zero exit and ``StageTimeout``
    after killing the process when it runs past ``timeout_s``.
    """
    argv = [ffmpeg, *_BASE_ARGS, *args]
    try:
        proc = subprocess.run(
            bounded(argv),
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as e:  # subprocess.run kills the child before raising
        raise StageTimeout(f"ffmpeg ran past {timeout_s:g} s", tool="ffmpeg") from e
    except OSError as e:
        raise ToolMissing(f"cannot run ffmpeg: {e}", tool="ffmpeg") from e
    if proc.returncode != 0:
        reason = _tail(proc.stderr) or f"exit status {proc.returncode}"
        raise RenderError(f"ffmpeg failed: {reason}", returncode=proc.returncode)


def run_ffmpeg_to(out: Path, args: list[str], ffmpeg: str, timeout_s: float = 600) -> None:
    """``run_ffmpeg`` with ``args`` followed by an output written atomically: to a hidden name
    beside ``out``, renamed once complete, removed on failure."""
    tmp_out = out.with_name(f".{out.stem}.tmp{out.suffix}")
    try:
        run_ffmpeg([*args, str(tmp_out)], ffmpeg, timeout_s=timeout_s)
    except BaseException:
        tmp_out.unlink(missing_ok=True)
        raise
    tmp_out.replace(out)


@dataclass(frozen=True)
class EncoderChoice:
    """The H.264 encoder this host uses, and why (the render container logs both)."""

    encoder: str  # one of ENCODERS
    reason: str


def _nvenc_reason(stderr: bytes) -> str:
    """The line of a failed NVENC open that says why ("Cannot load libcuda.so.1", "The minimum
    required Nvidia driver for nvenc is ...", "No capable devices found"), else the last line."""
    lines = [
        line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()
    ]
    for line in lines:
        if line.startswith("[h264_nvenc"):
            return line.split("]", 1)[-1].strip()
    return lines[-1] if lines else "no output"


@functools.cache
def nvenc_probe(ffmpeg: str) -> EncoderChoice:
    """A real two-frame NVENC encode into the null muxer (cached per binary): ``h264_nvenc`` when
    it works, else ``libx264`` with ffmpeg's own reason. Never raises."""
    argv = [ffmpeg, *_BASE_ARGS, *NVENC_PROBE_ARGS]
    try:
        proc = subprocess.run(
            bounded(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=NVENC_PROBE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return EncoderChoice(FALLBACK_ENCODER, f"nvenc probe ran past {NVENC_PROBE_TIMEOUT_S:g} s")
    except OSError as e:
        return EncoderChoice(FALLBACK_ENCODER, f"cannot run ffmpeg for the nvenc probe: {e}")
    if proc.returncode == 0:
        return EncoderChoice("h264_nvenc", "nvenc probe encoded 2 frames")
    reason = f"nvenc probe failed: {_nvenc_reason(proc.stderr)[:200]}"
    logger.info("nvenc unavailable", reason=reason)
    return EncoderChoice(FALLBACK_ENCODER, reason)


def encoder_choice(ffmpeg: str, preference: str = "auto") -> EncoderChoice:
    """What this host encodes with: ``preference`` when it names an encoder, else the probe's."""
    if preference in ENCODERS:
        return EncoderChoice(preference, f"set by ESTUDIO_ENCODER={preference}")
    if preference != "auto":
        raise RenderError(f"unknown encoder preference: {preference}")
    return nvenc_probe(ffmpeg)


def choose_encoder(ffmpeg: str, preference: str = "auto") -> str:
    """``libx264`` or ``h264_nvenc``. "auto" probes a real tiny NVENC encode (cached per binary)."""
    encoder = encoder_choice(ffmpeg, preference).encoder
    logger.debug("encoder chosen", encoder=encoder)
    return encoder


def scene_encoder(planned: str, host: str) -> str:
    """The encoder a scene is encoded with on a host whose own choice is ``host``.

    ``planned`` is the plan's word for the scene: ``HOST_ENCODER`` lets the rendering host decide
    (presenter scenes: NVENC on a GPU host, libx264 on a CPU fallback); a named encoder is kept,
    except ``h264_nvenc`` on a host without it, which falls back to ``libx264``. The assembler
    conforms any segment whose stream parameters then differ (``estudio.media.streams``).
    """
    if planned == HOST_ENCODER:
        return host
    if planned not in ENCODERS:
        raise RenderError(f"unknown encoder: {planned}")
    if planned == "h264_nvenc" and host != "h264_nvenc":
        return FALLBACK_ENCODER
    return planned


FFMPEG_THREADS_ENV = "ESTUDIO_FFMPEG_THREADS"  # set by ``estudio serve``'s render worker


def _thread_args() -> list[str]:
    """``-threads N`` when the process bounds its encoder threads (``ESTUDIO_FFMPEG_THREADS``)."""
    value = os.environ.get(FFMPEG_THREADS_ENV, "")
    return ["-threads", value] if value.isdigit() and int(value) > 0 else []


def video_encode_args(encoder: str, fps: int) -> list[str]:
    """The output args every video segment uses, so segments concatenate with ``-c copy``.

    Same codec, profile, pixel format, frame rate, GOP and timescale for every segment; no audio.
    """
    if fps <= 0:
        raise RenderError(f"fps must be positive, got {fps}")
    gop = max(1, GOP_SECONDS * fps)
    if encoder == "libx264":
        codec = [
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-profile:v",
            "high",
            "-crf",
            "20",
            "-x264-params",
            "scenecut=0",
        ]
    elif encoder == "h264_nvenc":
        codec = [
            "-c:v",
            "h264_nvenc",
            "-preset",
            "p4",
            "-profile:v",
            "high",
            "-rc",
            "vbr",
            "-cq",
            "23",
            "-b:v",
            "0",
            "-bf",
            "0",
        ]
    else:
        raise RenderError(f"unknown encoder: {encoder}")
    return [
        *codec,
        *_thread_args(),
        "-pix_fmt",
        "yuv420p",
        "-r",
        str(fps),
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-video_track_timescale",
        "90000",
        "-an",
    ]


def still_encode_args(encoder: str, fps: int) -> list[str]:
    """``video_encode_args`` plus ``-tune stillimage`` for libx264 (stream parameters unchanged)."""
    args = video_encode_args(encoder, fps)
    if encoder == "libx264":
        at = args.index("-preset") + 2
        args[at:at] = ["-tune", "stillimage"]
    return args
