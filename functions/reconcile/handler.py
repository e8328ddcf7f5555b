"""EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) → the job
is failed with a stable code and ``render.failed`` goes out once (``estudio.reconcile``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.lambda_entry import entry_point
from estudio.reconcile import ExecutionStatusChange, reconcile


@entry_point
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    change = ExecutionStatusChange.from_event(event)
    return reconcile(cached_adapters().jobs, change).model_dump(mode="json")
