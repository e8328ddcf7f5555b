"""Job events onto an SQS queue; the webhook delivery Lambda drains it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from estudio.adapters.aws.errors import translate

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
else:
    SQSClient = Any


def event_envelope(event_type: str, tenant: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "type": event_type,
        "tenant": tenant,
        "created_at": round(time.time(), 3),
        "data": dict(data),
    }


class SqsEventSink:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def publish(self, event_type: str, tenant: str, data: Mapping[str, Any]) -> None:
        envelope = event_envelope(event_type, tenant, data)
        try:
            self.client.send_message(
                QueueUrl=self.queue_url,
                MessageBody=json.dumps(envelope),
                MessageAttributes={
                    "type": {"DataType": "String", "StringValue": event_type},
                    "tenant": {"DataType": "String", "StringValue": tenant},
                },
            )
        except (ClientError, BotoCoreError) as error:
            raise translate(error, f"event {event_type}") from error
