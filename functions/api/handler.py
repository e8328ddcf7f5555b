"""The HTTP API: one route group's FastAPI app behind Mangum, with the AWS adapters.

Each API function serves one group of routes (``estudio.api.groups``), named by
``ESTUDIO_API_GROUP``: it imports that group's routers only, on first use, so a cold start pays
for FastAPI and those routers alone. Without the variable it serves every group (one function
for all routes, as the local rehearsal drives it).

People reach it through the studio API (CloudFront ``/v1/*``, a Cognito JWT authorizer), partners
through the API with the key authorizer: ``identify`` reads a verified token's tenant, keys are
checked as locally (``estudio.adapters.aws.principal``).

Job events go to SQS (``SqsEventSink``) and the events consumer, not an in-process loop; the
webhook service is the cloud one, so a replay is stored and woken through the same queue. The
voice keys (Secrets Manager) are read at cold start where the stack allows it (the catalog).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from estudio.adapters.aws.context import cached_adapters, stage_settings
from estudio.adapters.aws.lambda_entry import entry_point
from estudio.adapters.aws.principal import identify
from estudio.adapters.aws.webhooks import cloud_webhooks
from estudio.api.groups import GROUP_ENV, group


@lru_cache(maxsize=1)
def _asgi() -> Any:
    from mangum import Mangum

    from estudio.api.app import create_app

    name = os.environ.get(GROUP_ENV)
    adapters = cached_adapters()
    app = create_app(
        adapters.items,
        adapters.blobs,
        adapters.orchestrator,
        stage_settings(adapters),
        webhooks=cloud_webhooks(adapters),
        jobs=adapters.jobs,
        group=group(name) if name else None,
        identify=identify,
    )
    return Mangum(app, lifespan="off")


@entry_point
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = _asgi()(event, context)
    return response
