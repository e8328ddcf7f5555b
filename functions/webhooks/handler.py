"""SQS job events → the tenant's webhooks. Failed records are reported one by one
(``ReportBatchItemFailures``): only they come back, and after the last try go to the DLQ."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import httpx
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.lambda_entry import entry_point
from estudio.adapters.aws.webhooks import deliver_event

processor = BatchProcessor(event_type=EventType.SQS)


@lru_cache(maxsize=1)
def _client() -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(10.0), follow_redirects=False)


def _deliver(record: SQSRecord) -> int:
    adapters = cached_adapters()
    return deliver_event(
        adapters.items,
        json.loads(record.body),
        _client(),
        allow_private=adapters.cloud.webhooks_allow_private,
    )


@entry_point
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=event, record_handler=_deliver, processor=processor, context=context
    )
    return response
