"""Building the AWS adapters at the edge (handler modules, the render container), once.

``CloudSettings`` names the resources the stacks made (environment variables listed in
``estudio.constants``); it is validated on first use and cached for the life of the process.

The voice providers' keys live in one Secrets Manager secret (JSON with ``ELEVENLABS_API_KEY``,
``AZURE_SPEECH_KEY``, ``AZURE_SPEECH_REGION``) that only the functions that speak or list voices
may read. It is fetched through Powertools parameters, cached for ``voice_keys_max_age_s``: one
read per cold start, then one per period, so keys the operator rotates reach warm functions too.
A missing, empty or malformed secret leaves the keys unset: those providers list their voices as
unavailable and the chain falls back to espeak-ng, as on a machine without keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import (
    GetParameterError,
    TransformParameterError,
)
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from estudio.adapters.aws.blobs import S3BlobStore
from estudio.adapters.aws.events import SqsEventSink
from estudio.adapters.aws.items import DynamoItemStore
from estudio.adapters.aws.orchestrator import StepFunctionsOrchestrator
from estudio.constants import (
    DROPBOX_KEY_PATTERN,
    ENV_PREFIX,
    OUTPUT_KEY_PATTERN,
    RECORD_TTL_DAYS,
    UPLOAD_KEY_PATTERN,
)
from estudio.jobs import JobRepository
from estudio.observability import logger
from estudio.pipeline.context import StageContext
from estudio.ports import EventSink
from estudio.settings import Settings, get_settings


class CloudSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)

    artifacts_bucket: str
    table: str
    outputs_bucket: str | None = None
    uploads_bucket: str | None = None
    dropbox_bucket: str | None = None  # set where a tenant's dropbox files are exported or erased
    state_machine_arn: str | None = None
    events_queue_url: str | None = None
    idempotency_ttl_s: int = 3600
    record_ttl_days: int = RECORD_TTL_DAYS  # job and webhook-delivery items (table TTL)
    webhooks_allow_private: bool = False  # tests only: deliver to loopback receivers
    voice_secret_arn: str | None = None  # set on the functions that may read the voice keys
    voice_keys_max_age_s: int = 300


@lru_cache(maxsize=1)
def get_cloud_settings() -> CloudSettings:
    return CloudSettings()  # values come from the environment


@dataclass(frozen=True)
class CloudAdapters:
    """Every adapter an entry point may need, built from one ``CloudSettings``."""

    settings: Settings
    cloud: CloudSettings
    blobs: S3BlobStore
    items: DynamoItemStore
    events: EventSink | None
    orchestrator: StepFunctionsOrchestrator | None

    @property
    def jobs(self) -> JobRepository:
        return JobRepository(self.items, self.events, ttl_s=self.cloud.record_ttl_days * 86400)


def s3_client(session: Any) -> Any:
    """SigV4 (presigned URLs carry ``X-Amz-Expires``) with virtual-hosted addressing."""
    from botocore.config import Config

    return session.client(
        "s3", config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
    )


def build_adapters(
    cloud: CloudSettings | None = None, settings: Settings | None = None, session: Any = None
) -> CloudAdapters:
    import boto3

    cloud = cloud or get_cloud_settings()
    session = session or boto3.session.Session()
    routes: list[tuple[str, str]] = []
    if cloud.outputs_bucket:
        routes.append((OUTPUT_KEY_PATTERN, cloud.outputs_bucket))
    if cloud.uploads_bucket:
        routes.append((UPLOAD_KEY_PATTERN, cloud.uploads_bucket))
    if cloud.dropbox_bucket:
        routes.append((DROPBOX_KEY_PATTERN, cloud.dropbox_bucket))
    blobs = S3BlobStore(s3_client(session), cloud.artifacts_bucket, routes=routes)
    items = DynamoItemStore(session.resource("dynamodb").Table(cloud.table))
    events = (
        SqsEventSink(session.client("sqs"), cloud.events_queue_url)
        if cloud.events_queue_url
        else None
    )
    orchestrator = (
        StepFunctionsOrchestrator(session.client("stepfunctions"), cloud.state_machine_arn)
        if cloud.state_machine_arn
        else None
    )
    return CloudAdapters(
        settings=settings or get_settings(),
        cloud=cloud,
        blobs=blobs,
        items=items,
        events=events,
        orchestrator=orchestrator,
    )


@lru_cache(maxsize=1)
def cached_adapters() -> CloudAdapters:
    """Once per cold start."""
    return build_adapters()


class VoiceKeys(BaseModel):
    """The voice secret's JSON. Unknown keys are ignored; blank values count as absent."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    elevenlabs_api_key: str | None = Field(default=None, alias="ELEVENLABS_API_KEY")
    azure_speech_key: str | None = Field(default=None, alias="AZURE_SPEECH_KEY")
    azure_speech_region: str | None = Field(default=None, alias="AZURE_SPEECH_REGION")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value


def fetch_voice_keys(secret_arn: str, max_age_s: int) -> VoiceKeys:
    """The keys in the secret (cached by Powertools for ``max_age_s``); none when it is missing,
    unreadable or not a JSON object. Never raises: a voice without its key is only unavailable."""
    try:
        raw = parameters.get_secret(secret_arn, transform="json", max_age=max_age_s)
    except (GetParameterError, TransformParameterError) as error:
        logger.warning("voice keys unavailable", reason=type(error).__name__)
        return VoiceKeys()
    if not isinstance(raw, dict):
        logger.warning("voice keys unavailable", reason="not a JSON object")
        return VoiceKeys()
    try:
        return VoiceKeys.model_validate(raw)
    except ValidationError as error:
        logger.warning("voice keys unavailable", reason="invalid", errors=error.error_count())
        return VoiceKeys()


def with_voice_keys(settings: Settings, keys: VoiceKeys) -> Settings:
    """``settings`` with the secret's keys in place (set by field name; blanks keep the old)."""
    changes: dict[str, object] = {}
    if keys.elevenlabs_api_key:
        changes["elevenlabs_api_key"] = SecretStr(keys.elevenlabs_api_key)
    if keys.azure_speech_key:
        changes["azure_speech_key"] = SecretStr(keys.azure_speech_key)
    if keys.azure_speech_region:
        changes["azure_speech_region"] = keys.azure_speech_region
    return settings.model_copy(update=changes) if changes else settings


def stage_settings(adapters: CloudAdapters) -> Settings:
    """The settings a function works with: the voice keys added where the stack allows them."""
    arn = adapters.cloud.voice_secret_arn
    if not arn:
        return adapters.settings
    return with_voice_keys(
        adapters.settings, fetch_voice_keys(arn, adapters.cloud.voice_keys_max_age_s)
    )


def build_stage_context(adapters: CloudAdapters | None = None) -> StageContext:
    adapters = adapters or cached_adapters()
    return StageContext(blobs=adapters.blobs, jobs=adapters.jobs, settings=stage_settings(adapters))
