"""The HTTP API: the FastAPI app behind Mangum, built with the AWS adapters on first use.

The app module is imported lazily so a cold start pays for FastAPI only once it is needed.
Job events go to SQS (``SqsEventSink``) and the events consumer, not an in-process loop; the
webhook service is the cloud one, so a replay is stored and woken through the same queue. The
voice keys (Secrets Manager) are read at cold start for the voice listing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from estudio.adapters.aws.context import cached_adapters, stage_settings
from estudio.adapters.aws.lambda_entry import entry_point
from estudio.adapters.aws.webhooks import cloud_webhooks


@lru_cache(maxsize=1)
def _asgi() -> Any:
    from mangum import Mangum

    from estudio.api.app import create_app

    adapters = cached_adapters()
    app = create_app(
        adapters.items,
        adapters.blobs,
        adapters.orchestrator,
        stage_settings(adapters),
        webhooks=cloud_webhooks(adapters),
        jobs=adapters.jobs,
    )
    return Mangum(app, lifespan="off")


@entry_point
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = _asgi()(event, context)
    return response
