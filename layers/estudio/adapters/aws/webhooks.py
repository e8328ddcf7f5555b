"""Delivering one job event (an ``SqsEventSink`` envelope) to the tenant's webhooks.

Webhooks are ``kind="webhook"`` items of the tenant with ``data.url``, optional ``data.events``
(the event types wanted; empty = all), optional ``data.secret`` (HMAC-SHA256 of the body in
``X-Estudio-Signature``) and ``data.active`` (default true). A refused connection, a timeout or a
5xx raises ``TransientError``: the SQS message comes back and, after its last try, goes to the DLQ.
A 4xx is the receiver's answer and is not retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import httpx

from estudio.errors import TransientError
from estudio.observability import logger
from estudio.ports import Item, ItemStore

WEBHOOK_KIND = "webhook"
SIGNATURE_HEADER = "X-Estudio-Signature"
EVENT_HEADER = "X-Estudio-Event"


def tenant_webhooks(items: ItemStore, tenant: str) -> list[Item]:
    hooks: list[Item] = []
    cursor: str | None = None
    while True:
        page, cursor = items.list(WEBHOOK_KIND, tenant, limit=100, cursor=cursor)
        hooks += page
        if cursor is None:
            return hooks


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver_event(items: ItemStore, envelope: Mapping[str, Any], client: httpx.Client) -> int:
    """POST the event to every matching webhook; returns how many accepted it."""
    event_type = str(envelope["type"])
    body = json.dumps(dict(envelope)).encode()
    delivered = 0
    for hook in tenant_webhooks(items, str(envelope["tenant"])):
        wanted = hook.data.get("events") or []
        if hook.data.get("active") is False or (wanted and event_type not in wanted):
            continue
        headers = {"Content-Type": "application/json", EVENT_HEADER: event_type}
        if hook.data.get("secret"):
            headers[SIGNATURE_HEADER] = sign(str(hook.data["secret"]), body)
        try:
            response = client.post(str(hook.data["url"]), content=body, headers=headers)
        except httpx.HTTPError as error:
            raise TransientError(f"webhook {hook.id} unreachable", webhook=hook.id) from error
        if response.status_code >= 500:
            raise TransientError(f"webhook {hook.id} answered {response.status_code}")
        if response.status_code >= 400:
            logger.warning("webhook refused event", webhook=hook.id, status=response.status_code)
            continue
        delivered += 1
    return delivered
