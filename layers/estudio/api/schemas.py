"""API schemas: ``XCreate`` (request), ``XUpdate`` (partial), ``XPublic`` (response) families.

Separate from stored items and pipeline messages; ``estudio.services`` maps between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from estudio.lms.quiz import Quiz
from estudio.models import (
    AvatarLayout,
    BuiltinAvatarId,
    PackageKind,
    PresetName,
    ScriptMode,
    ScriptSource,
    SubtitleMode,
    Transition,
)
from estudio.names import has_control
from estudio.speech.glossary import GlossaryEntry
from estudio.webhooks.delivery import EventType

T = TypeVar("T")

ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
DECK_NAME = r"^[^/\\\x00]+\.(?i:pptx|pptm|ppt|odp|pdf)$"  # the content decides (docs/adr/0011)
Filename = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=DECK_NAME)]
Script = Annotated[str, StringConstraints(max_length=20_000)]
ApiVoiceId = Annotated[
    str, StringConstraints(min_length=3, max_length=128, pattern=r"^[a-z0-9]+:[A-Za-z0-9._-]+$")
]
Language = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
RenderStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name))
    elif isinstance(value, list | tuple):
        for entry in value:
            yield from _strings(entry)
    elif isinstance(value, dict):
        for key, entry in value.items():
            yield from _strings(key)
            yield from _strings(entry)


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Input(Schema):
    """A request body."""

    @model_validator(mode="after")
    def _no_control_characters(self) -> Input:
        """NUL and other control characters (tab and newlines aside) are refused everywhere."""
        if any(has_control(text) for text in _strings(self)):
            raise ValueError("text must not contain control characters (NUL, ESC, ...)")
        return self


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class Problem(Schema):
    """RFC 9457 problem details (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None


# --- projects ------------------------------------------------------------------------------------
GlossaryEntries = Annotated[list[GlossaryEntry], Field(max_length=2000)]


class ProjectCreate(Input):
    name: ProjectName
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    glossary: GlossaryEntries = []  # how this project's terms are read aloud
    quiz: Quiz | None = Field(
        default=None, description="Knowledge check the SCORM packages ask after the video."
    )


class ProjectUpdate(Input):
    name: ProjectName | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    glossary: GlossaryEntries | None = None
    quiz: Quiz | None = Field(default=None, description="An explicit null removes the quiz.")


class GlossaryPublic(Input):
    """A tenant's pronunciation glossary: applies to all its renders, under each project's own."""

    entries: GlossaryEntries = []


class DeckSummary(Schema):
    source_name: str
    language: str
    slide_count: int
    scene_count: int
    title: str | None = None
    sha256: str
    warnings: list[str] = []


class ProjectPublic(Schema):
    id: str
    name: str
    description: str | None = None
    deck: DeckSummary | None = None
    edited_scenes: list[int] = []
    glossary: list[GlossaryEntry] = []
    quiz: Quiz | None = None
    thumbnail_url: str | None = Field(
        default=None, description="The deck's first slide image (PNG), once drawn."
    )
    created_at: float
    updated_at: float


# --- deck upload ---------------------------------------------------------------------------------
class DeckUploadRequest(Input):
    filename: Filename


class UploadTicket(Schema):
    upload_id: str
    upload_url: str = Field(description="PUT the deck's bytes here, then call `complete_url`.")
    method: Literal["PUT"] = "PUT"
    max_bytes: int
    expires_in_s: int
    complete_url: str


class DeckUploadComplete(Input):
    upload_id: Annotated[str, StringConstraints(pattern=r"^upl_[0-9a-f]{20}$")]


# --- scenes --------------------------------------------------------------------------------------
class ScenePublic(Schema):
    index: int = Field(description="The scene's id in the deck (stable across reorders).")
    slide_number: int
    title: str | None = None
    script: str
    script_source: ScriptSource
    voice: str | None = None
    edited: bool = False
    warnings: list[str] = []
    image_url: str | None = Field(
        default=None,
        description="The slide's picture (PNG), once the deck's slide images are cached; a "
        "signed link, valid for an hour.",
    )
    hidden: bool = Field(default=False, description="Left out of renders.")
    position: int = Field(
        default=0, description="Where the scene plays in a render (0-based, hidden ones too)."
    )
    duration_estimate_s: float = Field(
        default=0.0, description="Spoken duration the current script is estimated to take."
    )


class SceneUpdate(Input):
    script: Script | None = None
    voice: ApiVoiceId | None = None
    hidden: bool | None = Field(default=None, description="Leave the scene out of renders.")


class SceneOrder(Input):
    order: Annotated[list[Annotated[int, Field(ge=0)]], Field(max_length=10_000)] = Field(
        description="Every scene index once, in the order the render plays them."
    )


class PreviewRequest(Input):
    """What a scene preview uses besides the scene's current script (all optional)."""

    voice: ApiVoiceId | None = Field(default=None, description="Else the scene's, else default.")
    avatar: BuiltinAvatarId | None = None
    avatar_layout: AvatarLayout = "pip-right"
    subtitles: Literal["burn", "none"] = "burn"


class SpeechPreview(Input):
    """A short text read aloud (the glossary's "hear it")."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    voice: ApiVoiceId | None = None
    language: Language | None = None


class ScriptsWrite(Schema):
    """Write the narration of the project's scenes now, to read and edit before rendering."""

    script: Literal["auto", "rewrite"] = Field(
        default="auto",
        description="auto: scenes without notes get a written script; rewrite: every scene, "
        "notes polished by the LLM writer (409 `writer_unavailable` when none is configured).",
    )
    overwrite: bool = Field(
        default=False, description="Also replace scripts the author edited by hand."
    )


# --- renders -------------------------------------------------------------------------------------
class RenderCreate(Input):
    voice: ApiVoiceId | None = None
    preset: PresetName = "1080p"
    subtitles: SubtitleMode = "sidecar"
    avatar: BuiltinAvatarId | None = None
    avatar_layout: AvatarLayout = "pip-right"
    transition: Transition = "cut"
    language: Language | None = None
    packages: Annotated[list[PackageKind], Field(max_length=3)] = Field(
        default=[],
        description="Also build `scorm12.zip`, `scorm2004.zip` and/or `storyboard.zip`.",
    )
    completion_percent: Annotated[int, Field(ge=1, le=100)] = Field(
        default=90,
        description="Share of the video a learner must watch for the LMS to record completion.",
    )
    script: ScriptMode = "auto"


class RenderError(Schema):
    code: str
    message: str


class RenderOutput(Schema):
    name: str
    url: str


class RenderStep(Schema):
    """Where a running render is: the stage (as the pipeline names it) and its items."""

    stage: str
    done: int
    total: int


class RenderPublic(Schema):
    id: str
    project_id: str | None = None
    status: RenderStatus
    stage: str | None = None
    step: RenderStep | None = Field(
        default=None,
        description="The current stage's items done of total (`speak` 12/40), while running.",
    )
    progress: int = Field(ge=0, le=100)
    options: dict[str, Any]
    outputs: list[RenderOutput] = []
    error: RenderError | None = None
    duration_s: float | None = None
    created_at: float
    updated_at: float


# --- catalog -------------------------------------------------------------------------------------
class VoicePublic(Schema):
    id: str
    provider: str
    name: str
    language: str
    gender: str | None = None
    available: bool = True
    reason: str | None = None


class AvatarPublic(Schema):
    id: str
    name: str
    gender: str
    description: str


# --- webhooks ------------------------------------------------------------------------------------
class WebhookCreate(Input):
    url: Annotated[str, StringConstraints(min_length=8, max_length=2000, pattern=r"^https?://")]
    events: Annotated[list[EventType], Field(min_length=1)]
    description: Annotated[str, StringConstraints(max_length=500)] | None = None


class WebhookPublic(Schema):
    id: str
    url: str
    events: list[str]
    description: str | None = None
    created_at: float


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="Signing secret. Shown once: store it now.")


class DeliveryAttempt(Schema):
    at: str
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class DeliveryPublic(Schema):
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: float | None = None
    last_status: int | None = None
    last_error: str | None = None
    replay_of: str | None = None
    log: list[DeliveryAttempt] = []
    created_at: float


# --- API keys ------------------------------------------------------------------------------------
class KeyCreate(Input):
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class KeyPublic(Schema):
    id: str
    prefix: str | None = Field(default=None, description="The key's first characters.")
    label: str | None = None
    created_at: float
    last_used_at: float | None = None
    revoked: bool = False


class KeyCreated(KeyPublic):
    key: str = Field(description="The API key. Shown once: store it now.")


# --- health --------------------------------------------------------------------------------------
class HealthPublic(Schema):
    status: Literal["ok"]
    version: str
