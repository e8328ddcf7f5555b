"""What the pipeline stages do with a brand kit. Each function is called by one stage
(``estudio.pipeline.stages``) and keeps the stage's own code to a line or two."""

from __future__ import annotations

import json
from pathlib import Path

from estudio.brand import compose, music
from estudio.brand.model import Bookend, BrandKit, Card
from estudio.media.assemble import AAC_ARGS
from estudio.media.audio import write_wav
from estudio.media.ffmpeg import ffmpeg_exe, run_ffmpeg_to
from estudio.media.render import render_still_segment
from estudio.models import (
    CaptionCue,
    CardPlan,
    Chapter,
    Deck,
    Loudness,
    Manifest,
    ManifestScene,
    Plan,
    RenderOptions,
    Speech,
)
from estudio.pipeline.context import StageContext
from estudio.plan import LEAD_IN_S, LEAD_OUT_S, frames_ceil

KINDS = ("intro", "outro")


def card_audio_key(job_id: str, kind: str) -> str:
    return f"jobs/{job_id}/brand/{kind}.wav"


def card_speech_key(job_id: str, kind: str) -> str:
    return f"jobs/{job_id}/brand/{kind}.json"


def loudness_key(job_id: str) -> str:
    return f"jobs/{job_id}/brand/loudness.json"


def _bookend(kit: BrandKit, kind: str) -> Bookend | None:
    return kit.intro if kind == "intro" else kit.outro


def _card(kit: BrandKit, kind: str) -> Card | None:
    bookend = _bookend(kit, kind)
    return bookend.card if bookend is not None else None


def _clip(kit: BrandKit, kind: str) -> str | None:
    bookend = _bookend(kit, kind)
    return bookend.video if bookend is not None else None


# --- plan ----------------------------------------------------------------------------------------
def speak_cards(
    ctx: StageContext, job_id: str, deck: Deck, options: RenderOptions
) -> dict[str, Speech]:
    """Synthesise each card's "say" line (cached like every speech) in the render's voice."""
    from estudio.speech.cache import SpeechCache
    from estudio.speech.glossary import default_glossary
    from estudio.speech.service import speak

    kit = options.brand
    spoken: dict[str, Speech] = {}
    if kit is None:
        return spoken
    language = options.language or deck.language
    for kind in KINDS:
        card = _card(kit, kind)
        if card is None or not (card.say or "").strip():
            continue
        with ctx.scratch(f"card-{kind}") as tmp:
            wav = tmp / "say.wav"
            speech = speak(
                card.say or "",
                options.voice,
                language,
                wav,
                ctx.voices,
                glossary=default_glossary(language),
                chain=ctx.settings.voice_chain,
                cache=SpeechCache(ctx.blobs),
            )
            ctx.blobs.put_file(card_audio_key(job_id, kind), wav, "audio/wav")
        ctx.blobs.put_bytes(card_speech_key(job_id, kind), speech.model_dump_json().encode())
        spoken[kind] = speech
    return spoken


