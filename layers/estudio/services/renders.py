"""Renders: start one (idempotently), read, list, cancel, delete; and what a render looks like
to a caller (``render_public``, with download links). The drop folder starts its renders here."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

from estudio.api.schemas import (
    Page,
    RenderCreate,
    RenderError,
    RenderOutput,
    RenderPublic,
    RenderStep,
)
from estudio.errors import (
    ConcurrentUpdate,
    Conflict,
    EmptyDeck,
    EstudioError,
    NotFound,
    UnknownVoice,
)
from estudio.jobs import JOB_KIND, Job, JobStatus
from estudio.models import OUTPUT_FILES, RenderOptions
from estudio.names import output_filename
from estudio.observability import logger
from estudio.pipeline import keys
from estudio.services.common import (
    IDEMPOTENCY_KIND,
    PROJECT_KIND,
    all_items,
    delete_blobs,
    owned,
)
from estudio.services.context import ApiServices
from estudio.services.glossary import render_glossary

IDEMPOTENCY_TTL_S = 24 * 3600


def list_renders(
    services: ApiServices, tenant: str, limit: int, cursor: str | None, base_url: str = ""
) -> Page[RenderPublic]:
    items, next_cursor = services.items.list(JOB_KIND, tenant, limit, cursor)
    return Page[RenderPublic](
        items=[render_public(services, Job.from_item(i), base_url) for i in items],
        next_cursor=next_cursor,
    )


def check_voice(services: ApiServices, voice_id: str | None) -> None:
    """``UnknownVoice`` unless ``voice_id`` is in the catalog (a key may still be missing)."""
    if voice_id is None:
        return
    if voice_id not in {voice.id for voice in services.voices().list_voices()}:
        raise UnknownVoice(f"unknown voice {voice_id!r}: see GET /v1/voices", voice=voice_id)


def _check_options(services: ApiServices, options: RenderOptions) -> None:
    check_voice(services, options.voice)
    if options.avatar:
        from estudio.avatar.catalog import get_avatar  # on first use, like the catalog route

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
    quiz: Mapping[str, Any] | None = None,
) -> Job:
    """Create a render job and hand it to the orchestrator (the drop folder calls this too)."""
    _check_options(services, options)
    if options.script == "rewrite" and (services.writers is None or services.writers.llm is None):
        from estudio.errors import WriterUnavailable

        raise WriterUnavailable("script mode 'rewrite' needs an LLM writer; none is configured")
    job_id = job_id or "rnd_" + secrets.token_hex(10)
    glossary = render_glossary(services, tenant, project_glossary)
    if quiz and {"scorm12", "scorm2004"} & set(options.packages):
        from estudio.lms.quiz import parse_quiz

        checked = parse_quiz(dict(quiz))  # InvalidQuiz before anything is queued
        services.blobs.put_bytes(
            keys.quiz(job_id), checked.model_dump_json().encode(), "application/json"
        )
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
    from estudio.brand.kits import render_kit  # the project's kit, else the tenant's

    options = options.model_copy(update={"brand": render_kit(services.items, tenant, project.data)})
    try:
        job = start_job(
            services,
            tenant,
            project.data["deck_key"],
            project.data["deck"]["source_name"],
            options,
            project_id=project_id,
            scene_overrides=_scene_edits(services, project.data) or None,
            job_id=job_id,
            project_glossary=project.data.get("glossary") or None,
            quiz=project.data.get("quiz"),
        )
    except EstudioError:
        if record_id:
            services.items.delete(IDEMPOTENCY_KIND, record_id)
        raise
    return job, True


def _scene_edits(services: ApiServices, project: Mapping[str, Any]) -> dict[str, Any]:
    """The project's scene edits for a render: visibility and play order folded in; refused
    (``empty_deck``) when every scene is hidden."""
    from estudio.services.scenes import render_overrides

    edits = render_overrides(project)
    hidden = sum(1 for edit in edits.values() if edit.get("hidden"))
    if hidden and hidden >= int((project.get("deck") or {}).get("scene_count", 0)):
        raise EmptyDeck("every scene is hidden: show at least one before rendering")
    return edits


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
                raise ConcurrentUpdate(
                    "the render for this Idempotency-Key is still starting"
                ) from None
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
            url = services.blobs.download_url(key, filename=output_filename(job.source_name, name))
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
        step=RenderStep.model_validate(job.step)
        if job.step and job.status == JobStatus.RUNNING
        else None,
        progress=job.progress,
        options=job.options.model_dump(mode="json"),
        outputs=outputs,
        error=error,
        duration_s=job.duration_s,
        created_at=job.created_at,
        updated_at=job.updated_at,
    )
