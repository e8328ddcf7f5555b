"""The tenant's own data as a whole: export it (a ZIP) or erase it (LGPD art. 18)."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import StringConstraints
from starlette.background import BackgroundTask

from estudio.api.deps import ServicesDep, TenantDep
from estudio.api.schemas import Input, Problem
from estudio.api.streaming import scratch_dir
from estudio.names import content_disposition
from estudio.services.tenants import erase_tenant, export_tenant

router = APIRouter(prefix="/tenant", tags=["tenant"])
EXPORT_LINK_S = 900


class TenantErase(Input):
    confirm: Annotated[str, StringConstraints(min_length=1, max_length=63)]


def _build_export(services: ServicesDep, tenant: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="estudio-export-", dir=scratch_dir(services.settings)))
    return export_tenant(services, tenant, folder / "export.zip", folder)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.parent.rmdir()


@router.get(
    "/export",
    summary="Everything the tenant has, as a ZIP with a JSON index",
    description=(
        "Projects, scenes and scripts, decks, glossary, webhook subscriptions (without secrets) "
        "and their delivery log, renders with their manifests and outputs, API keys (ids only) "
        "and the audit log. `index.json` lists every file with its size and SHA-256. Locally the "
        "ZIP is the response; in the cloud the answer is a 303 to a link valid for 15 minutes."
    ),
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}, 303: {"description": "Cloud."}},
)
async def export(request: Request, services: ServicesDep, tenant: TenantDep) -> Response:
    path = await run_in_threadpool(_build_export, services, tenant)
    await run_in_threadpool(
        services.audit.record, tenant, request.state.key_id, "GET /v1/tenant/export", {}
    )
    name = f"estudio-{tenant}-export.zip"
    if services.signer is None:  # cloud: hand the ZIP over through the blob store
        key = f"exports/{tenant}/exp_{secrets.token_hex(8)}.zip"
        try:
            await run_in_threadpool(services.blobs.put_file, key, path, "application/zip")
        finally:
            _remove(path)
        url = services.blobs.download_url(key, expires_s=EXPORT_LINK_S, filename=name)
        return RedirectResponse(url, status_code=303)
    return FileResponse(
        path,
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(name, "attachment")},
        background=BackgroundTask(_remove, path),
    )


PROBLEMS: dict[int | str, dict[str, Any]] = {422: {"model": Problem}}


@router.delete(
    "",
    status_code=204,
    summary="Erase everything the tenant has and revoke its API keys",
    description='Send `{"confirm": "<tenant id>"}`. Nothing of the tenant is kept.',
    responses=PROBLEMS,
)
def erase(
    body: TenantErase, request: Request, services: ServicesDep, tenant: TenantDep
) -> Response:
    erase_tenant(services, tenant, body.confirm, actor=request.state.key_id)
    request.state.audited = True  # nothing may be written for an erased tenant
    return Response(status_code=204)
