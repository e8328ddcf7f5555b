"""Pipeline messages: each state's payload. Lean by design (Step Functions caps a payload at
256 KB): stages exchange blob keys by convention (``estudio.pipeline.keys``), not content."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from estudio.models import RenderOptions
from estudio.speech.glossary import GlossaryEntry


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SceneOverride(Message):
    script: str | None = None
    voice: str | None = None
    # Who wrote ``script``: a writer (the API's "write the scripts"), else the author ("edited").
    script_source: str | None = None
    hidden: bool = False  # left out of the render
    position: int | None = None  # where the scene plays (the project's scene order)


class JobInput(Message):
    """What starts an execution."""

    job_id: str
    deck_key: str
    options: RenderOptions = RenderOptions()
    # Edits made before rendering (API: PATCH a scene), by scene index.
    scene_overrides: dict[int, SceneOverride] = {}
    # The tenant's and the project's pronunciation glossary, merged (default < tenant < project).
    glossary: list[GlossaryEntry] = []


class JobRef(Message):
    job_id: str
    options: RenderOptions = RenderOptions()


class SceneItem(Message):
    index: int


class ParseResult(Message):
    scene_count: int
    language: str
    scenes: list[SceneItem]


class RasterizeResult(Message):
    slides: int


class SceneTask(Message):
    job_id: str
    index: int
    options: RenderOptions = RenderOptions()


class SpeechResult(Message):
    index: int
    duration_s: float
    voice: str


class PlanInput(Message):
    job_id: str
    options: RenderOptions = RenderOptions()
    speech: list[SpeechResult]


class RenderItem(Message):
    index: int
    avatar: str | None = None


class PlanResult(Message):
    duration_s: float
    scenes: list[RenderItem]


class RenderSceneTask(Message):
    job_id: str
    index: int
    avatar: str | None = None
    options: RenderOptions = RenderOptions()


class SegmentResult(Message):
    index: int
    key: str
    reused: bool = False
    encoder: str = ""  # what this host encoded the segment with


class SegmentInfo(Message):
    """Stored beside a segment: where it rendered (the manifest's ``rendered_on``)."""

    rendered_on: str
    encoder: str
    reused: bool = False


class NarrationResult(Message):
    key: str
    duration_s: float


class AssembleResult(Message):
    duration_s: float
    video_key: str


class PublishResult(Message):
    manifest_key: str
    outputs: dict[str, str]
    duration_s: float


class FailureInput(Message):
    job_id: str
    error: dict[str, str]  # Step Functions' {"Error": ..., "Cause": ...}
