"""Webhook delivery in the cloud: the local ``WebhookService``, with SQS as its clock.

Job events reach the events queue as ``SqsEventSink`` envelopes. For each envelope the consumer
stores one ``webhook_delivery`` item per matching subscription — the records, body, signature
and retry schedule of ``estudio.webhooks.delivery``, so ``GET /v1/webhooks/{id}/deliveries``
lists cloud deliveries as it lists local ones — and sends a wake-up message (``{"delivery_id"}``)
for each to the same queue. A wake-up attempts its delivery when it is due; a failed attempt is
rescheduled by the local ``RetryPolicy`` (backoff with jitter for more than a day) and its next
wake-up is sent with that delay (SQS delays at most 15 minutes, so a longer wait takes several
hops). Replays (the API) store the new delivery and send its wake-up.

The queue's redrive (5 receives, then the DLQ) covers failures of the consumer itself (DynamoDB
or SQS unavailable, a malformed message); a webhook that fails is recorded on its delivery.
Repeats are harmless: a redelivered envelope reuses the deliveries it stored (the event id comes
from the envelope's id), and a duplicate wake-up loses the delivery's claim (``_attempt`` claims
with the item's version) and stops.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ValidationError

from estudio.adapters.aws.context import CloudAdapters
from estudio.adapters.aws.errors import translate
from estudio.adapters.aws.events import SqsEventSink
from estudio.errors import InvalidOptions, NotFound
from estudio.observability import logger
from estudio.ports import EventSink, Item
from estudio.webhooks.delivery import (
    DELIVERY_KIND,
    EVENT_TYPES,
    PENDING,
    WebhookService,
    find_items,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
else:
    SQSClient = Any

MAX_SQS_DELAY_S = 900
WAKE_UP_TYPE = "webhook.wake"
DUE_SLACK_S = 1.0  # a wake-up this early counts as on time (SQS delays are whole seconds)


class JobEventEnvelope(BaseModel):
    """What ``SqsEventSink`` sends: one job event."""

    id: str
    type: str
    tenant: str
    created_at: float
    data: dict[str, Any] = {}


class WakeUp(BaseModel):
    """Attempt this stored delivery if it is due (or wait for it again)."""

    delivery_id: str


def parse_message(body: Mapping[str, Any]) -> JobEventEnvelope | WakeUp:
    """An events-queue message; ``InvalidOptions`` for anything else (it ends in the DLQ)."""
    try:
        if "delivery_id" in body:
            return WakeUp.model_validate(body)
        return JobEventEnvelope.model_validate(body)
    except ValidationError as error:
        problems = error.error_count()
        raise InvalidOptions(f"not an events-queue message: {problems} errors") from error


def event_id_for(envelope: JobEventEnvelope) -> str:
    return f"evt_{envelope.id}"


def event_body(event_id: str, event_type: str, created_at: float, data: Mapping[str, Any]) -> str:
    """The POST body, byte for byte what ``WebhookService.publish`` stores locally."""
    return json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "created_at": datetime.fromtimestamp(created_at, UTC).isoformat(
                timespec="milliseconds"
            ),
            "data": dict(data),
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


class WakeUpQueue:
    """Wake-up messages on the events queue, delayed up to SQS's 15 minutes."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def send(self, delivery_id: str, delay_s: float = 0.0) -> None:
        delay = int(min(MAX_SQS_DELAY_S, max(0, math.ceil(delay_s))))
        try:
            self.client.send_message(
                QueueUrl=self.queue_url,
                MessageBody=WakeUp(delivery_id=delivery_id).model_dump_json(),
                DelaySeconds=delay,
                MessageAttributes={"type": {"DataType": "String", "StringValue": WAKE_UP_TYPE}},
            )
        except (ClientError, BotoCoreError) as error:
            raise translate(error, f"wake-up {delivery_id}") from error


