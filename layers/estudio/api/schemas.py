"""API schemas: ``XCreate`` (request), ``XUpdate`` (partial), ``XPublic`` (response) families.

Separate from stored items and pipeline messages; ``estudio.api.service`` maps between them.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from estudio.models import (
    AvatarLayout,
    BuiltinAvatarId,
    PresetName,
    SubtitleMode,
    Transition,
    VoiceId,
)
from estudio.speech.glossary import GlossaryEntry
from estudio.webhooks.delivery import EventType

T = TypeVar("T")

ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
DECK_NAME = r"^[^/\\\x00]+\.(?i:pptx|pptm|ppt|odp|pdf)$"  # the content decides (docs/adr/0011)
Filename = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=DECK_NAME)]
Script = Annotated[str, StringConstraints(max_length=20_000)]
Language = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
RenderStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class ProjectCreate(Schema):
    name: ProjectName
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    glossary: GlossaryEntries = []  # how this project's terms are read aloud


class ProjectUpdate(Schema):
    name: ProjectName | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    glossary: GlossaryEntries | None = None


class GlossaryPublic(Schema):
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
    created_at: float
    updated_at: float


# --- deck upload ---------------------------------------------------------------------------------
class DeckUploadRequest(Schema):
    filename: Filename


class UploadTicket(Schema):
    upload_id: str
    upload_url: str = Field(description="PUT the deck's bytes here, then call `complete_url`.")
    method: Literal["PUT"] = "PUT"
    max_bytes: int
    expires_in_s: int
    complete_url: str


class DeckUploadComplete(Schema):
    upload_id: Annotated[str, StringConstraints(pattern=r"^upl_[0-9a-f]{20}$")]


# --- scenes --------------------------------------------------------------------------------------
class ScenePublic(Schema):
    index: int
    slide_number: int
    title: str | None = None
    script: str
    script_source: Literal["notes", "slide_text", "none", "edited"]
    voice: str | None = None
    edited: bool = False
    warnings: list[str] = []


class SceneUpdate(Schema):
    script: Script | None = None
    voice: VoiceId | None = None


# --- renders -------------------------------------------------------------------------------------
class RenderCreate(Schema):
    voice: VoiceId | None = None
    preset: PresetName = "1080p"
    subtitles: SubtitleMode = "sidecar"
    avatar: BuiltinAvatarId | None = None
    avatar_layout: AvatarLayout = "pip-right"
    transition: Transition = "cut"
    language: Language | None = None


class RenderError(Schema):
    code: str
    message: str


class RenderOutput(Schema):
    name: str
    url: str


class RenderPublic(Schema):
    id: str
    project_id: str | None = None
    status: RenderStatus
    stage: str | None = None
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
class WebhookCreate(Schema):
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


# --- health --------------------------------------------------------------------------------------
class HealthPublic(Schema):
    status: Literal["ok"]
    version: str