def add_cards(timeline: Plan, kit: BrandKit | None, deck: Deck, spoken: dict[str, Speech]) -> Plan:
    """The plan with the intro before the first slide and the outro after the last: slides and
    chapters shift by the intro's length. Pure."""
    if kit is None:
        return timeline
    plans: dict[str, CardPlan] = {}
    fallback_title = deck.title or deck.source_name.rsplit(".", 1)[0]
    for kind in KINDS:
        bookend = _bookend(kit, kind)
        if bookend is not None and bookend.video is not None:  # a clip lasts what it lasts
            length = frames_ceil(bookend.video_duration_s or 1.0, timeline.fps)
            plans[kind] = CardPlan(
                kind=kind, title=fallback_title, start_s=0.0, duration_s=round(length, 6)
            )
            continue
        card = _card(kit, kind)
        if card is None:
            continue
        speech = spoken.get(kind)
        said = speech.duration_s if speech else 0.0
        duration = frames_ceil(
            max(card.duration_s, LEAD_IN_S + said + LEAD_OUT_S if said else 0), timeline.fps
        )
        title = card.title or fallback_title
        plans[kind] = CardPlan(
            kind=kind,
            title=title,
            start_s=0.0,
            duration_s=round(duration, 6),
            speech_offset_s=LEAD_IN_S if said else 0.0,
            speech_duration_s=said,
        )
    if not plans:
        return timeline
    shift = plans["intro"].duration_s if "intro" in plans else 0.0
    scenes = [
        s.model_copy(update={"start_s": round(s.start_s + shift, 6)}) for s in timeline.scenes
    ]
    chapters = [
        Chapter(title=c.title, start_s=round(c.start_s + shift, 6)) for c in timeline.chapters
    ]
    if "intro" in plans:
        chapters.insert(0, Chapter(title=plans["intro"].title, start_s=0.0))
    end = scenes[-1].end_s if scenes else shift
    outro = plans.get("outro")
    if outro is not None:
        outro = outro.model_copy(update={"start_s": round(end, 6)})
    return timeline.model_copy(
        update={"scenes": scenes, "chapters": chapters, "intro": plans.get("intro"), "outro": outro}
    )


# --- render --------------------------------------------------------------------------------------
def presenter_area(width: int, height: int, layout: str | None) -> compose.Box | None:
    """Where the presenter covers the slide picture: picture-in-picture layouts draw it over the
    full-frame slide; "beside" shrinks the slide away from it, so nothing there to avoid."""
    if layout not in ("pip-right", "pip-left"):
        return None
    from estudio.avatar.render import presenter_box

    box = presenter_box(width, height, layout)
    return compose.Box(box.x, box.y, box.w, box.h)


