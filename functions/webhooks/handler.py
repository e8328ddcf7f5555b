"""The events queue → dropbox results and webhook deliveries (``estudio.adapters.aws.consumer``).

Failed records are reported one by one (``ReportBatchItemFailures``): only they come back, and
after the last receive go to the DLQ. A webhook that fails is not a failed record: its delivery
item records the attempt and a delayed wake-up message schedules the next one.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from estudio.adapters.aws.consumer import handle_message
from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.lambda_entry import entry_point
from estudio.adapters.aws.webhooks import CloudWebhookService, cloud_webhooks

processor = BatchProcessor(event_type=EventType.SQS)


@lru_cache(maxsize=1)
def _webhooks() -> CloudWebhookService:
    return cloud_webhooks(cached_adapters())


def _record(record: SQSRecord) -> None:
    handle_message(
        cached_adapters(),
        _webhooks(),
        record.json_body,
        receive_count=int(record.attributes.approximate_receive_count or 1),
    )


@entry_point
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=event, record_handler=_record, processor=processor, context=context
    )
    return response
