"""The dropbox: ``dropbox/{tenant}/<name>.pptx`` lands in a bucket and one render starts.

Both shapes of an S3 "object created" event are accepted: the S3 notification (``Records``) and
the EventBridge event (``detail``). The job id — also the execution name — is derived from the
bucket, the key and the object's version (or ETag), so the same event delivered twice starts one
render, and a new upload of the same key starts a new one.

Like the local drop folder (``estudio.dropbox``), an optional sidecar ``name.json`` beside
``name.pptx`` carries the render options (``voice``, ``preset``, ``subtitles``, ``avatar``…),
validated as ``RenderOptions``. It is read when the deck's event arrives: a sidecar uploaded
after its deck is not seen, and that deck renders with the defaults (upload the sidecar first).
A sidecar that does not validate fails the job with ``invalid_options`` before any work starts.
The job item records where the deck came from (``dropbox_origin``); when the job ends, the event
consumer (``estudio.adapters.aws.dropbox``) writes the results to ``…/outgoing/name/``.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from pydantic import BaseModel, ValidationError

from estudio.adapters.aws.blobs import S3BlobStore
from estudio.adapters.aws.context import CloudAdapters
from estudio.api.keys import TENANT_PATTERN, tenant_registered
from estudio.constants import (
    DROPBOX_ERROR_FILE,
    DROPBOX_OUTGOING,
    DROPBOX_PREFIX,
    DROPBOX_SIDECAR_SUFFIX,
    DROPBOX_SUFFIX,
)
from estudio.errors import Conflict, InvalidOptions, NotFound, UnknownTenant
from estudio.jobs import JOB_KIND
from estudio.models import RenderOptions
from estudio.observability import logger
from estudio.pipeline import keys
from estudio.pipeline.messages import JobInput
from estudio.services.languages import LanguageRender, plan_languages
from estudio.speech.glossary import GlossaryEntry, tenant_glossary


class DropboxObject(BaseModel):
    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None

    @property
    def folder(self) -> str:
        """The first folder under ``dropbox/`` as written (``Acme``)."""
        parts = self.key.split("/")
        return parts[1] if len(parts) > 2 else ""

    @property
    def tenant(self) -> str:
        """The tenant that folder names, normalised like the local drop folder's (``acme``)."""
        return unicodedata.normalize("NFC", self.folder).lower()

    @property
    def is_deck(self) -> bool:
        """A ``.pptx`` under ``dropbox/{tenant}/``, not hidden (``.x``, ``~$x``), not a result."""
        if not self.key.startswith(DROPBOX_PREFIX) or not self.folder:
            return False
        folders = self.key.split("/")[2:-1]
        name = posixpath.basename(self.key)
        hidden = any(part.startswith((".", "~$")) for part in [*folders, name])
        return (
            self.key.lower().endswith(DROPBOX_SUFFIX)
            and len(name) > len(DROPBOX_SUFFIX)
            and DROPBOX_OUTGOING not in folders
            and not hidden
        )

    @property
    def stem(self) -> str:
        return posixpath.basename(self.key)[: -len(DROPBOX_SUFFIX)]

    @property
    def sidecar_key(self) -> str:
        """``dropbox/acme/a/name.pptx`` → ``dropbox/acme/a/name.json``."""
        return self.key[: -len(DROPBOX_SUFFIX)] + DROPBOX_SIDECAR_SUFFIX

    @property
    def outgoing_prefix(self) -> str:
        """``dropbox/acme/a/name.pptx`` → ``dropbox/acme/a/outgoing/name/``."""
        return f"{posixpath.dirname(self.key)}/{DROPBOX_OUTGOING}/{self.stem}/"


class DropboxOrigin(BaseModel):
    """Stored on the job item (``dropbox_origin``): where the deck came from, where results go."""

    bucket: str
    key: str
    version_id: str | None = None
    outgoing: str  # key prefix in ``bucket``, ending in "/"
    delivered: str | None = None  # "delivered" | "failed" once the consumer wrote the results


class IngestResult(BaseModel):
    job_id: str | None  # None: refused before a job existed (an unknown tenant)
    tenant: str
    execution_arn: str | None  # None: the job failed before starting (a bad sidecar)
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


def sidecar_options(adapters: CloudAdapters, obj: DropboxObject) -> RenderOptions:
    """The options in ``name.json`` beside the deck; the defaults when there is none.

    Raises ``InvalidOptions`` when the sidecar is not valid JSON or not valid ``RenderOptions``.
    """
    try:
        raw = adapters.blobs.read_from(obj.bucket, obj.sidecar_key)
    except NotFound:
        return RenderOptions()
    name = posixpath.basename(obj.sidecar_key)
    try:
        options = RenderOptions.model_validate_json(raw)
    except ValidationError as error:
        raise InvalidOptions(f"invalid sidecar {name}: {error.error_count()} errors") from error
    if options.avatar and options.avatar.startswith("photo:"):  # a local file path: never in AWS
        raise InvalidOptions(f"invalid sidecar {name}: photo presenters are local-only")
    return options


