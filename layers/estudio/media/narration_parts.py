"""The narration track as AAC frames spliced from per-scene pieces encoded once and cached
(docs/adr/0013): a re-render after one edited scene encodes that scene's speech only.

AAC-LC codes 1024-sample frames; packet ``j`` of an encode covers input samples
``[(j-1)·1024, (j+1)·1024)`` (the encoder's 1024 priming samples). A *piece* is one scene's
speech (or several scenes' whose speech lies closer than the margins) with ``MARGIN`` samples of
digital silence before and after, starting on a frame boundary of the track. The packets of a
piece whose windows lie in its silent margins decode to silence whatever comes before or after,
so pieces and frames of encoded silence can be laid side by side, each packet where its window
falls in the track: no priming, no drift, no clicks at the joins.

Speech is placed on the nearest frame boundary (at most 512 samples, 10.7 ms at 48 kHz, from its
planned start): that makes a piece's samples independent of where it sits in the track, so a
scene that only moved (an earlier scene's speech grew) is still a cache hit.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from estudio.errors import RenderError
from estudio.media.audio import AudioPart, _pcm16, read_wav, resample
from estudio.media.ffmpeg import run_ffmpeg_to
from estudio.sandbox import bounded

FRAME = 1024  # samples per AAC-LC frame
MARGIN = 2 * FRAME  # digital silence around a piece's speech: its edge packets encode nothing
PIECE_FORMAT = 1  # part of each piece's fingerprint: bump when the layout above changes


@dataclass(frozen=True)
class Piece:
    """Samples ``[first·1024, (first+frames)·1024)`` of the track, to be encoded alone: each
    member WAV placed at its sample offset in silence."""

    first: int  # the track frame where the piece starts (may be negative near the start)
    frames: int
    members: tuple[tuple[int, Path, int], ...]  # (offset, WAV, samples kept) in the piece
    digest: str  # what its encoded packets depend on: the WAVs, their offsets, the encoder


def _samples_after_resample(path: Path, sample_rate: int) -> tuple[int, str]:
    """A WAV's length at ``sample_rate`` (as ``resample`` makes it) and the SHA-256 of its
    bytes, read without decoding it."""
    try:
        with wave.open(str(path), "rb") as w:
            n, rate = w.getnframes(), w.getframerate()
    except (wave.Error, EOFError, OSError) as e:
        raise RenderError(f"cannot read audio {path.name}: {e}") from e
    length = n if rate == sample_rate or n == 0 else round(n * sample_rate / rate)
    return length, hashlib.sha256(path.read_bytes()).hexdigest()


def plan_pieces(
    parts: Sequence[AudioPart], total_s: float, sample_rate: int, codec_args: Sequence[str]
) -> tuple[int, list[Piece]]:
    """The track's frame count and its pieces, in track order. Reads the WAVs' headers and
    hashes their bytes; decodes nothing."""
    total = round(total_s * sample_rate)
    placed: list[tuple[int, Path, int, str]] = []
    for part in parts:
        if part.path is None:
            continue
        length, sha = _samples_after_resample(part.path, sample_rate)
        at = round(part.start_s * sample_rate / FRAME) * FRAME
        kept = min(length, max(0, total - at))  # clipped to the track, as build_audio_track does
        if kept:
            placed.append((at, part.path, kept, sha))
    placed.sort(key=lambda p: p[0])
    groups: list[tuple[int, int, list[tuple[int, Path, int, str]]]] = []
    for member in placed:
        at, _, kept, _ = member
        lo = at - MARGIN
        hi = -(-(at + kept + MARGIN) // FRAME) * FRAME
        if groups and lo < groups[-1][1]:
            g_lo, g_hi, members = groups[-1]
            groups[-1] = (g_lo, max(g_hi, hi), [*members, member])
        else:
            groups.append((lo, hi, [member]))
    settings = [PIECE_FORMAT, sample_rate, list(codec_args)]
    pieces = []
    for lo, hi, members in groups:
        inside = tuple((at - lo, path, kept) for at, path, kept, _ in members)
        layout = [settings, hi - lo, [[at - lo, kept, sha] for at, _, kept, sha in members]]
        digest = hashlib.sha256(json.dumps(layout).encode()).hexdigest()
        pieces.append(
            Piece(first=lo // FRAME, frames=(hi - lo) // FRAME, members=inside, digest=digest)
        )
    return -(-total // FRAME), pieces


def piece_pcm(piece: Piece, sample_rate: int) -> bytes:
    """The piece's samples, mono 16-bit little-endian: its WAVs decoded and placed."""
    buf = np.zeros(piece.frames * FRAME, dtype=np.float32)
    for offset, path, kept in piece.members:
        samples, rate = read_wav(path)
        samples = resample(samples, rate, sample_rate)[:kept]
        buf[offset : offset + len(samples)] += samples
    return _pcm16(buf)


