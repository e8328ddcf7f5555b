"""Domain models shared by every stage. Pure data: no I/O here.

Times are seconds (float). Character offsets index the *written* script (``Scene.script``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from estudio.brand.model import BrandKit

JobId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{6,64}$")]
VoiceId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
# A built-in presenter ("ana"), or "photo:<path>" for the experimental talking photo (local only).
AvatarId = Annotated[str, StringConstraints(pattern=r"^([a-z0-9_-]{1,64}|photo:.{1,1024})$")]
# What the HTTP API accepts: built-in presenters only (a path would read the server's files).
BuiltinAvatarId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,64}$")]
# A BCP-47 language tag as the options take it: "pt-BR", "en", "es".
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
PresetName = Literal["1080p", "720p", "vertical", "square"]
SubtitleMode = Literal["sidecar", "burn", "none"]
Transition = Literal["cut", "fade"]
AvatarLayout = Literal["pip-right", "pip-left", "beside"]
# What the LMS stage may add to a render's outputs (``estudio.lms``): ``<kind>.zip`` each.
PackageKind = Literal["scorm12", "scorm2004", "storyboard"]
PACKAGE_KINDS: tuple[PackageKind, ...] = ("scorm12", "scorm2004", "storyboard")
# Where a scene's narration comes from: the notes, a script writer, the slide text, or nowhere.
ScriptMode = Literal["auto", "notes", "text", "rewrite"]
ScriptSource = Literal[
    "notes", "slide_text", "none", "edited", "text", "writer:rules", "writer:openai",
    "writer:bedrock",
]  # fmt: skip
BuildsMode = Literal["on", "off"]
# What a deck arrived as (detected by content); everything but pdf is parsed as a .pptx.
SourceFormat = Literal["pptx", "pptm", "pptx-strict", "ppt", "odp", "pdf"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Preset(Frozen):
    name: PresetName
    width: int
    height: int


PRESETS: dict[str, Preset] = {
    "1080p": Preset(name="1080p", width=1920, height=1080),
    "720p": Preset(name="720p", width=1280, height=720),
    "vertical": Preset(name="vertical", width=1080, height=1920),
    "square": Preset(name="square", width=1080, height=1080),
}


class RenderOptions(Frozen):
    """What the user asked for. Every field has a sensible default."""

    voice: VoiceId | None = None  # None: the default voice for the deck's language
    preset: PresetName = "1080p"
    subtitles: SubtitleMode = "sidecar"
    avatar: AvatarId | None = None
    avatar_layout: AvatarLayout = "pip-right"
    transition: Transition = "cut"
    language: str | None = None  # None: detected from the deck
    # LMS packages and the storyboard, built after Publish; each kind once, in PACKAGE_KINDS order.
    packages: tuple[PackageKind, ...] = ()
    # The share of the video a learner must actually watch for a SCORM package to report completed.
    completion_percent: int = Field(default=90, ge=1, le=100)
    # Logo, intro/outro cards, caption style, music, template (asset blob keys): estudio.brand.
    brand: BrandKit | None = None

    @field_validator("languages")
    @classmethod
    def _each_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))

    @field_validator("packages")
    @classmethod
    def _one_of_each(cls, value: tuple[PackageKind, ...]) -> tuple[PackageKind, ...]:
        return tuple(kind for kind in PACKAGE_KINDS if kind in value)

    # auto: notes where a slide has them, else the script writer; notes: notes only; text: the
    # slide text read as written; rewrite: notes polished and scripts written by the LLM writer.
    script: ScriptMode = "auto"
    # Translate the scripts from the deck's language into ``language`` (an LLM writer is needed).
    translate: bool = False
    # Also translate the text on the slides (a translated copy of the deck is drawn; ADR 0017).
    translate_slides: bool = False
    # API and drop folder: the video's language first, then each further one as its own render
    # linked to this one (ADR 0017); empty: one language, ``language``.
    languages: tuple[LanguageTag, ...] = Field(default=(), max_length=8)
    builds: BuildsMode = "on"  # click animations as timed build steps (docs/adr/0011)
    silent_scene_s: float = Field(default=3.0, ge=0.5, le=60.0)  # a slide with nothing to say

    @property
    def size(self) -> Preset:
        return PRESETS[self.preset]


# --- parse ---------------------------------------------------------------------------------------
class PictureInfo(Frozen):
    shape_name: str
    content_type: str | None = None
    width_px: int | None = None
    height_px: int | None = None
    problem: str | None = None  # "linked", "missing_blip", "too_large", ...


class TextBlock(Frozen):
    """One piece of slide text as laid out: a text shape's paragraphs or a table's cells."""

    kind: Literal["text", "table"] = "text"
    paragraphs: list[str] = []  # text: one entry per non-empty paragraph
    levels: list[int] = []  # text: each paragraph's outline level (0 = top)
    rows: list[list[str]] = []  # table: cell text by row ("" for an empty cell)
    top: float | None = None  # where it sits, as a fraction of the slide's height (0 = top)
    bottom: float | None = None


class SlideContent(Frozen):
    """What is on a slide besides its title, in reading order (what a script writer reads)."""

    blocks: list[TextBlock] = []
    pictures: int = 0


class BuildStep(Frozen):
    """What appears at one click of a slide's animation (docs/adr/0011). Step 0, what shows before
    the first click, is implicit: the slide without every step's shapes and paragraphs."""

    shapes: list[int] = []  # shape ids (p:cNvPr/@id) that appear whole at this click
    paragraphs: list[tuple[int, int]] = []  # (shape id, paragraph index) that appear
    text: str = ""  # the text that appears, in reading order
    char_start: int = Field(default=0, ge=0)  # where its narration begins in ``Scene.script``


