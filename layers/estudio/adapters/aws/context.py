"""Building the AWS adapters at the edge (handler modules, the render container), once.

``CloudSettings`` names the resources the stacks made (environment variables listed in
``estudio.constants``); it is validated on first use and cached for the life of the process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from estudio.adapters.aws.blobs import S3BlobStore
from estudio.adapters.aws.events import SqsEventSink
from estudio.adapters.aws.items import DynamoItemStore
from estudio.adapters.aws.orchestrator import StepFunctionsOrchestrator
from estudio.constants import ENV_PREFIX, OUTPUT_KEY_PATTERN, UPLOAD_KEY_PATTERN
from estudio.jobs import JobRepository
from estudio.pipeline.context import StageContext
from estudio.ports import EventSink
from estudio.settings import Settings, get_settings


class CloudSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)

    artifacts_bucket: str
    table: str
    outputs_bucket: str | None = None
    uploads_bucket: str | None = None
    state_machine_arn: str | None = None
    events_queue_url: str | None = None
    idempotency_ttl_s: int = 3600
    webhooks_allow_private: bool = False  # tests only: deliver to loopback receivers


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
        return JobRepository(self.items, self.events)


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


def build_stage_context(adapters: CloudAdapters | None = None) -> StageContext:
    adapters = adapters or cached_adapters()
    return StageContext(blobs=adapters.blobs, jobs=adapters.jobs, settings=adapters.settings)
