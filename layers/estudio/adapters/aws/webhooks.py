"""Delivering one job event (an ``SqsEventSink`` envelope) to the tenant's webhooks.

The subscriptions are the API's (``estudio.webhooks``: ``kind="webhook"`` items with ``url``,
``events``, ``secret``); requests carry the same headers and signature as the local delivery
loop, and URLs pass the same SSRF check. A refused connection, a timeout or a 5xx raises
``TransientError``: the SQS message comes back (SQS is the retry schedule here) and after its
last try goes to the DLQ. A 4xx is the receiver's answer and is not retried. Delivery is
at least once: a retried message reaches again the hooks that had accepted it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from estudio.errors import EstudioError, TransientError
from estudio.observability import logger
from estudio.ports import Item, ItemStore
from estudio.webhooks.delivery import SUBSCRIPTION_KIND as WEBHOOK_KIND
from estudio.webhooks.signing import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    sign,
)
from estudio.webhooks.ssrf import check_webhook_url


def tenant_webhooks(items: ItemStore, tenant: str) -> list[Item]:
    hooks: list[Item] = []
    cursor: str | None = None
    while True:
        page, cursor = items.list(WEBHOOK_KIND, tenant, limit=100, cursor=cursor)
        hooks += page
        if cursor is None:
            return hooks


def deliver_event(
    items: ItemStore,
    envelope: Mapping[str, Any],
    client: httpx.Client,
    allow_private: bool = False,
) -> int:
    """POST the event to every matching webhook; returns how many accepted it."""
    event_type = str(envelope["type"])
    body = json.dumps(dict(envelope)).encode()
    delivered = 0
    for hook in tenant_webhooks(items, str(envelope["tenant"])):
        wanted = hook.data.get("events") or []
        if hook.data.get("active") is False or (wanted and event_type not in wanted):
            continue
        url = str(hook.data["url"])
        try:
            check_webhook_url(url, allow_private)  # DNS may have changed since it was stored
        except EstudioError as error:
            logger.warning("webhook url refused", webhook=hook.id, code=error.code)
            continue
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Estudio-Webhooks/1",
            EVENT_TYPE_HEADER: event_type,
            EVENT_ID_HEADER: str(envelope["id"]),
        }
        if hook.data.get("secret"):
            headers[SIGNATURE_HEADER] = sign(str(hook.data["secret"]), body)
        try:
            response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise TransientError(f"webhook {hook.id} unreachable", webhook=hook.id) from error
        if response.status_code >= 500:
            raise TransientError(f"webhook {hook.id} answered {response.status_code}")
        if response.status_code >= 400:
            logger.warning("webhook refused event", webhook=hook.id, status=response.status_code)
            continue
        delivered += 1
    return delivered
