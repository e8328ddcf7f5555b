"""The HTTP API: the FastAPI app behind Mangum, built with the AWS adapters on first use.

The app module is imported lazily so a cold start pays for FastAPI only once it is needed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.lambda_entry import entry_point


@lru_cache(maxsize=1)
def _asgi() -> Any:
    from mangum import Mangum

    from estudio.api.app import create_app

    adapters = cached_adapters()
    # Job events go to SQS (SqsEventSink) and the delivery Lambda, not the in-process loop.
    app = create_app(
        adapters.items,
        adapters.blobs,
        adapters.orchestrator,
        adapters.settings,
        jobs=adapters.jobs,
    )
    return Mangum(app, lifespan="off")


@entry_point
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = _asgi()(event, context)
    return response
