"""Scene previews: one scene, its current script, as a short small MP4 (or its narration alone)
in about a second, to hear and see an edit before rendering the deck (docs/adr/0014).

The narration goes through the same voice chain and speech cache as the render's speak stage
(an unchanged scene is never sent to a provider twice, and the render later reuses it); the
picture is the slide image drawn at upload (the slide cache). The video is made in one ffmpeg
run at ``PREVIEW_WIDTH``: the slide held at a low frame rate, captions burned by default, the
narration as AAC. With a presenter, the presenter's frames are drawn first at the same size.
"""

from __future__ import annotations

import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estudio.api.schemas import PreviewRequest, SpeechPreview
from estudio.errors import EmptyScript, NotFound, SlidesNotReady
from estudio.models import Speech
from estudio.observability import logger
from estudio.services.common import PROJECT_KIND, owned
from estudio.services.context import ApiServices
from estudio.services.scenes import deck_of, scenes_of, slide_image_key

PREVIEW_WIDTH = 640
STILL_FPS = 5  # a still slide: few frames, the captions change on time at 0.2 s
PRESENTER_FPS = 25  # lips need the render's frame rate
SILENT_SCENE_S = 3.0  # a scene with nothing to say is shown this long
TAIL_S = 0.3  # the last word is not cut


@dataclass(frozen=True)
class Preview:
    path: Path  # inside ``folder``: the caller removes the folder once it is sent
    folder: Path
    media_type: str
    seconds: float  # how long making it took


def _glossary(services: ApiServices, tenant: str, entries: Any, language: str) -> Any:
    from estudio.services.glossary import render_glossary
    from estudio.speech.glossary import Glossary, default_glossary

    own = Glossary.model_validate({"entries": render_glossary(services, tenant, entries)})
    return default_glossary(language).merged(own)


def _speak(
    services: ApiServices,
    tenant: str,
    text: str,
    voice: str | None,
    language: str,
    glossary: Any,
    wav: Path,
) -> Speech:
    from estudio.speech.cache import SpeechCache, tenant_cache_prefix
    from estudio.speech.service import speak

    return speak(
        text,
        voice,
        language,
        wav,
        services.voices(),
        glossary=glossary,
        chain=services.settings.voice_chain,
        cache=SpeechCache(services.blobs, tenant_cache_prefix(tenant)),
    )


def speech_preview(services: ApiServices, tenant: str, body: SpeechPreview) -> Preview:
    """A short text read aloud with the tenant's glossary (the glossary editor's "hear it")."""
    from estudio.services.renders import check_voice

    check_voice(services, body.voice)
    if not body.text.strip():
        raise EmptyScript("there is nothing to say: the text is empty")
    language = body.language or "pt-BR"
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="estudio-preview-"))
    wav = folder / "speech.wav"
    glossary = _glossary(services, tenant, None, language)
    _speak(services, tenant, body.text, body.voice, language, glossary, wav)
    return Preview(wav, folder, "audio/wav", time.perf_counter() - started)


