"""What the API (and the drop folder) do, apart from HTTP: projects, decks, scenes, renders.

Every function takes the caller's ``tenant`` and answers ``NotFound`` for anything the tenant does
not own, exactly as for an id that does not exist.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from estudio.api.deps import ApiServices
from estudio.api.schemas import (
    DeckSummary,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
    RenderCreate,
    RenderError,
    RenderOutput,
    RenderPublic,
    ScenePublic,
    SceneUpdate,
)
from estudio.avatar.catalog import get_avatar
from estudio.deck.parse import parse_deck
from estudio.errors import (
    ConcurrentUpdate,
    Conflict,
    DeckTooLarge,
    EstudioError,
    NotFound,
    UnknownVoice,
)
from estudio.jobs import JOB_KIND, Job, JobStatus
from estudio.models import OUTPUT_FILES, Deck, RenderOptions
from estudio.names import clean_filename, output_filename
from estudio.observability import logger
from estudio.pipeline import keys
from estudio.ports import Item, ItemStore
from estudio.speech.glossary import TENANT_GLOSSARY_KIND, Glossary, tenant_glossary

PROJECT_KIND = "project"
UPLOAD_KIND = "upload"
IDEMPOTENCY_KIND = "idempotency"
IDEMPOTENCY_TTL_S = 24 * 3600
UPLOAD_TTL_S = 3600
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def owned(items: ItemStore, kind: str, item_id: str, tenant: str) -> Item:
    """The item, when ``tenant`` owns it; ``NotFound`` otherwise (no hint that it exists)."""
    item = items.get(kind, item_id)
    if item.tenant != tenant:
        raise NotFound(f"{kind} {item_id} not found")
    return item


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- projects ------------------------------------------------------------------------------------
def project_public(item: Item) -> ProjectPublic:
    deck = item.data.get("deck")
    overrides = item.data.get("scene_overrides") or {}
    return ProjectPublic(
        id=item.id,
        name=item.data["name"],
        description=item.data.get("description"),
        deck=DeckSummary.model_validate(deck) if deck else None,
        edited_scenes=sorted(int(i) for i in overrides),
        glossary=item.data.get("glossary") or [],
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def create_project(services: ApiServices, tenant: str, body: ProjectCreate) -> Item:
    data: dict[str, Any] = {
        "name": body.name,
        "description": body.description,
        "deck": None,
        "scene_overrides": {},
        "glossary": [entry.model_dump() for entry in body.glossary],
    }
    return services.items.create(PROJECT_KIND, "prj_" + secrets.token_hex(10), tenant, data)


def update_project(
    services: ApiServices, tenant: str, project_id: str, body: ProjectUpdate
) -> Item:
    owned(services.items, PROJECT_KIND, project_id, tenant)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("name", "") is None:
        changes.pop("name")
    if changes.get("glossary", []) is None:
        changes.pop("glossary")
    if not changes:
        return owned(services.items, PROJECT_KIND, project_id, tenant)
    return services.items.update(PROJECT_KIND, project_id, changes)


def all_items(items: ItemStore, kind: str, tenant: str) -> list[Item]:
    """Every item of ``kind`` the tenant owns (walks the pages of ``list``)."""
    found: list[Item] = []
    cursor: str | None = None
    while True:
        page, cursor = items.list(kind, tenant, limit=100, cursor=cursor)
        found += page
        if cursor is None:
            return found


def delete_blobs(services: ApiServices, prefix: str) -> int:
    keys = services.blobs.list(prefix)
    for key in keys:
        services.blobs.delete(key)
    return len(keys)


def delete_project(services: ApiServices, tenant: str, project_id: str) -> None:
    """The project and everything made from it: its renders (outputs and intermediates), decks,
    scene edits and unfinished uploads. Blobs go first, the project item last, so a failure
    half-way leaves a project whose DELETE can simply be repeated."""
    owned(services.items, PROJECT_KIND, project_id, tenant)
    for item in all_items(services.items, JOB_KIND, tenant):
        if item.data.get("project_id") == project_id:
            purge_render(services, Job.from_item(item))
    for upload in all_items(services.items, UPLOAD_KIND, tenant):
        if upload.data.get("project_id") == project_id:
            services.blobs.delete(upload.data["key"])
            services.items.delete(UPLOAD_KIND, upload.id)
    delete_blobs(services, f"projects/{project_id}/")
    services.items.delete(PROJECT_KIND, project_id)
    logger.info("project deleted", project_id=project_id, tenant=tenant)


# --- decks ---------------------------------------------------------------------------------------
def _parse(path: Path, services: ApiServices, source_name: str) -> Deck:
    return parse_deck(path, services.settings.limits, source_name=source_name)


def ingest_deck(
    services: ApiServices, tenant: str, project_id: str, path: Path, filename: str
) -> Item:
    """Parse a deck file, store it and its scenes on the project, emit ``deck.parsed``."""
    owned(services.items, PROJECT_KIND, project_id, tenant)
    source_name = clean_filename(filename)
    deck = _parse(path, services, source_name)
    digest = sha256_file(path)
    deck_key = f"projects/{project_id}/decks/{digest}.pptx"
    model_key = f"projects/{project_id}/decks/{digest}.json"
    services.blobs.put_file(
        deck_key, path, "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    )
    services.blobs.put_bytes(model_key, deck.model_dump_json().encode(), "application/json")
    summary = DeckSummary(
        source_name=source_name,
        language=deck.language,
        slide_count=deck.slide_count,
        scene_count=len(deck.scenes),
        title=deck.title,
        sha256=digest,
        warnings=deck.warnings,
    )
    item = services.items.update(
        PROJECT_KIND,
        project_id,
        {
            "deck": summary.model_dump(mode="json"),
            "deck_key": deck_key,
            "deck_model_key": model_key,
            "scene_overrides": {},
        },
    )
    logger.info("deck parsed", project_id=project_id, tenant=tenant, scenes=len(deck.scenes))
    # The sink the jobs publish to (webhooks locally, a queue in the cloud) carries this one too.
    sink = services.jobs.events or services.webhooks
    sink.publish(
        "deck.parsed",
        tenant,
        {
            "project_id": project_id,
            "source_name": source_name,
            "language": deck.language,
            "scene_count": len(deck.scenes),
            "sha256": digest,
        },
    )
    return item


def new_upload(
    services: ApiServices, tenant: str, project_id: str, filename: str
) -> tuple[str, str]:
    """Reserve an upload for a large deck: its id and the blob key the client PUTs to."""
    owned(services.items, PROJECT_KIND, project_id, tenant)
    upload_id = "upl_" + secrets.token_hex(10)
    key = f"projects/{project_id}/uploads/{upload_id}.pptx"
    services.items.create(
        UPLOAD_KIND,
        upload_id,
        tenant,
        {"project_id": project_id, "filename": filename, "key": key},
        ttl_s=UPLOAD_TTL_S,
    )
    return upload_id, key


def complete_upload(
    services: ApiServices, tenant: str, project_id: str, upload_id: str, scratch: Path
) -> Item:
    owned(services.items, PROJECT_KIND, project_id, tenant)
    upload = owned(services.items, UPLOAD_KIND, upload_id, tenant)
    if upload.data["project_id"] != project_id:
        raise NotFound(f"upload {upload_id} not found")
    key = upload.data["key"]
    if not services.blobs.exists(key):
        raise Conflict("nothing has been uploaded for this upload id yet")
    path = services.blobs.get_file(key, scratch / "deck.pptx")
    limit = services.settings.limits.max_deck_bytes
    if path.stat().st_size > limit:
        services.blobs.delete(key)
        raise DeckTooLarge(f"the deck is larger than {limit} bytes", limit=limit)
    item = ingest_deck(services, tenant, project_id, path, upload.data["filename"])
    services.blobs.delete(key)
    services.items.delete(UPLOAD_KIND, upload_id)
    return item


# --- scenes --------------------------------------------------------------------------------------
def _deck_of(services: ApiServices, project: Item) -> Deck:
    key = project.data.get("deck_model_key")
    if not key:
        raise Conflict("the project has no deck yet: upload one first")
    return Deck.model_validate_json(services.blobs.get_bytes(key))


def scenes(services: ApiServices, tenant: str, project_id: str) -> list[ScenePublic]:
    project = owned(services.items, PROJECT_KIND, project_id, tenant)
    deck = _deck_of(services, project)
    overrides: Mapping[str, Mapping[str, Any]] = project.data.get("scene_overrides") or {}
    result = []
    for scene in deck.scenes:
        edit = overrides.get(str(scene.index), {})
        result.append(
            ScenePublic(
                index=scene.index,
                slide_number=scene.slide_number,
                title=scene.title,
                script=edit.get("script", scene.script),
                script_source="edited" if "script" in edit else scene.script_source,
                voice=edit.get("voice"),
                edited=bool(edit),
                warnings=scene.warnings,
            )
        )
    return result


def edit_scene(
    services: ApiServices, tenant: str, project_id: str, index: int, body: SceneUpdate
) -> ScenePublic:
    """Change one scene's narration or voice before rendering (an explicit null undoes it)."""
    if "voice" in body.model_fields_set:
        check_voice(services, body.voice)
    for _ in range(20):
        project = owned(services.items, PROJECT_KIND, project_id, tenant)
        deck = _deck_of(services, project)
        if not 0 <= index < len(deck.scenes):
            raise NotFound(f"scene {index} not found")
        overrides = dict(project.data.get("scene_overrides") or {})
        edit = dict(overrides.get(str(index), {}))
        for name in body.model_fields_set:
            value = getattr(body, name)
            if value is None:
                edit.pop(name, None)
            else:
                edit[name] = value
        if edit:
            overrides[str(index)] = edit
        else:
            overrides.pop(str(index), None)
        try:
            services.items.update(
                PROJECT_KIND,
                project_id,
                {"scene_overrides": overrides},
                expect_version=project.version,
            )
        except ConcurrentUpdate:
            continue
        return scenes(services, tenant, project_id)[index]
    raise ConcurrentUpdate("the project changed too often; try again")


