"""The tenant's brand kit and its assets; a project's own kit overrides the tenant's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool

from estudio.api.deps import ServicesDep, TenantDep
from estudio.api.schemas import Problem
from estudio.api.streaming import receive_deck_multipart
from estudio.brand import kits
from estudio.brand import tenant as brands
from estudio.errors import InputError, NotFound
from estudio.media.ffmpeg import ffmpeg_exe
from estudio.services.common import PROJECT_KIND, owned

router = APIRouter(tags=["brand"])
ProjectId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
KitBody = Annotated[
    dict[str, Any],
    Body(
        description=(
            "The brand file's JSON (logo, intro, outro, colors, font, captions, music, template), "
            "asset ids from `POST /v1/brand/assets` in place of paths."
        ),
        examples=[{"logo": {"path": "<asset id>", "corner": "top-right"}, "template": "corporate"}],
    ),
]
REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        "model": Problem,
        "description": "`invalid_brand_asset`: the kit or an asset is unusable.",
    }
}
_ASSET_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "/brand/assets",
    status_code=201,
    summary="Upload a brand asset (logo PNG/SVG, font, music, intro/outro clip)",
    openapi_extra=_ASSET_BODY,
    responses=REFUSED,
)
async def upload_brand_asset(
    request: Request, services: ServicesDep, tenant: TenantDep
) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise InputError("send multipart/form-data with a file field")
    try:
        path, filename = await receive_deck_multipart(
            content_type, request.stream(), brands.MAX_UPLOAD_BYTES
        )
    except UnicodeError as error:  # part headers the multipart parser cannot take
        raise InputError("malformed multipart body: part headers must be Latin-1") from error
    try:
        return await run_in_threadpool(
            brands.upload_asset,
            services.blobs,
            services.items,
            tenant,
            path,
            filename,
            ffmpeg_exe(services.settings.ffmpeg),
        )
    finally:
        path.unlink(missing_ok=True)


@router.get("/brand", summary="The tenant's brand kit", responses={404: {"model": Problem}})
def get_brand(services: ServicesDep, tenant: TenantDep) -> dict[str, Any]:
    kit = kits.tenant_kit(services.items, tenant)
    if kit is None:
        raise NotFound("no brand kit yet: PUT /v1/brand")
    return brands.public(kit)


@router.put("/brand", summary="Replace the tenant's brand kit", responses=REFUSED)
def put_brand(services: ServicesDep, tenant: TenantDep, body: KitBody) -> dict[str, Any]:
    kit = brands.kit_from_body(services.items, services.blobs, tenant, body)
    kits.save_tenant_kit(services.items, tenant, kit)
    return brands.public(kit)


@router.get(
    "/projects/{project_id}/brand",
    summary="The kit the project's renders use (its own, else the tenant's)",
    responses={404: {"model": Problem}},
)
def get_project_brand(
    project_id: ProjectId, services: ServicesDep, tenant: TenantDep
) -> dict[str, Any]:
    project = owned(services.items, PROJECT_KIND, project_id, tenant)
    kit = kits.render_kit(services.items, tenant, project.data)
    if kit is None:
        raise NotFound("no brand kit for this project or its tenant")
    return brands.public(kit)


@router.put(
    "/projects/{project_id}/brand",
    summary="Give the project its own brand kit (over the tenant's)",
    responses={**REFUSED, 404: {"model": Problem}},
)
def put_project_brand(
    project_id: ProjectId, services: ServicesDep, tenant: TenantDep, body: KitBody | None = None
) -> dict[str, Any]:
    owned(services.items, PROJECT_KIND, project_id, tenant)  # 404 before 422
    if body is None:
        raise InputError("send the brand kit as a JSON object")
    kit = brands.kit_from_body(services.items, services.blobs, tenant, body)
    services.items.update(PROJECT_KIND, project_id, {"brand": kit.model_dump(mode="json")})
    return brands.public(kit)