class Scene(Frozen):
    """One visible slide."""

    index: int = Field(ge=0)  # position among visible slides, 0-based
    slide_number: int = Field(ge=1)  # position in the deck, 1-based (hidden slides counted)
    title: str | None = None
    script: str  # narration as written (notes, else slide text); "" for a silent slide
    script_source: ScriptSource
    voice: VoiceId | None = None  # a per-scene voice chosen by the author (else the render's)
    pictures: list[PictureInfo] = []
    warnings: list[str] = []  # what will not render faithfully
    content: SlideContent = SlideContent()
    steps: list[BuildStep] = []  # click builds, in order; empty: the slide shows complete


class Deck(Frozen):
    source_name: str
    slide_width_emu: int
    slide_height_emu: int
    slide_count: int
    hidden_slides: list[int] = []  # 1-based slide numbers skipped
    language: str  # BCP-47, e.g. "pt-BR", "en"
    title: str | None = None
    scenes: list[Scene]
    warnings: list[str] = []
    source_format: SourceFormat = "pptx"
    fonts: list[str] = []  # font families the deck's text asks for

    @property
    def aspect(self) -> float:
        return self.slide_width_emu / self.slide_height_emu


# --- speak ---------------------------------------------------------------------------------------
class WordTiming(Frozen):
    text: str  # sliced from the written script
    start_s: float
    end_s: float
    char_start: int  # offsets into the written script
    char_end: int


class VisemeEvent(Frozen):
    """Mouth shape from ``time_s`` until the next event. Alphabet: ``estudio.speech.visemes``."""

    time_s: float
    viseme: str


class SpeechText(Frozen):
    written: str  # caption text, as the author wrote it
    spoken: str  # what the voice receives
    # Aligned spans (written_start, written_end, spoken_start, spoken_end), in order, covering both
    # strings: maps a word found in ``spoken`` back to the words the author wrote.
    spans: list[tuple[int, int, int, int]] = []
    # Silences the author asked for ("[pausa]", a blank line): (offset in ``spoken``, seconds).
    pauses: list[tuple[int, float]] = []


class Speech(Frozen):
    """Audio for one scene plus its timings, all relative to the start of the audio."""

    voice: str  # the voice actually used (after any fallback)
    language: str
    written: str
    spoken: str
    duration_s: float
    sample_rate: int
    words: list[WordTiming] = []
    visemes: list[VisemeEvent] = []


# --- plan ----------------------------------------------------------------------------------------
class ScenePlan(Frozen):
    index: int
    slide_number: int
    start_s: float  # in the final video
    duration_s: float
    speech_offset_s: float  # lead-in before the voice starts, within the scene
    speech_duration_s: float
    transition: Transition = "cut"
    avatar: AvatarId | None = None
    # libx264 | h264_nvenc | auto (the rendering host picks: NVENC on a GPU host), docs/adr/0007
    encoder: str = "libx264"
    # When each build step after the first appears, seconds from the scene's start (docs/adr/0011)
    step_times_s: list[float] = []

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


class Chapter(Frozen):
    title: str
    start_s: float


class CardPlan(Frozen):
    """A generated intro or outro card (estudio.brand): a scene that is not a slide."""

    kind: Literal["intro", "outro"]
    title: str
    start_s: float
    duration_s: float
    speech_offset_s: float = 0.0
    speech_duration_s: float = 0.0

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


class Plan(Frozen):
    width: int
    height: int
    fps: int
    # Still scenes' encoder, chosen where the plan runs. Scenes carry their own (ScenePlan.encoder);
    # segments whose stream parameters differ are conformed before ``-c copy`` (docs/adr/0007).
    encoder: str = "libx264"
    sample_rate: int
    scenes: list[ScenePlan]
    chapters: list[Chapter] = []
    intro: CardPlan | None = None
    outro: CardPlan | None = None

    @property
    def duration_s(self) -> float:
        if self.outro is not None:
            return self.outro.end_s
        return self.scenes[-1].end_s if self.scenes else 0.0


# --- captions ------------------------------------------------------------------------------------
class CaptionCue(Frozen):
    start_s: float
    end_s: float
    lines: list[str]


# --- outputs -------------------------------------------------------------------------------------
class ManifestScene(Frozen):
    index: int
    slide_number: int
    title: str | None
    script: str
    spoken: str
    start_s: float
    end_s: float
    voice: str
    script_source: str
    warnings: list[str] = []
    rendered_on: str | None = None  # "gpu" / "cpu" (cloud queues, Lambda) / "local"
    kind: Literal["slide", "intro", "outro"] = "slide"
    step_times_s: list[float] = []  # build steps after the first, seconds from the scene's start


class Loudness(Frozen):
    """The final mix as measured (EBU R128) after normalising."""

    integrated_lufs: float
    true_peak_dbtp: float
    lra_lu: float
    target_lufs: float


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    job_id: str
    source_name: str
    source_format: str = "pptx"
    language: str
    duration_s: float
    width: int
    height: int
    fps: int
    video_codec: str
    encoder: str
    audio_codec: str = "aac"
    subtitles: SubtitleMode
    avatar: str | None = None
    scenes: list[ManifestScene]
    chapters: list[Chapter] = []
    stage_seconds: dict[str, float] = {}
    outputs: dict[str, str] = {}
    warnings: list[str] = []
    created_at: str
    loudness: Loudness | None = None


OUTPUT_FILES = ("video.mp4", "subtitles.vtt", "subtitles.srt", "thumbnail.jpg", "manifest.json")