def branded_slide(
    ctx: StageContext,
    kit: BrandKit,
    image: bytes,
    aspect: float,
    avatar_layout: str | None,
) -> bytes:
    """The slide image with the template and the logo (kept clear of the presenter)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(image)) as img:
        width, height = img.size
    avoid = presenter_area(width, height, avatar_layout)
    logo = ctx.blobs.get_bytes(kit.logo.path) if kit.logo is not None else None
    return compose.compose_slide(image, kit, aspect, logo, avoid)


def render_cards(
    ctx: StageContext, timeline: Plan, kit: BrandKit, ffmpeg: str, encoder: str, tmp: Path
) -> dict[str, Path]:
    """Each card's video-only segment, at the plan's size, frame rate and still encoder; a clip
    transcoded to them (letterboxed, whole frames)."""
    font = ctx.blobs.get_file(kit.font, tmp / "brand-font.ttf") if kit.font else None
    logo = ctx.blobs.get_bytes(kit.logo.path) if kit.logo is not None else None
    out: dict[str, Path] = {}
    for plan in (timeline.intro, timeline.outro):
        if plan is None:
            continue
        segment = tmp / f"{plan.kind}.mp4"
        clip = _clip(kit, plan.kind)
        if clip is not None:
            source = ctx.blobs.get_file(clip, tmp / f"{plan.kind}-clip{Path(clip).suffix}")
            transcode_clip(source, segment, plan.duration_s, timeline, encoder, ffmpeg)
            out[plan.kind] = segment
            continue
        card = _card(kit, plan.kind)
        assert card is not None
        png = tmp / f"{plan.kind}.png"
        png.write_bytes(
            compose.card_image(card, kit, plan.title, timeline.width, timeline.height, font, logo)
        )
        render_still_segment(png, segment, plan.duration_s, timeline.fps, encoder, ffmpeg)
        out[plan.kind] = segment
    return out


def transcode_clip(
    source: Path, out: Path, duration_s: float, timeline: Plan, encoder: str, ffmpeg: str
) -> None:
    """A brand clip as a video-only segment: scaled into the frame, letterboxed, at the plan's
    frame rate, exactly ``round(duration_s*fps)`` frames (the last held if the clip is short)."""
    from estudio.media.ffmpeg import video_encode_args
    from estudio.media.render import frame_count

    w, h, fps = timeline.width, timeline.height, timeline.fps
    frames = frame_count(duration_s, fps)
    chain = (
        f"scale={w}:{h}:force_original_aspect_ratio=decrease,"
        f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps={fps},"
        f"tpad=stop_mode=clone:stop_duration={duration_s:.3f},format=yuv420p"
    )
    args = ["-i", str(source), "-vf", chain, "-frames:v", str(frames)]
    run_ffmpeg_to(out, [*args, *video_encode_args(encoder, fps), "-f", "mp4"], ffmpeg)


# --- narrate -------------------------------------------------------------------------------------
def card_parts(
    ctx: StageContext, job_id: str, timeline: Plan, tmp: Path, kit: BrandKit | None = None
) -> list[tuple[Path, float]]:
    """(wav, start) of each card's spoken line, and of each clip's own sound."""
    parts = []
    for plan in (timeline.intro, timeline.outro):
        clip = _clip(kit, plan.kind) if kit is not None and plan is not None else None
        if plan is not None and clip is not None:
            sound = clip_audio(ctx, clip, plan.duration_s, timeline.sample_rate, tmp, plan.kind)
            if sound is not None:
                parts.append((sound, plan.start_s))
            continue
        if plan is not None and plan.speech_duration_s > 0:
            wav = ctx.blobs.get_file(card_audio_key(job_id, plan.kind), tmp / f"{plan.kind}.wav")
            parts.append((wav, plan.start_s + plan.speech_offset_s))
    return parts


def clip_audio(
    ctx: StageContext, clip: str, duration_s: float, rate: int, tmp: Path, kind: str
) -> Path | None:
    """The clip's sound as a mono WAV at the track's rate, cut to its scene; None if silent."""
    from estudio.media.probe import probe

    source = ctx.blobs.get_file(clip, tmp / f"{kind}-clip{Path(clip).suffix}")
    if not probe(source, ffmpeg=ctx.settings.ffmpeg).has_audio:
        return None
    samples = music.decode(source, ffmpeg_exe(ctx.settings.ffmpeg), rate, max_s=duration_s)
    wav = tmp / f"{kind}-clip.wav"
    write_wav(wav, samples, rate)
    return wav


def word_times(
    ctx: StageContext, job_id: str, timeline: Plan, kit: BrandKit | None = None
) -> list[tuple[float, float]]:
    """Every spoken word's (start, end) in the video, and each clip's span: where the bed ducks."""
    from estudio.pipeline import keys

    times: list[tuple[float, float]] = [
        (p.start_s, p.end_s)
        for p in (timeline.intro, timeline.outro)
        if p is not None and kit is not None and _clip(kit, p.kind) is not None
    ]
    placed: list[tuple[str, float]] = [
        (keys.speech_model(job_id, s.index), s.start_s + s.speech_offset_s)
        for s in timeline.scenes
        if s.speech_duration_s > 0
    ]
    placed += [
        (card_speech_key(job_id, p.kind), p.start_s + p.speech_offset_s)
        for p in (timeline.intro, timeline.outro)
        if p is not None and p.speech_duration_s > 0
    ]
    for key, at in placed:
        speech = Speech.model_validate_json(ctx.blobs.get_bytes(key))
        if speech.words:
            times += [(at + w.start_s, at + w.end_s) for w in speech.words]
        else:
            times.append((at, at + speech.duration_s))
    return times


def finish_narration(
    ctx: StageContext,
    job_id: str,
    timeline: Plan,
    kit: BrandKit,
    track: Path,
    out: Path,
    ffmpeg: str,
    tmp: Path,
) -> Loudness:
    """Mix the bed under the voice (when the kit has music), normalise the loudness in two
    passes, encode AAC, measure the result and record it for the manifest."""
    source = track
    if kit.music is not None:
        bed_file = None
        if kit.music.path is not None:
            bed_file = ctx.blobs.get_file(kit.music.path, tmp / f"bed{Path(kit.music.path).suffix}")
        source = tmp / "mix.wav"
        music.mix_with_music(
            track, kit.music, bed_file, word_times(ctx, job_id, timeline, kit), source, ffmpeg
        )
    found = music.normalise(source, out, ffmpeg, AAC_ARGS, ctx.settings.limits.stage_timeout_s)
    loudness = Loudness(
        integrated_lufs=found.integrated_lufs,
        true_peak_dbtp=found.true_peak_dbtp,
        lra_lu=found.lra_lu,
        target_lufs=music.TARGET_LUFS,
    )
    ctx.blobs.put_bytes(
        loudness_key(job_id), loudness.model_dump_json().encode(), "application/json"
    )
    return loudness


def recorded_loudness(ctx: StageContext, job_id: str) -> Loudness | None:
    key = loudness_key(job_id)
    if not ctx.blobs.exists(key):
        return None
    return Loudness.model_validate(json.loads(ctx.blobs.get_bytes(key)))


# --- publish -------------------------------------------------------------------------------------
def card_scenes(ctx: StageContext, job_id: str, timeline: Plan, manifest: Manifest) -> Manifest:
    """The manifest with the intro first and the outro last (``kind``; slide number 0)."""
    scenes = list(manifest.scenes)
    for plan in (timeline.intro, timeline.outro):
        if plan is None:
            continue
        key = card_speech_key(job_id, plan.kind)
        speech = (
            Speech.model_validate_json(ctx.blobs.get_bytes(key)) if ctx.blobs.exists(key) else None
        )
        entry = ManifestScene(
            index=-1 if plan.kind == "intro" else len(timeline.scenes),
            slide_number=0,
            title=plan.title,
            script=speech.written if speech else "",
            spoken=speech.spoken if speech else "",
            start_s=round(plan.start_s, 3),
            end_s=round(plan.end_s, 3),
            voice=speech.voice if speech else "",
            script_source="brand",
            kind=plan.kind,
        )
        if plan.kind == "intro":
            scenes.insert(0, entry)
        else:
            scenes.append(entry)
    return manifest.model_copy(update={"scenes": scenes})


# --- captions ------------------------------------------------------------------------------------
def branded_captions(
    ctx: StageContext, kit: BrandKit, ass: str, timeline: Plan
) -> tuple[str, Path | None]:
    """The scene's ASS restyled by the kit, and a folder holding the kit's font (or None). The
    font's key rides in the ASS as a comment, so the segment cache tells fonts apart."""
    from estudio.brand.captions import restyle_ass
    from estudio.brand.ingest import check_font
    from estudio.brand.model import CaptionStyle

    if kit.captions is None and kit.font is None:
        return ass, None
    family, fonts = "Noto Sans", None
    if kit.font is not None:
        fonts = ctx.settings.data / "cache" / "brand-fonts" / Path(kit.font).stem
        font_file = fonts / f"font{Path(kit.font).suffix}"
        if not font_file.is_file():
            fonts.mkdir(parents=True, exist_ok=True)
            ctx.blobs.get_file(kit.font, font_file)
        family = check_font(font_file.read_bytes(), kit.font)
    styled = restyle_ass(
        ass, kit.captions or CaptionStyle(), family, timeline.width, timeline.height
    )
    marker = f"; brand font: {kit.font}\n" if kit.font else ""
    return styled.replace("[Script Info]\n", f"[Script Info]\n{marker}", 1), fonts


def card_cues(ctx: StageContext, job_id: str, timeline: Plan) -> list[CaptionCue]:
    """Caption cues for the cards' spoken lines, at their place in the video."""
    from estudio.speech.captions import build_cues

    cues: list[CaptionCue] = []
    for plan in (timeline.intro, timeline.outro):
        key = card_speech_key(job_id, plan.kind) if plan is not None else ""
        if plan is None or not ctx.blobs.exists(key):
            continue
        speech = Speech.model_validate_json(ctx.blobs.get_bytes(key))
        if speech.words:
            cues += build_cues(
                speech.words, speech.written, offset_s=plan.start_s + plan.speech_offset_s
            )
    return cues