def scene_preview(
    services: ApiServices,
    tenant: str,
    project_id: str,
    index: int,
    body: PreviewRequest,
    audio_only: bool = False,
) -> Preview:
    """The scene as it would play now: MP4 (``video/mp4``), or its narration (``audio/wav``)."""
    from estudio.services.renders import check_voice

    check_voice(services, body.voice)
    if body.avatar:
        from estudio.avatar.catalog import get_avatar

        get_avatar(body.avatar)  # unknown_avatar before any work
    project = owned(services.items, PROJECT_KIND, project_id, tenant)
    deck = deck_of(services, project)
    if not 0 <= index < len(deck.scenes):
        raise NotFound(f"scene {index} not found")
    scene = scenes_of(services, project, deck)[index]
    if audio_only and not scene.script.strip():
        raise EmptyScript(f"scene {index} has no narration: write a script first")
    key = slide_image_key(project, scene.slide_number)
    if not audio_only and (key is None or not services.blobs.exists(key)):
        raise SlidesNotReady(
            "the slide images of this deck are not ready: upload the deck again to draw them"
        )
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="estudio-preview-"))
    try:
        speech = None
        wav = folder / "speech.wav"
        if scene.script.strip():
            glossary = _glossary(services, tenant, project.data.get("glossary"), deck.language)
            voice = body.voice or scene.voice
            speech = _speak(services, tenant, scene.script, voice, deck.language, glossary, wav)
        if audio_only:
            return Preview(wav, folder, "audio/wav", time.perf_counter() - started)
        assert key is not None
        slide = services.blobs.get_file(key, folder / "slide.png")
        out = folder / "preview.mp4"
        _encode(services, slide, speech, wav if speech else None, body, out)
    except BaseException:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    logger.info("scene preview", project_id=project_id, index=index, seconds=round(seconds, 3))
    return Preview(out, folder, "video/mp4", seconds)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (the slide cache stores PNGs)."""
    with path.open("rb") as handle:
        head = handle.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise SlidesNotReady("the cached slide image is not a PNG: upload the deck again")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def preview_size(slide: Path) -> tuple[int, int]:
    width, height = png_size(slide)
    out_h = max(2, round(height * PREVIEW_WIDTH / width / 2) * 2)
    return PREVIEW_WIDTH, out_h


def _encode(
    services: ApiServices,
    slide: Path,
    speech: Speech | None,
    wav: Path | None,
    body: PreviewRequest,
    out: Path,
) -> None:
    from estudio.media.ffmpeg import ffmpeg_exe, run_ffmpeg_to
    from estudio.media.render import escape_filter_value

    ffmpeg = ffmpeg_exe(services.settings.ffmpeg)
    width, height = preview_size(slide)
    duration = (speech.duration_s + TAIL_S) if speech is not None else SILENT_SCENE_S
    folder = out.parent
    # The slide is decoded and scaled once per 5 s of video (it does not change), then held
    # at STILL_FPS, the captions drawn on each frame.
    filters = [f"scale={width}:{height}:flags=bilinear", f"fps={STILL_FPS}", "format=yuv420p"]
    if body.subtitles == "burn" and speech is not None and speech.words:
        from estudio.speech.captions import build_cues, to_ass

        ass = folder / "captions.ass"
        ass.write_text(to_ass(build_cues(speech.words, speech.written), width, height), "utf-8")
        filters.append(f"subtitles=filename={escape_filter_value(str(ass))}")
    if body.avatar and speech is not None:
        picture = _presenter(services, slide, speech, duration, body, (width, height), ffmpeg)
        video_in = ["-i", str(picture)]
        filters = filters[2:]  # already at the preview size and frame rate
        fps = PRESENTER_FPS
    else:
        video_in = ["-loop", "1", "-framerate", "1/5", "-i", str(slide)]
        fps = STILL_FPS
    audio_in = (
        ["-i", str(wav)]
        if wav is not None
        else ["-f", "lavfi", "-i", "anullsrc=channel_layout=mono:sample_rate=24000"]
    )
    args = [
        *video_in,
        *audio_in,
        "-t",
        f"{duration:.3f}",
        "-vf",
        ",".join(filters),
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "stillimage",
        "-crf",
        "26",
        "-r",
        str(fps),
        "-g",
        str(fps * 2),
        "-c:a",
        "aac",
        "-aac_coder",
        "fast",
        "-b:a",
        "96k",
        "-af",
        "apad",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
    ]
    run_ffmpeg_to(out, args, ffmpeg, timeout_s=120)


def _presenter(
    services: ApiServices,
    slide: Path,
    speech: Speech,
    duration: float,
    body: PreviewRequest,
    size: tuple[int, int],
    ffmpeg: str,
) -> Path:
    """The slide at the preview size with the talking presenter over it (video only)."""
    from estudio.avatar.render import render_avatar_segment
    from estudio.media.ffmpeg import run_ffmpeg_to

    assert body.avatar is not None
    small = slide.parent / "slide-small.png"
    run_ffmpeg_to(
        small,
        ["-i", str(slide), "-vf", f"scale={size[0]}:{size[1]}", "-frames:v", "1", "-f", "image2"],
        ffmpeg,
        timeout_s=60,
    )
    picture = slide.parent / "presenter.mp4"
    render_avatar_segment(
        small,
        picture,
        speech.visemes,
        0.0,
        duration,
        PRESENTER_FPS,
        body.avatar,
        body.avatar_layout,
        ffmpeg,
        "libx264",
        face_python=services.settings.face_python,
        cache_dir=services.settings.data / "cache" / "avatar",
    )
    return picture


def presenter_image(
    services: ApiServices, tenant: str, avatar_id: str, layout: str, project_id: str | None
) -> bytes:
    """A PNG of the presenter at rest in ``layout``, over the project's first slide (when given
    and drawn) or a plain light canvas, ``PREVIEW_WIDTH`` wide: to choose a presenter."""
    import io

    from PIL import Image

    from estudio.avatar.render import presenter_still

    canvas = Image.new("RGB", (PREVIEW_WIDTH, PREVIEW_WIDTH * 9 // 16), (241, 243, 246))
    if project_id is not None:
        project = owned(services.items, PROJECT_KIND, project_id, tenant)
        images: dict[str, str] = project.data.get("slide_images") or {}
        if images:
            first = services.blobs.get_bytes(images[min(images, key=int)])
            with Image.open(io.BytesIO(first)) as slide:
                height = max(2, round(slide.height * PREVIEW_WIDTH / slide.width / 2) * 2)
                canvas = slide.convert("RGB").resize((PREVIEW_WIDTH, height))
    still = presenter_still(canvas, avatar_id, layout, services.settings.data / "cache" / "avatar")
    out = io.BytesIO()
    still.save(out, format="PNG", optimize=False)
    return out.getvalue()