# --- renders -------------------------------------------------------------------------------------
def check_voice(services: ApiServices, voice_id: str | None) -> None:
    """``UnknownVoice`` unless ``voice_id`` is in the catalog (a key may still be missing)."""
    if voice_id is None:
        return
    if voice_id not in {voice.id for voice in services.voices().list_voices()}:
        raise UnknownVoice(f"unknown voice {voice_id!r}: see GET /v1/voices", voice=voice_id)


def _check_options(services: ApiServices, options: RenderOptions) -> None:
    check_voice(services, options.voice)
    if options.avatar:
        get_avatar(options.avatar)


def job_payload(
    job: Job,
    scene_overrides: Mapping[str, Any] | None = None,
    glossary: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The execution input (``JobInput`` plus the scene edits and glossary) for a stored job."""
    payload: dict[str, Any] = {
        "job_id": job.id,
        "deck_key": job.deck_key,
        "options": job.options.model_dump(mode="json"),
    }
    if scene_overrides:
        payload["scene_overrides"] = dict(scene_overrides)
    if glossary:
        payload["glossary"] = glossary
    return payload


def set_tenant_glossary(services: ApiServices, tenant: str, glossary: Glossary) -> Glossary:
    data = glossary.model_dump(mode="json")
    try:
        services.items.create(TENANT_GLOSSARY_KIND, tenant, tenant, data)
    except Conflict:
        services.items.update(TENANT_GLOSSARY_KIND, tenant, data)
    return glossary


def render_glossary(
    services: ApiServices, tenant: str, project_entries: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """default (applied by the speech stage) < tenant < project."""
    project = Glossary.model_validate({"entries": project_entries or []})
    merged = tenant_glossary(services.items, tenant).merged(project)
    return [entry.model_dump() for entry in merged.entries]


def start_job(
    services: ApiServices,
    tenant: str,
    deck_key: str,
    source_name: str,
    options: RenderOptions,
    project_id: str | None = None,
    scene_overrides: Mapping[str, Any] | None = None,
    job_id: str | None = None,
    project_glossary: list[dict[str, Any]] | None = None,
) -> Job:
    """Create a render job and hand it to the orchestrator (the drop folder calls this too)."""
    _check_options(services, options)
    job_id = job_id or "rnd_" + secrets.token_hex(10)
    glossary = render_glossary(services, tenant, project_glossary)
    job = services.jobs.create(job_id, tenant, deck_key, source_name, options, project_id)
    if scene_overrides:
        services.items.update("job", job_id, {"scene_overrides": dict(scene_overrides)})
    if glossary:
        services.items.update("job", job_id, {"glossary": glossary})
    if services.orchestrator is not None:
        services.orchestrator.start(job_id, job_payload(job, scene_overrides, glossary))
    logger.info("render queued", render_id=job_id, tenant=tenant, project_id=project_id)
    return job


def create_render(
    services: ApiServices,
    tenant: str,
    project_id: str,
    body: RenderCreate,
    idempotency_key: str | None = None,
) -> tuple[Job, bool]:
    """Start a render of the project's deck; returns the job and whether it is new.

    The same ``idempotency_key`` with the same body answers the first render; with a different
    body, ``Conflict``.
    """
    project = owned(services.items, PROJECT_KIND, project_id, tenant)
    options = RenderOptions.model_validate(body.model_dump())
    record_id: str | None = None
    job_id = "rnd_" + secrets.token_hex(10)
    if idempotency_key is not None:
        fingerprint = hashlib.sha256(
            json.dumps([project_id, options.model_dump(mode="json")], sort_keys=True).encode()
        ).hexdigest()
        record_id = hashlib.sha256(f"{tenant}\0{idempotency_key}".encode()).hexdigest()
        try:
            services.items.create(
                IDEMPOTENCY_KIND,
                record_id,
                tenant,
                {"fingerprint": fingerprint, "render_id": job_id},
                ttl_s=IDEMPOTENCY_TTL_S,
            )
        except Conflict:
            earlier = _idempotent_answer(services, record_id, fingerprint)
            if earlier is not None:
                return earlier, False
            # The first request gave up (its record is gone): this one starts the render.
            return create_render(services, tenant, project_id, body, idempotency_key)
    if not project.data.get("deck_key"):
        if record_id:
            services.items.delete(IDEMPOTENCY_KIND, record_id)
        raise Conflict("the project has no deck yet: upload one first")
    try:
        job = start_job(
            services,
            tenant,
            project.data["deck_key"],
            project.data["deck"]["source_name"],
            options,
            project_id=project_id,
            scene_overrides=project.data.get("scene_overrides") or None,
            job_id=job_id,
            project_glossary=project.data.get("glossary") or None,
        )
    except EstudioError:
        if record_id:
            services.items.delete(IDEMPOTENCY_KIND, record_id)
        raise
    return job, True


def _idempotent_answer(
    services: ApiServices, record_id: str, fingerprint: str, wait_s: float = 10.0
) -> Job | None:
    """The render an earlier request with this key started, once it exists.

    Between the earlier request claiming the key and creating its job there is a short window;
    requests arriving inside it wait for the job instead of answering 404. ``None`` when the
    earlier request failed and released the key.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            previous = services.items.get(IDEMPOTENCY_KIND, record_id)
        except NotFound:
            return None
        if previous.data["fingerprint"] != fingerprint:
            raise Conflict("this Idempotency-Key was already used with a different request")
        try:
            return services.jobs.get(previous.data["render_id"])
        except NotFound:
            if time.monotonic() > deadline:
                raise ConcurrentUpdate("the render for this Idempotency-Key is still starting")
        time.sleep(0.02)


def get_render(services: ApiServices, tenant: str, render_id: str) -> Job:
    return Job.from_item(owned(services.items, "job", render_id, tenant))


def purge_render(services: ApiServices, job: Job) -> None:
    """Stop ``job`` if it runs, then remove its blobs (outputs, intermediates), the idempotency
    records that point at it and the job itself. Local download links die with the files; S3
    presigned links are refused once the object is gone (at most their expiry otherwise)."""
    if not job.status.finished:
        services.jobs.cancel(job.id)
        if services.orchestrator is not None:
            services.orchestrator.stop(job.id, "deleted")
    delete_blobs(services, keys.job_prefix(job.id))
    for record in all_items(services.items, IDEMPOTENCY_KIND, job.tenant):
        if record.data.get("render_id") == job.id:
            services.items.delete(IDEMPOTENCY_KIND, record.id)
    services.items.delete(JOB_KIND, job.id)
    logger.info("render deleted", render_id=job.id, tenant=job.tenant)


def delete_render(services: ApiServices, tenant: str, render_id: str) -> None:
    purge_render(services, get_render(services, tenant, render_id))


def cancel_render(services: ApiServices, tenant: str, render_id: str) -> Job:
    job = get_render(services, tenant, render_id)
    if job.status == JobStatus.CANCELLED:
        return job
    if job.status.finished:
        raise Conflict(f"the render already {job.status.value}")
    job = services.jobs.cancel(render_id)
    if services.orchestrator is not None:
        services.orchestrator.stop(render_id, "cancelled by the user")
    logger.info("render cancelled", render_id=render_id, tenant=tenant)
    return job


def render_public(services: ApiServices, job: Job, base_url: str = "") -> RenderPublic:
    outputs: list[RenderOutput] = []
    if job.status == JobStatus.SUCCEEDED:
        order = {name: i for i, name in enumerate(OUTPUT_FILES)}
        for name, key in sorted(job.outputs.items(), key=lambda kv: order.get(kv[0], 99)):
            url = services.blobs.download_url(
                key, filename=output_filename(job.source_name, name)
            )
            if url.startswith("/"):
                url = base_url.rstrip("/") + url
            outputs.append(RenderOutput(name=name, url=url))
    error = None
    if job.status in (JobStatus.FAILED, JobStatus.CANCELLED) and job.error_code:
        error = RenderError(code=job.error_code, message=job.error_message or job.error_code)
    return RenderPublic(
        id=job.id,
        project_id=job.project_id,
        status=job.status.value,
        stage=job.stage,
        progress=job.progress,
        options=job.options.model_dump(mode="json"),
        outputs=outputs,
        error=error,
        duration_s=job.duration_s,
        created_at=job.created_at,
        updated_at=job.updated_at,
    )