def ingest_object(
    adapters: CloudAdapters, obj: DropboxObject, options: RenderOptions | None = None
) -> IngestResult:
    """Read the sidecar, copy the deck in, create the job, start its execution. Safe to repeat.

    ``options`` given skips the sidecar. A bad sidecar creates the job and fails it with
    ``invalid_options`` (its ``render.failed`` event reaches webhooks and ``outgoing/``).
    """
    if adapters.orchestrator is None:
        raise InvalidOptions("no state machine configured for the dropbox")
    if not TENANT_PATTERN.fullmatch(obj.tenant) or not tenant_registered(
        adapters.items, obj.tenant
    ):
        return _refuse_unknown_tenant(adapters, obj)
    job_id = job_id_for(obj)
    deck_key = keys.deck(job_id)
    refused: InvalidOptions | None = None
    further: list[LanguageRender] = []
    if options is None:
        try:
            options = sidecar_options(adapters, obj)
        except InvalidOptions as error:
            refused, options = error, RenderOptions()
    try:  # several languages: each further one its own render (ADR 0017); without an LLM
        # writer their parse stage refuses them with writer_unavailable (error.json)
        options, further = plan_languages(job_id, options, llm_ready=True)
    except InvalidOptions as error:
        refused, options = error, RenderOptions()
    if refused is None:
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
    job_item = adapters.items.get(JOB_KIND, job_id)
    if "dropbox_origin" not in job_item.data:
        origin = DropboxOrigin(
            bucket=obj.bucket,
            key=obj.key,
            version_id=obj.version_id,
            outgoing=obj.outgoing_prefix,
        )
        adapters.items.update(JOB_KIND, job_id, {"dropbox_origin": origin.model_dump()})
    if refused is not None:
        if not adapters.jobs.get(job_id).status.finished:  # a repeated event fails it once
            adapters.jobs.fail(job_id, refused.code, refused.message)
        logger.warning("dropbox deck refused", job_id=job_id, tenant=obj.tenant, code=refused.code)
        return IngestResult(job_id=job_id, tenant=obj.tenant, execution_arn=None, created=created)
    if not created and adapters.jobs.get(job_id).status.finished:
        logger.info("dropbox deck already finished", job_id=job_id, tenant=obj.tenant)
        return IngestResult(job_id=job_id, tenant=obj.tenant, execution_arn=None, created=False)
    glossary = tenant_glossary(adapters.items, obj.tenant).entries  # the tenant's own readings
    payload = JobInput(job_id=job_id, deck_key=deck_key, options=options, glossary=glossary)
    arn = adapters.orchestrator.start(job_id, payload.model_dump(mode="json"))
    for child in further:
        _start_language(adapters, obj, job_id, deck_key, child, glossary)
    if further:
        children = {child.language: child.job_id for child in further}
        adapters.items.update(JOB_KIND, job_id, {"children": children})
    logger.info("dropbox deck ingested", job_id=job_id, tenant=obj.tenant, new_job=created)
    return IngestResult(job_id=job_id, tenant=obj.tenant, execution_arn=arn, created=created)


def write_outgoing_error(
    blobs: S3BlobStore, bucket: str, outgoing: str, body: Mapping[str, Any]
) -> None:
    """``outgoing/<name>/error.json`` beside a dropped deck: why it was refused or failed."""
    blobs.write_to(
        bucket,
        outgoing + DROPBOX_ERROR_FILE,
        json.dumps(body, ensure_ascii=False, indent=2).encode(),
        "application/json",
    )


def _refuse_unknown_tenant(adapters: CloudAdapters, obj: DropboxObject) -> IngestResult:
    """Like the local drop folder: no job for a tenant no key was created for, only
    ``outgoing/<name>/error.json`` beside the deck saying why."""
    error = UnknownTenant(
        f"no tenant {obj.folder!r}: create a key for it first (estudio keys create --tenant)"
    )
    body = {"code": error.code, "message": error.message, "render_id": None}
    write_outgoing_error(adapters.blobs, obj.bucket, obj.outgoing_prefix, body)
    logger.warning("dropbox deck refused", code=error.code)
    return IngestResult(job_id=None, tenant=obj.tenant, execution_arn=None, created=False)


def _start_language(
    adapters: CloudAdapters,
    obj: DropboxObject,
    parent_id: str,
    deck_key: str,
    child: LanguageRender,
    glossary: list[GlossaryEntry],
) -> None:
    """A further language's render of a dropped deck: its results go to ``outgoing/name/<lang>/``.
    Safe to repeat (its id comes from the parent's)."""
    assert adapters.orchestrator is not None
    try:
        adapters.jobs.create(
            child.job_id,
            obj.tenant,
            deck_key=deck_key,
            source_name=posixpath.basename(obj.key),
            options=child.options,
            parent_id=parent_id,
        )
    except Conflict:
        if adapters.jobs.get(child.job_id).status.finished:
            return
    item = adapters.items.get(JOB_KIND, child.job_id)
    if "dropbox_origin" not in item.data:
        origin = DropboxOrigin(
            bucket=obj.bucket,
            key=obj.key,
            version_id=obj.version_id,
            outgoing=f"{obj.outgoing_prefix}{child.language}/",
        )
        adapters.items.update(JOB_KIND, child.job_id, {"dropbox_origin": origin.model_dump()})
    payload = JobInput(
        job_id=child.job_id, deck_key=deck_key, options=child.options, glossary=glossary
    )
    adapters.orchestrator.start(child.job_id, payload.model_dump(mode="json"))
