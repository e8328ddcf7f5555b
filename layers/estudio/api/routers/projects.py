from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from estudio.api.deps import Cursor, Limit, ServicesDep, TenantDep
from estudio.api.schemas import (
    DeckUploadComplete,
    DeckUploadRequest,
    Page,
    Problem,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
    RenderCreate,
    RenderPublic,
    SceneOrder,
    ScenePublic,
    SceneUpdate,
    ScriptsWrite,
    UploadTicket,
)
from estudio.api.streaming import receive_deck_multipart, scratch_dir
from estudio.errors import DeckTooLarge, InputError
from estudio.services import projects as service
from estudio.services import renders, scenes, scripts

router = APIRouter(prefix="/projects", tags=["projects"])
ProjectId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
SceneIndex = Annotated[int, PathParam(ge=0, le=100_000)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Same key and body: the same render; a different body: 409.",
    ),
]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Not found (or another tenant's)."},
}
UPLOAD_TTL_S = 900


@router.post("", status_code=201, response_model=ProjectPublic, summary="Create a project")
def create_project(body: ProjectCreate, services: ServicesDep, tenant: TenantDep) -> ProjectPublic:
    return service.project_public(service.create_project(services, tenant, body))


@router.get("", response_model=Page[ProjectPublic], summary="List projects, newest first")
def list_projects(
    request: Request,
    services: ServicesDep,
    tenant: TenantDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[ProjectPublic]:
    return service.list_projects(services, tenant, limit, cursor, str(request.base_url))


@router.get("/{project_id}", response_model=ProjectPublic, responses=PROBLEMS)
def get_project(
    project_id: ProjectId, request: Request, services: ServicesDep, tenant: TenantDep
) -> ProjectPublic:
    return service.get_project(services, tenant, project_id, str(request.base_url))


@router.patch("/{project_id}", response_model=ProjectPublic, responses=PROBLEMS)
def update_project(
    project_id: ProjectId, body: ProjectUpdate, services: ServicesDep, tenant: TenantDep
) -> ProjectPublic:
    return service.project_public(service.update_project(services, tenant, project_id, body))


@router.delete("/{project_id}", status_code=204, responses=PROBLEMS)
def delete_project(project_id: ProjectId, services: ServicesDep, tenant: TenantDep) -> Response:
    service.delete_project(services, tenant, project_id)
    return Response(status_code=204)


_DECK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "application/json": {"schema": DeckUploadRequest.model_json_schema()},
        },
    }
}


@router.post(
    "/{project_id}/deck",
    summary="Upload a deck (multipart) or ask for an upload URL (JSON)",
    description=(
        "`multipart/form-data` with a `file` field: the deck is streamed to disk (up to the "
        "deck size limit), parsed, and its scenes stored on the project (200). "
        '`application/json` `{"filename": ...}`: answers an upload URL to `PUT` the bytes to, '
        "then `POST .../deck/complete` (201). A deck that cannot be read answers 422 with its "
        "`code` (`not_a_pptx`, `encrypted_deck`, ...)."
    ),
    openapi_extra=_DECK_BODY,
    response_model=None,
    responses={
        200: {"model": ProjectPublic, "description": "Deck parsed."},
        201: {"model": UploadTicket, "description": "Upload URL issued."},
        404: PROBLEMS[404],
        413: {"model": Problem, "description": "Deck too large."},
        422: {"model": Problem, "description": "Not a readable deck."},
    },
)
async def upload_deck(
    project_id: ProjectId, request: Request, services: ServicesDep, tenant: TenantDep
) -> JSONResponse:
    content_type = request.headers.get("content-type", "")
    limit = services.settings.limits.max_deck_bytes
    if content_type.startswith("application/json"):
        try:
            body = DeckUploadRequest.model_validate_json(await request.body())
        except ValidationError as error:
            raise InputError('expected {"filename": "<name>.pptx"}') from error
        upload_id, key = await run_in_threadpool(
            service.new_upload, services, tenant, project_id, body.filename
        )
        url = services.blobs.upload_url(key, expires_s=UPLOAD_TTL_S, max_bytes=limit)
        if url.startswith("/"):
            url = str(request.base_url).rstrip("/") + url
        ticket = UploadTicket(
            upload_id=upload_id,
            upload_url=url,
            max_bytes=limit,
            expires_in_s=UPLOAD_TTL_S,
            complete_url=str(request.url_for("complete_deck_upload", project_id=project_id)),
        )
        return JSONResponse(ticket.model_dump(mode="json"), status_code=201)
    if not content_type.startswith("multipart/form-data"):
        raise InputError("send multipart/form-data (a file field) or application/json")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise DeckTooLarge(f"the deck is larger than {limit} bytes", limit=limit)
    await run_in_threadpool(service.get_project, services, tenant, project_id)
    path, filename = await receive_deck_multipart(
        content_type, request.stream(), limit, scratch_dir(services.settings)
    )
    try:
        item = await run_in_threadpool(
            service.ingest_deck, services, tenant, project_id, path, filename
        )
    finally:
        path.unlink(missing_ok=True)
    public = service.project_public(item, services, str(request.base_url))
    return JSONResponse(public.model_dump(mode="json"), status_code=200)


