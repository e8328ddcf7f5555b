"""The events queue's consumer: one message → the dropbox results and the webhook deliveries.

A job event (an ``SqsEventSink`` envelope) first writes a finished dropbox job's results to its
``outgoing/`` folder, then stores the event's webhook deliveries; a wake-up attempts one
delivery. Errors propagate: the message comes back and, after its last receive, goes to the DLQ.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from estudio.adapters.aws.context import CloudAdapters
from estudio.adapters.aws.dropbox import deliver_to_dropbox
from estudio.adapters.aws.webhooks import CloudWebhookService, WakeUp, parse_message


def handle_message(
    adapters: CloudAdapters,
    webhooks: CloudWebhookService,
    body: Mapping[str, Any],
    receive_count: int = 1,
) -> None:
    message = parse_message(body)
    if isinstance(message, WakeUp):
        webhooks.wake(message)
        return
    render_id = message.data.get("render_id")
    deliver_to_dropbox(
        adapters.items, adapters.blobs, message.type, str(render_id) if render_id else None
    )
    webhooks.fan_out(message, redelivered=receive_count > 1)
