"""Scene timing: pure arithmetic over the deck and its speech.

Every scene lasts a whole number of frames, so video segments concatenate without gaps and the
audio track (placed by sample at each scene's start) cannot drift from the picture.

Each scene names its encoder: still slides the one the plan's host chose (they render beside it,
in the same kind of process), presenter scenes ``HOST_ENCODER``, so that the GPU host that renders
them encodes with NVENC and a CPU fallback with libx264 (docs/adr/0007).
"""

from __future__ import annotations

import math

from estudio.deck.builds import step_times
from estudio.media.ffmpeg import HOST_ENCODER
from estudio.models import Chapter, Deck, Plan, RenderOptions, ScenePlan, Speech

LEAD_IN_S = 0.4  # picture before the voice starts
LEAD_OUT_S = 0.8  # picture after the voice ends
SILENT_SCENE_S = 3.0  # a slide with nothing to say still gets time to be seen (the default)
STEP_MIN_S = 1.5  # a silent slide's build steps each stay this long at least
STILL_FPS = 2  # slides are still pictures: few frames cost little (docs/adr/0002)
CHANGING_STILL_FPS = 5  # burned-in captions and fades change the picture within a slide
MOTION_FPS = 25  # a presenter moves
AUDIO_RATE = 48_000


def frames_ceil(seconds: float, fps: int) -> float:
    """``seconds`` rounded up to a whole frame (1 ms tolerance against float noise)."""
    return math.ceil(seconds * fps - 1e-3) / fps


def frame_rate(options: RenderOptions) -> int:
    """One frame rate for the whole video (segments must match to concatenate)."""
    if options.avatar or (options.brand is not None and options.brand.has_clip):
        return MOTION_FPS  # a presenter moves; so does a brand intro/outro clip
    if options.subtitles == "burn" or options.transition == "fade":
        return CHANGING_STILL_FPS
    return STILL_FPS


def make_plan(
    deck: Deck,
    speeches: list[Speech],
    options: RenderOptions,
    encoder: str = "libx264",
    presenter_encoder: str = HOST_ENCODER,
) -> Plan:
    """The timeline. ``encoder`` encodes still scenes; ``presenter_encoder`` the presenter's."""
    if len(speeches) != len(deck.scenes):
        raise ValueError("one speech per scene is required")
    fps = frame_rate(options)
    size = options.size
    scenes: list[ScenePlan] = []
    chapters: list[Chapter] = []
    start = 0.0
    for scene, speech in zip(deck.scenes, speeches, strict=True):
        if speech.duration_s > 0:
            duration = frames_ceil(LEAD_IN_S + speech.duration_s + LEAD_OUT_S, fps)
            offset = LEAD_IN_S
        else:
            silent = max(options.silent_scene_s, STEP_MIN_S * (len(scene.steps) + 1))
            duration = frames_ceil(silent if scene.steps else options.silent_scene_s, fps)
            offset = 0.0
        scenes.append(
            ScenePlan(
                index=scene.index,
                slide_number=scene.slide_number,
                start_s=round(start, 6),
                duration_s=round(duration, 6),
                speech_offset_s=offset,
                speech_duration_s=speech.duration_s,
                transition=options.transition,
                avatar=options.avatar,
                encoder=presenter_encoder if options.avatar else encoder,
                step_times_s=step_times(scene, speech, offset, duration, fps),
            )
        )
        title = (scene.title or "").strip()
        if title and (not chapters or chapters[-1].title != title):
            chapters.append(Chapter(title=title, start_s=round(start, 6)))
        start += duration
    return Plan(
        width=size.width,
        height=size.height,
        fps=fps,
        encoder=encoder,
        sample_rate=AUDIO_RATE,
        scenes=scenes,
        chapters=chapters,
    )