@router.post(
    "/{project_id}/deck/complete",
    name="complete_deck_upload",
    response_model=ProjectPublic,
    summary="Parse a deck uploaded to an upload URL",
    responses={**PROBLEMS, 409: {"model": Problem}, 422: {"model": Problem}},
)
def complete_deck_upload(
    project_id: ProjectId, body: DeckUploadComplete, services: ServicesDep, tenant: TenantDep
) -> ProjectPublic:
    with tempfile.TemporaryDirectory(prefix="estudio-complete-") as scratch:
        item = service.complete_upload(services, tenant, project_id, body.upload_id, Path(scratch))
    return service.project_public(item)


@router.get(
    "/{project_id}/scenes",
    response_model=list[ScenePublic],
    summary="The deck's scenes with their current scripts, slide images and play order",
    responses={**PROBLEMS, 409: {"model": Problem}},
)
def list_scenes(
    project_id: ProjectId, request: Request, services: ServicesDep, tenant: TenantDep
) -> list[ScenePublic]:
    return scenes.scenes(services, tenant, project_id, str(request.base_url))


@router.patch(
    "/{project_id}/scenes/{index}",
    response_model=ScenePublic,
    summary="Edit one scene's narration, voice or visibility before rendering",
    description="`hidden: true` leaves the scene out of renders; an explicit null undoes an edit.",
    responses={**PROBLEMS, 409: {"model": Problem}},
)
def edit_scene(
    project_id: ProjectId,
    index: SceneIndex,
    body: SceneUpdate,
    request: Request,
    services: ServicesDep,
    tenant: TenantDep,
) -> ScenePublic:
    return scenes.edit_scene(services, tenant, project_id, index, body, str(request.base_url))


@router.put(
    "/{project_id}/scenes/order",
    response_model=list[ScenePublic],
    summary="Set the order the scenes play in (every scene index once)",
    description="Answers the scenes in their new order. Renders started afterwards use it.",
    responses={
        **PROBLEMS,
        409: {"model": Problem},
        422: {"model": Problem, "description": "`invalid_scene_order`: not a permutation."},
    },
)
def order_scenes(
    project_id: ProjectId,
    body: SceneOrder,
    request: Request,
    services: ServicesDep,
    tenant: TenantDep,
) -> list[ScenePublic]:
    return scenes.set_order(services, tenant, project_id, body.order, str(request.base_url))


@router.post(
    "/{project_id}/scripts",
    response_model=list[ScenePublic],
    summary="Write the scenes' narration now, to read and edit before rendering",
    description=(
        "Scenes without speaker notes get a script written for listening (the LLM writer when "
        "one is configured, else the offline rules writer); with `rewrite`, notes are polished "
        "too. Each script is stored on its scene like an edit (`script_source` says who wrote "
        "it) and is what the render reads; `PATCH` a scene to correct it."
    ),
    responses={**PROBLEMS, 409: {"model": Problem}},
)
def write_scripts(
    project_id: ProjectId,
    services: ServicesDep,
    tenant: TenantDep,
    body: ScriptsWrite | None = None,
) -> list[ScenePublic]:
    return scripts.write_project_scripts(services, tenant, project_id, body or ScriptsWrite())


@router.post(
    "/{project_id}/renders",
    status_code=202,
    response_model=RenderPublic,
    summary="Start a render of the project's deck",
    responses={**PROBLEMS, 409: {"model": Problem}},
)
def create_render(
    project_id: ProjectId,
    body: RenderCreate,
    request: Request,
    response: Response,
    services: ServicesDep,
    tenant: TenantDep,
    idempotency_key: IdempotencyKey = None,
) -> RenderPublic:
    job, _ = renders.create_render(services, tenant, project_id, body, idempotency_key)
    response.headers["Location"] = str(request.url_for("get_render", render_id=job.id))
    return renders.render_public(services, job, str(request.base_url))


__all__ = ["json", "router"]
