"""Signed webhooks: subscriptions, the event sink, persisted retries, a delivery log."""

from estudio.webhooks.delivery import (
    DELIVERY_KIND,
    EVENT_TYPES,
    SUBSCRIPTION_KIND,
    AttemptResult,
    EventType,
    RetryPolicy,
    WebhookService,
)
from estudio.webhooks.signing import SIGNATURE_HEADER, sign, verify
from estudio.webhooks.ssrf import check_webhook_url

__all__ = [
    "DELIVERY_KIND",
    "EVENT_TYPES",
    "SIGNATURE_HEADER",
    "SUBSCRIPTION_KIND",
    "AttemptResult",
    "EventType",
    "RetryPolicy",
    "WebhookService",
    "check_webhook_url",
    "sign",
    "verify",
]
