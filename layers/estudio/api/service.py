"""What the API (and the drop folder) do, apart from HTTP: projects, decks, scenes, renders.

Every function takes the caller's ``tenant`` and answers ``NotFound`` for anything the tenant does
not own, exactly as for an id that does not exist.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import tempfile
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
from estudio.errors import ConcurrentUpdate, Conflict, EstudioError, NotFound, ToolMissing
from estudio.jobs import Job, JobStatus
from estudio.models import OUTPUT_FILES, Deck, RenderOptions
from estudio.observability import logger
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


def delete_project(services: ApiServices, tenant: str, project_id: str) -> None:
    owned(services.items, PROJECT_KIND, project_id, tenant)
    services.items.delete(PROJECT_KIND, project_id)
    for key in services.blobs.list(f"projects/{project_id}/"):
        services.blobs.delete(key)


# --- decks ---------------------------------------------------------------------------------------
def _parse(path: Path, services: ApiServices, source_name: str) -> Deck:
    """Any deck format, told by content (.pptx, .pptm, .ppt, .odp, Strict, .pdf)."""
    try:
        from estudio.deck.inputs import read_deck
    except ImportError as error:
        raise ToolMissing("the deck parser is not installed") from error
    settings = services.settings
    with tempfile.TemporaryDirectory(prefix="estudio-ingest-") as tmp:
        deck, _ = read_deck(
            path, settings.limits, Path(tmp), source_name=source_name, soffice=settings.soffice
        )
    return deck


def ingest_deck(
    services: ApiServices, tenant: str, project_id: str, path: Path, filename: str
) -> Item:
    """Parse a deck file, store it and its scenes on the project, emit ``deck.parsed``."""
    owned(services.items, PROJECT_KIND, project_id, tenant)
    source_name = Path(filename).name or "deck.pptx"
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
        from estudio.errors import DeckTooLarge

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
def _check_options(options: RenderOptions) -> None:
    if options.avatar:
        try:
            from estudio.avatar.catalog import get_avatar
        except ImportError:
            return
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
    _check_options(options)
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
            previous = services.items.get(IDEMPOTENCY_KIND, record_id)
            if previous.data["fingerprint"] != fingerprint:
                raise Conflict(
                    "this Idempotency-Key was already used with a different request"
                ) from None
            return services.jobs.get(previous.data["render_id"]), False
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


def get_render(services: ApiServices, tenant: str, render_id: str) -> Job:
    return Job.from_item(owned(services.items, "job", render_id, tenant))


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
            url = services.blobs.download_url(key, filename=name)
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
