"""HTTP API Lambda authorizer (payload 2.0, simple responses): Bearer API key → tenant."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from estudio.adapters.aws.authorizer import authorize
from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.lambda_entry import entry_point


@entry_point
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return authorize(cached_adapters().items, event.get("headers"))