@dataclass
class CloudWebhookService(WebhookService):
    """``WebhookService`` whose dispatcher is the events queue, not a thread.

    ``publish`` forwards to the queue (``sink``); ``fan_out`` turns a queued event into stored
    deliveries; ``wake`` attempts one delivery and schedules its next wake-up; ``replay`` stores
    the new delivery and wakes it. ``start``/``deliver_due`` are never used in the cloud.
    """

    wakeups: WakeUpQueue | None = None
    sink: EventSink | None = None

    def _wakeups(self) -> WakeUpQueue:
        if self.wakeups is None:
            raise InvalidOptions("no events queue configured for webhook deliveries")
        return self.wakeups

    def publish(self, event_type: str, tenant: str, data: Mapping[str, Any]) -> None:
        """``EventSink``: the event goes to the queue; the consumer stores the deliveries."""
        if event_type not in EVENT_TYPES:
            raise InvalidOptions(f"unknown event type {event_type!r}")
        if self.sink is None:
            raise InvalidOptions("no events queue configured for webhook deliveries")
        self.sink.publish(event_type, tenant, data)

    def replay(self, tenant: str, subscription_id: str, delivery_id: str) -> Item:
        item = super().replay(tenant, subscription_id, delivery_id)
        self._wakeups().send(item.id)
        return item

    def fan_out(self, envelope: JobEventEnvelope, redelivered: bool = False) -> list[Item]:
        """Store one delivery per subscription of the tenant to this event type, wake each."""
        if envelope.type not in EVENT_TYPES:
            logger.warning("unknown event type dropped", event_type=envelope.type)
            return []
        targets = [
            subscription
            for subscription in self._subscriptions(envelope.tenant)
            if envelope.type in subscription.data.get("events", [])
        ]
        if not targets:
            return []
        event_id = event_id_for(envelope)
        stored: dict[str, Item] = {}
        if redelivered:  # the first receive may have stored some before it failed
            for item in find_items(self.items, DELIVERY_KIND, "event_id", event_id):
                if not item.data.get("replay_of"):
                    stored[str(item.data["subscription_id"])] = item
        body = event_body(event_id, envelope.type, envelope.created_at, envelope.data)
        now = self.clock()
        deliveries = [
            stored.get(subscription.id)
            or self._queue(envelope.tenant, subscription.id, event_id, envelope.type, body, now)
            for subscription in targets
        ]
        for item in deliveries:
            if item.data.get("state") == PENDING:
                self._wakeups().send(item.id, float(item.data.get("next_attempt_at", now)) - now)
        logger.info(
            "webhook event stored",
            event_type=envelope.type,
            tenant=envelope.tenant,
            deliveries=len(deliveries),
        )
        return deliveries

    def wake(self, wake_up: WakeUp) -> Item | None:
        """Attempt the delivery if it is due, and send the wake-up of its next attempt."""
        try:
            item = self.items.get(DELIVERY_KIND, wake_up.delivery_id)
        except NotFound:
            return None
        if item.data.get("state") != PENDING:
            return item
        now = self.clock()
        due_in = float(item.data.get("next_attempt_at", 0)) - now
        if due_in > DUE_SLACK_S:  # early (a long wait's hop, or another attempt's lease)
            self._wakeups().send(item.id, due_in)
            return item
        if not self._attempt(item):  # another consumer claimed it: its schedule goes on
            return None
        after = self.items.get(DELIVERY_KIND, item.id)
        if after.data.get("state") == PENDING:
            self._wakeups().send(after.id, float(after.data["next_attempt_at"]) - self.clock())
        return after


def cloud_webhooks(adapters: CloudAdapters) -> CloudWebhookService:
    """The service over the adapters' table and events queue."""
    sink = adapters.events
    wakeups = WakeUpQueue(sink.client, sink.queue_url) if isinstance(sink, SqsEventSink) else None
    return CloudWebhookService(
        adapters.items,
        allow_private=adapters.cloud.webhooks_allow_private,
        wakeups=wakeups,
        sink=sink,
        record_ttl_s=adapters.cloud.record_ttl_days * 86400,
    )
