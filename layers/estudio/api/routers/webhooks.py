from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from fastapi import Path as PathParam

from estudio.api.deps import Cursor, Limit, ServicesDep, TenantDep
from estudio.api.schemas import (
    DeliveryPublic,
    Page,
    Problem,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
)
from estudio.services import webhooks as hooks

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
WebhookId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
DeliveryId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
PROBLEMS: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}


@router.post(
    "",
    status_code=201,
    response_model=WebhookCreated,
    summary="Subscribe a URL to event types (the signing secret is shown once)",
    responses={422: {"model": Problem}},
)
def subscribe(body: WebhookCreate, services: ServicesDep, tenant: TenantDep) -> WebhookCreated:
    item, secret = services.webhooks.subscribe(tenant, body.url, body.events, body.description)
    return WebhookCreated(**hooks.webhook_public(item).model_dump(), secret=secret)


@router.get("", response_model=Page[WebhookPublic])
def list_webhooks(
    services: ServicesDep, tenant: TenantDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[WebhookPublic]:
    return hooks.list_webhooks(services, tenant, limit, cursor)


@router.get("/{webhook_id}", response_model=WebhookPublic, responses=PROBLEMS)
def get_webhook(webhook_id: WebhookId, services: ServicesDep, tenant: TenantDep) -> WebhookPublic:
    return hooks.webhook_public(services.webhooks.subscription(tenant, webhook_id))


@router.delete("/{webhook_id}", status_code=204, responses=PROBLEMS)
def delete_webhook(webhook_id: WebhookId, services: ServicesDep, tenant: TenantDep) -> Response:
    services.webhooks.unsubscribe(tenant, webhook_id)
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[DeliveryPublic],
    summary="Delivery log, newest first",
    responses=PROBLEMS,
)
def list_deliveries(
    webhook_id: WebhookId,
    services: ServicesDep,
    tenant: TenantDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[DeliveryPublic]:
    return hooks.list_deliveries(services, tenant, webhook_id, limit, cursor)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=DeliveryPublic,
    summary="Send a past delivery's event again",
    responses=PROBLEMS,
)
def replay_delivery(
    webhook_id: WebhookId, delivery_id: DeliveryId, services: ServicesDep, tenant: TenantDep
) -> DeliveryPublic:
    return hooks.delivery_public(services.webhooks.replay(tenant, webhook_id, delivery_id))
