"""``bench_avatar``: how fast the presenter renders here (``make bench`` calls it)."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from estudio.avatar.render import AvatarRenderStats, render_avatar_segment
from estudio.models import VisemeEvent
from estudio.speech.visemes import SILENCE

_CONSONANTS = ("PP", "DD", "kk", "SS", "FF", "nn", "RR", "CH", "TH")
_VOWELS = ("aa", "E", "I", "O", "U")


def synthetic_visemes(seconds: float, seed: int = 7) -> list[VisemeEvent]:
    """Speech-like visemes: syllables (consonant + vowel) in phrases separated by pauses."""
    rng = random.Random(seed)
    events: list[VisemeEvent] = []
    t = 0.0
    while t < seconds - 0.5:
        for _ in range(rng.randint(4, 14)):  # one phrase
            events.append(VisemeEvent(time_s=round(t, 3), viseme=rng.choice(_CONSONANTS)))
            t += rng.uniform(0.05, 0.09)
            events.append(VisemeEvent(time_s=round(t, 3), viseme=rng.choice(_VOWELS)))
            t += rng.uniform(0.09, 0.18)
        events.append(VisemeEvent(time_s=round(t, 3), viseme=SILENCE))
        t += rng.uniform(0.3, 0.8)
    return events


def _slide(path: Path, width: int, height: int) -> None:
    img = Image.new("RGB", (width, height), (250, 250, 252))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width, height // 7), fill=(30, 70, 140))
    for i in range(6):
        y = height // 4 + i * height // 10
        draw.rectangle(
            (width // 12, y, width // 12 + width // 2 - i * width // 30, y + height // 40),
            fill=(90, 90, 100),
        )
    img.save(path)


def bench_avatar(seconds: float, width: int, height: int, fps: int) -> AvatarRenderStats:
    """Render ``seconds`` of a talking ``ana`` (pip-right) at ``width`` x ``height`` and time it.

    Uses the default ffmpeg and encoder choice; ``fps`` and
    ``realtime_ratio`` of the result are the figures to report.
    """
    from estudio.media.ffmpeg import choose_encoder, ffmpeg_exe

    ffmpeg = ffmpeg_exe()
    encoder = choose_encoder(ffmpeg)
    with tempfile.TemporaryDirectory(prefix="estudio-bench-") as tmp:
        slide = Path(tmp) / "slide.png"
        _slide(slide, width, height)
        return render_avatar_segment(
            slide,
            Path(tmp) / "avatar.mp4",
            synthetic_visemes(max(0.0, seconds - 0.5)),
            speech_offset_s=0.25,
            duration_s=seconds,
            fps=fps,
            avatar_id="ana",
            layout="pip-right",
            ffmpeg=ffmpeg,
            encoder=encoder,
        )
