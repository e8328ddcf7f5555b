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
from estudio.errors import InvalidOptions
from estudio.ports import Item
from estudio.webhooks.delivery import SUBSCRIPTION_KIND

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
WebhookId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
DeliveryId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
PROBLEMS: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}


def _public(item: Item) -> WebhookPublic:
    return WebhookPublic(
        id=item.id,
        url=item.data["url"],
        events=item.data["events"],
        description=item.data.get("description"),
        created_at=item.created_at,
    )


def _delivery(item: Item) -> DeliveryPublic:
    data = item.data
    return DeliveryPublic(
        id=item.id,
        webhook_id=data["subscription_id"],
        event_id=data["event_id"],
        event_type=data["event_type"],
        state=data["state"],
        attempts=data["attempts"],
        next_attempt_at=data.get("next_attempt_at") if data["state"] == "pending" else None,
        last_status=data.get("last_status"),
        last_error=data.get("last_error"),
        replay_of=data.get("replay_of"),
        log=data.get("log", []),
        created_at=item.created_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=WebhookCreated,
    summary="Subscribe a URL to event types (the signing secret is shown once)",
    responses={422: {"model": Problem}},
)
def subscribe(body: WebhookCreate, services: ServicesDep, tenant: TenantDep) -> WebhookCreated:
    item, secret = services.webhooks.subscribe(tenant, body.url, body.events, body.description)
    return WebhookCreated(**_public(item).model_dump(), secret=secret)


@router.get("", response_model=Page[WebhookPublic])
def list_webhooks(
    services: ServicesDep, tenant: TenantDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[WebhookPublic]:
    items, next_cursor = services.items.list(SUBSCRIPTION_KIND, tenant, limit, cursor)
    return Page[WebhookPublic](items=[_public(i) for i in items], next_cursor=next_cursor)


@router.get("/{webhook_id}", response_model=WebhookPublic, responses=PROBLEMS)
def get_webhook(webhook_id: WebhookId, services: ServicesDep, tenant: TenantDep) -> WebhookPublic:
    return _public(services.webhooks.subscription(tenant, webhook_id))


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
    found = services.webhooks.deliveries(tenant, webhook_id)
    start = 0
    if cursor:
        ids = [i.id for i in found]
        if cursor not in ids:
            raise InvalidOptions("invalid pagination cursor")
        start = ids.index(cursor) + 1
    page = found[start : start + limit]
    more = start + limit < len(found)
    return Page[DeliveryPublic](
        items=[_delivery(i) for i in page], next_cursor=page[-1].id if more and page else None
    )


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
    return _delivery(services.webhooks.replay(tenant, webhook_id, delivery_id))
