"""The dropbox: ``dropbox/{tenant}/<name>.pptx`` lands in a bucket and one render starts.

Both shapes of an S3 "object created" event are accepted: the S3 notification (``Records``) and
the EventBridge event (``detail``). The job id — also the execution name — is derived from the
bucket, the key and the object's version (or ETag), so the same event delivered twice starts one
render, and a new upload of the same key starts a new one.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from pydantic import BaseModel

from estudio.adapters.aws.context import CloudAdapters
from estudio.constants import DROPBOX_PREFIX, DROPBOX_SUFFIX
from estudio.errors import Conflict, InvalidOptions
from estudio.models import RenderOptions
from estudio.observability import logger
from estudio.pipeline import keys
from estudio.pipeline.messages import JobInput


class DropboxObject(BaseModel):
    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None

    @property
    def tenant(self) -> str:
        parts = self.key.split("/")
        return parts[1] if len(parts) > 2 else ""

    @property
    def is_deck(self) -> bool:
        return (
            self.key.startswith(DROPBOX_PREFIX)
            and self.key.lower().endswith(DROPBOX_SUFFIX)
            and bool(self.tenant)
            and not self.key.endswith("/")
        )


class IngestResult(BaseModel):
    job_id: str
    tenant: str
    execution_arn: str
    created: bool


def dropbox_objects(event: Mapping[str, Any]) -> list[DropboxObject]:
    """Every object named by an S3 notification or an EventBridge "Object Created" event."""
    objects: list[DropboxObject] = []
    if "Records" in event:
        for record in event["Records"]:
            s3 = record.get("s3")
            if not s3 or not str(record.get("eventName", "")).startswith("ObjectCreated:"):
                continue
            obj = s3["object"]
            objects.append(
                DropboxObject(
                    bucket=s3["bucket"]["name"],
                    key=unquote_plus(obj["key"]),  # notification keys are URL-encoded
                    version_id=obj.get("versionId"),
                    etag=obj.get("eTag"),
                    size=obj.get("size"),
                )
            )
    elif event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        detail = event["detail"]
        obj = detail["object"]
        objects.append(
            DropboxObject(
                bucket=detail["bucket"]["name"],
                key=obj["key"],  # EventBridge keys are not URL-encoded
                version_id=obj.get("version-id"),
                etag=obj.get("etag"),
                size=obj.get("size"),
            )
        )
    else:
        raise InvalidOptions("not an S3 object-created event")
    return objects


def job_id_for(obj: DropboxObject) -> str:
    """Stable per object version: a valid job id and Step Functions execution name."""
    version = obj.version_id or obj.etag or ""
    digest = hashlib.sha256(f"{obj.bucket}\0{obj.key}\0{version}".encode()).hexdigest()
    return f"dbx-{digest[:40]}"


def ingest_object(
    adapters: CloudAdapters, obj: DropboxObject, options: RenderOptions | None = None
) -> IngestResult:
    """Copy the deck in, create the job, start its execution. Safe to repeat."""
    if adapters.orchestrator is None:
        raise InvalidOptions("no state machine configured for the dropbox")
    options = options or RenderOptions()
    job_id = job_id_for(obj)
    deck_key = keys.deck(job_id)
    adapters.blobs.copy_in(obj.bucket, obj.key, deck_key, version_id=obj.version_id)
    created = True
    try:
        adapters.jobs.create(
            job_id,
            obj.tenant,
            deck_key=deck_key,
            source_name=posixpath.basename(obj.key),
            options=options,
        )
    except Conflict:
        created = False  # a repeated event: the job exists, make sure its execution does too
    payload = JobInput(job_id=job_id, deck_key=deck_key, options=options)
    arn = adapters.orchestrator.start(job_id, payload.model_dump(mode="json"))
    logger.info("dropbox deck ingested", job_id=job_id, tenant=obj.tenant, new_job=created)
    return IngestResult(job_id=job_id, tenant=obj.tenant, execution_arn=arn, created=created)
