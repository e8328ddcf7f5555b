"""The one decorator stack every Lambda entry point wears, and the pipeline stage handlers.

Order: environment validated (``CloudSettings``) → ``logger.inject_lambda_context`` →
``metrics.log_metrics`` → ``tracer.capture_lambda_handler(capture_response=False)``. Domain
errors propagate untouched: Step Functions sees their class name as the error name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar

from aws_lambda_powertools.metrics import MetricUnit

from estudio.adapters.aws.context import build_stage_context, get_cloud_settings
from estudio.observability import logger, metrics, tracer

R = TypeVar("R")
LambdaHandler = Callable[[Any, Any], R]


def validate_environment(handler: LambdaHandler[R]) -> LambdaHandler[R]:
    """Fail the first invocation loudly when the stack did not pass the settings."""

    @wraps(handler)
    def run(event: Any, context: Any) -> R:
        get_cloud_settings()
        return handler(event, context)

    return run


def entry_point(handler: LambdaHandler[R]) -> LambdaHandler[R]:
    decorated = tracer.capture_lambda_handler(capture_response=False)(handler)
    decorated = metrics.log_metrics(capture_cold_start_metric=True)(decorated)
    decorated = logger.inject_lambda_context(clear_state=True)(decorated)
    return validate_environment(decorated)


def stage_handler(resource: str) -> LambdaHandler[dict[str, Any]]:
    """The handler for the ASL Task whose ``Resource`` placeholder is ``resource``."""
    from estudio.pipeline.stages import RESOURCES

    work = RESOURCES[resource]
    stage_name = getattr(work, "stage_name", resource)

    def handle(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        logger.append_keys(stage=stage_name, job_id=event.get("job_id"))
        result = work(build_stage_context(), event)
        metrics.add_metric(name="StageSucceeded", unit=MetricUnit.Count, value=1)
        return result

    handle.__name__ = f"{stage_name}_handler"
    return entry_point(handle)
