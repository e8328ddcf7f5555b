"""The narrate stage's work: one continuous narration track (docs/adr/0013).

Without a brand kit the track is spliced from per-scene AAC pieces cached per tenant under
``cache/segments/{tenant}/aac/`` (``estudio.media.narration_parts``): a piece is encoded once
for its samples and encoder settings, and a re-render after one edited scene encodes that
scene's piece only. The whole track is cached too, keyed by its layout (which piece at which
frame), so an unchanged re-render copies it; and so is the assembled video, keyed by the bytes
of its segments and narration (``assembly_cache_key``). With a kit (music bed under the voice,
loudness normalised and measured) the track is mixed and encoded whole, as before.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from estudio.media.assemble import AAC_ARGS
from estudio.media.audio import AudioPart, build_audio_track
from estudio.media.narration_parts import (
    Piece,
    adts_frames,
    encode_pieces,
    mux_m4a,
    plan_pieces,
    silence_packet,
    splice,
)
from estudio.models import Plan
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.pipeline.messages import JobRef

AAC_TYPE = "audio/aac"


def narration_cache_prefix(segment_prefix: str) -> str:
    return f"{segment_prefix}aac/"


def build_narration(
    ctx: StageContext, msg: JobRef, timeline: Plan, ffmpeg: str, segment_prefix: str
) -> None:
    """Write the job's ``keys.narration`` (AAC in M4A)."""
    with ctx.scratch("narrate") as tmp:
        parts = []
        for scene in timeline.scenes:
            if scene.speech_duration_s > 0:
                wav = ctx.blobs.get_file(
                    keys.speech_audio(msg.job_id, scene.index), tmp / f"speech{scene.index:04d}.wav"
                )
                parts.append(AudioPart(path=wav, start_s=scene.start_s + scene.speech_offset_s))
        encoded = tmp / "narration.m4a"
        if msg.options.brand is None:
            _spliced(ctx, parts, timeline, ffmpeg, narration_cache_prefix(segment_prefix), encoded)
        else:
            _mixed(ctx, msg, timeline, parts, ffmpeg, tmp, encoded)
        ctx.blobs.put_file(keys.narration(msg.job_id), encoded, "audio/mp4")


def _spliced(
    ctx: StageContext,
    parts: list[AudioPart],
    timeline: Plan,
    ffmpeg: str,
    prefix: str,
    out: Path,
) -> None:
    rate = timeline.sample_rate
    timeout = ctx.settings.limits.stage_timeout_s
    frames, pieces = plan_pieces(parts, timeline.duration_s, rate, AAC_ARGS)
    layout = json.dumps([frames, rate, [[p.first, p.digest] for p in pieces]]).encode()
    whole = f"{prefix}track-{hashlib.sha256(layout).hexdigest()}.m4a"
    if ctx.blobs.exists(whole):  # the same track as a render before: copied
        ctx.blobs.get_file(whole, out)
        return
    cached = {p.digest: f"{prefix}{p.digest}.aac" for p in pieces}
    missing = [p for p in pieces if not ctx.blobs.exists(cached[p.digest])]
    fresh = encode_pieces(missing, rate, AAC_ARGS, ffmpeg, timeout)
    for digest, encoded in fresh.items():
        ctx.blobs.put_bytes(cached[digest], b"".join(encoded), AAC_TYPE)
    silence_key = f"{prefix}silence-{hashlib.sha256(repr((rate, AAC_ARGS)).encode()).hexdigest()}"
    if ctx.blobs.exists(silence_key):
        silence = ctx.blobs.get_bytes(silence_key)
    else:
        silence = silence_packet(rate, AAC_ARGS, ffmpeg)
        ctx.blobs.put_bytes(silence_key, silence, AAC_TYPE)

    def packets(piece: Piece) -> list[bytes]:
        if piece.digest in fresh:
            return fresh[piece.digest]
        return adts_frames(ctx.blobs.get_bytes(cached[piece.digest]))

    adts = out.with_suffix(".aac")
    adts.write_bytes(splice(frames, pieces, packets, silence))
    mux_m4a(adts, out, ffmpeg, timeout)
    ctx.blobs.put_file(whole, out, "audio/mp4")


def _mixed(
    ctx: StageContext,
    msg: JobRef,
    timeline: Plan,
    parts: list[AudioPart],
    ffmpeg: str,
    tmp: Path,
    out: Path,
) -> None:
    """The brand kit's track: voice, cards and music mixed whole, loudness measured."""
    from estudio.brand.stage_parts import card_parts, finish_narration

    kit = msg.options.brand
    assert kit is not None
    voice = list(parts)
    cards = card_parts(ctx, msg.job_id, timeline, tmp, kit)
    voice += [AudioPart(path=p, start_s=at) for p, at in cards]
    track = tmp / "narration.wav"
    build_audio_track(voice, timeline.duration_s, track, sample_rate=timeline.sample_rate)
    finish_narration(ctx, msg.job_id, timeline, kit, track, out, ffmpeg, tmp)


ASSEMBLY_FORMAT = 1  # bump when assemble_video's output changes for the same inputs


def assembly_cache_key(
    ctx: StageContext, job_id: str, timeline: Plan, title: str | None, ffmpeg: str, prefix: str
) -> str:
    """Where the video made of exactly this job's segments and narration is kept: its
    fingerprint is the bytes of each segment and of the narration, the chapters, the title,
    the frame rate and the ffmpeg that muxes them."""
    digest = hashlib.sha256()
    chapters = [c.model_dump(mode="json") for c in timeline.chapters]
    digest.update(json.dumps([ASSEMBLY_FORMAT, timeline.fps, title, chapters, ffmpeg]).encode())
    for scene in timeline.scenes:
        segment = ctx.blobs.get_bytes(keys.segment(job_id, scene.index))
        digest.update(hashlib.sha256(segment).digest())
    digest.update(hashlib.sha256(ctx.blobs.get_bytes(keys.narration(job_id))).digest())
    return f"{prefix}video/{digest.hexdigest()}.mp4"
