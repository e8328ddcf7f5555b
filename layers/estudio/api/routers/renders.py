from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse

from estudio.api.deps import Cursor, Limit, ServicesDep, TenantDep
from estudio.api.schemas import Page, Problem, RenderPublic
from estudio.services import render_events as events
from estudio.services import renders as service

router = APIRouter(prefix="/renders", tags=["renders"])
RenderId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
PROBLEMS: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}


@router.get("", response_model=Page[RenderPublic], summary="List renders, newest first")
def list_renders(
    request: Request,
    services: ServicesDep,
    tenant: TenantDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[RenderPublic]:
    return service.list_renders(services, tenant, limit, cursor, str(request.base_url))


@router.get(
    "/{render_id}",
    name="get_render",
    response_model=RenderPublic,
    summary="Status, stage, progress (0-100, never goes back), outputs or error",
    responses=PROBLEMS,
)
def get_render(
    render_id: RenderId, request: Request, services: ServicesDep, tenant: TenantDep
) -> RenderPublic:
    job = service.get_render(services, tenant, render_id)
    return service.render_public(services, job, str(request.base_url))


@router.get(
    "/{render_id}/events",
    summary="Live progress as Server-Sent Events, until the render finishes",
    description=(
        "`text/event-stream`: an `event: progress` whose data is the render (as `GET "
        "/v1/renders/{id}`) each time it changes, a `: keep-alive` comment every 15 s, and the "
        "end of the stream after `succeeded`, `failed` or `cancelled` (a finished render: one "
        "event, then the end). `event: gone` if the render is deleted meanwhile. In the cloud "
        "the API's functions buffer responses, so there the stream sends the render as it is "
        "now and ends (`retry: 2000`: an EventSource reconnects every 2 s); the documented "
        "way there is polling `GET /v1/renders/{id}` every 2 s."
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **PROBLEMS},
)
def render_events(
    render_id: RenderId, request: Request, services: ServicesDep, tenant: TenantDep
) -> StreamingResponse:
    service.get_render(services, tenant, render_id)  # 404 now, not inside the stream
    # Without local signed links this is the cloud, where responses are buffered: one event.
    once = services.signer is None
    stream = events.render_events(
        services, tenant, render_id, str(request.base_url), request.is_disconnected, once=once
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/{render_id}/cancel",
    response_model=RenderPublic,
    responses={**PROBLEMS, 409: {"model": Problem, "description": "Already finished."}},
)
def cancel_render(
    render_id: RenderId, request: Request, services: ServicesDep, tenant: TenantDep
) -> RenderPublic:
    job = service.cancel_render(services, tenant, render_id)
    return service.render_public(services, job, str(request.base_url))


@router.delete(
    "/{render_id}",
    status_code=204,
    summary="Delete a render: its outputs, intermediates and status (a running one is stopped)",
    description=(
        "Download links stop working at once locally; in the cloud a presigned link is refused "
        "as soon as its object is gone."
    ),
    responses=PROBLEMS,
)
def delete_render(render_id: RenderId, services: ServicesDep, tenant: TenantDep) -> Response:
    service.delete_render(services, tenant, render_id)
    return Response(status_code=204)