def adts_frames(data: bytes) -> list[bytes]:
    """Split an ADTS stream into its frames (header included)."""
    frames: list[bytes] = []
    at = 0
    while at + 7 <= len(data):
        if data[at] != 0xFF or (data[at + 1] & 0xF0) != 0xF0:
            raise RenderError(f"not an ADTS frame at byte {at}")
        length = ((data[at + 3] & 0x03) << 11) | (data[at + 4] << 3) | (data[at + 5] >> 5)
        if length < 7 or at + length > len(data):
            raise RenderError(f"truncated ADTS frame at byte {at}")
        if data[at + 6] & 0x03:
            raise RenderError("ADTS frames with several raw blocks are not supported")
        frames.append(data[at : at + length])
        at += length
    return frames


def encode_adts(
    pcm: bytes, sample_rate: int, codec_args: Sequence[str], ffmpeg: str, timeout_s: float
) -> list[bytes]:
    """Raw mono 16-bit samples → the encoder's ADTS frames (priming frame first)."""
    argv = [
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "s16le",
        "-ar",
        str(sample_rate),
        "-ac",
        "1",
        "-i",
        "pipe:0",
        *codec_args,
        "-f",
        "adts",
        "pipe:1",
    ]
    try:
        done = subprocess.run(
            bounded(argv), input=pcm, capture_output=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise RenderError(f"narration encode ran past {timeout_s:.0f} s") from e
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"narration encode failed: {lines[-1] if lines else done.returncode}")
    return adts_frames(done.stdout)


def encode_pieces(
    pieces: Sequence[Piece],
    sample_rate: int,
    codec_args: Sequence[str],
    ffmpeg: str,
    timeout_s: float,
) -> dict[str, list[bytes]]:
    """Each piece's packets ``1 … frames-1`` (the ones that go into the track), by digest, from
    one encoder run over the pieces laid end to end (their silent margins keep them apart)."""
    unique = list({p.digest: p for p in pieces}.values())
    if not unique:
        return {}
    pcm = b"".join(piece_pcm(p, sample_rate) for p in unique)
    packets = encode_adts(pcm, sample_rate, codec_args, ffmpeg, timeout_s)
    out: dict[str, list[bytes]] = {}
    at = 0
    for piece in unique:
        used = packets[at + 1 : at + piece.frames]
        if len(used) != piece.frames - 1:
            raise RenderError("the encoder returned fewer frames than the narration needs")
        out[piece.digest] = used
        at += piece.frames
    return out


def silence_packet(sample_rate: int, codec_args: Sequence[str], ffmpeg: str) -> bytes:
    """One encoded frame of digital silence, with these encoder settings."""
    packets = encode_adts(bytes(2 * 8 * FRAME), sample_rate, codec_args, ffmpeg, 60)
    return packets[4]


def splice(
    frames: int,
    pieces: Sequence[Piece],
    packets: Callable[[Piece], list[bytes]],
    silence: bytes,
) -> bytes:
    """The track's ADTS stream: each piece's packets where their windows fall, silence elsewhere.
    Output frame ``m`` decodes to track samples ``[m·1024, (m+1)·1024)``."""
    track = [silence] * frames
    for piece in pieces:
        for j, packet in enumerate(packets(piece), start=1):
            m = piece.first + j - 1
            if 0 <= m < frames:
                track[m] = packet
    return b"".join(track)


def mux_m4a(adts: Path, out: Path, ffmpeg: str, timeout_s: float) -> None:
    """The spliced ADTS stream in an M4A (stream copy), as ``encode_narration`` writes."""
    run_ffmpeg_to(
        out, ["-f", "aac", "-i", str(adts), "-c:a", "copy", "-f", "mp4"], ffmpeg, timeout_s
    )


def wav_frames(path: Path) -> int:
    with wave.open(str(path), "rb") as w:
        return w.getnframes()
