"""Webhook subscriptions and their delivery log as callers see them (the sending itself is
``estudio.webhooks.delivery``)."""

from __future__ import annotations

from estudio.api.schemas import DeliveryPublic, Page, WebhookPublic
from estudio.errors import InvalidOptions
from estudio.ports import Item
from estudio.services.context import ApiServices
from estudio.webhooks.delivery import SUBSCRIPTION_KIND


def webhook_public(item: Item) -> WebhookPublic:
    return WebhookPublic(
        id=item.id,
        url=item.data["url"],
        events=item.data["events"],
        description=item.data.get("description"),
        created_at=item.created_at,
    )


def delivery_public(item: Item) -> DeliveryPublic:
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


def list_webhooks(
    services: ApiServices, tenant: str, limit: int, cursor: str | None
) -> Page[WebhookPublic]:
    items, next_cursor = services.items.list(SUBSCRIPTION_KIND, tenant, limit, cursor)
    return Page[WebhookPublic](items=[webhook_public(i) for i in items], next_cursor=next_cursor)


def list_deliveries(
    services: ApiServices, tenant: str, webhook_id: str, limit: int, cursor: str | None
) -> Page[DeliveryPublic]:
    """One subscription's delivery log, newest first; the cursor is the last delivery's id."""
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
        items=[delivery_public(i) for i in page],
        next_cursor=page[-1].id if more and page else None,
    )
