"""Jobs whose execution ended where no ``Catch`` could see it.

The pipeline records its own failures (the ASL's ``RecordFailure`` state), but an execution can
also end without passing there: ``States.Runtime`` or ``States.DataLimitExceeded`` errors, the
execution's own timeout, a ``StopExecution`` from outside. EventBridge reports every end as a
"Step Functions Execution Status Change" event; for FAILED, TIMED_OUT and ABORTED the
reconciler marks the job failed with a stable code and ``render.failed`` goes out once. A job
already finished (failed by the pipeline, cancelled by its user, succeeded) is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from estudio.errors import (
    Cancelled,
    EstudioError,
    ExecutionEnded,
    ExecutionTimedOut,
    InvalidOptions,
    NotFound,
)
from estudio.jobs import JobRepository
from estudio.observability import logger

EVENT_SOURCE = "aws.states"
EVENT_DETAIL_TYPE = "Step Functions Execution Status Change"
MESSAGE_LIMIT = 500


class ExecutionStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"
    PENDING_REDRIVE = "PENDING_REDRIVE"


# The statuses the EventBridge rule forwards, and the error each becomes on the job.
ENDINGS: dict[ExecutionStatus, type[EstudioError]] = {
    ExecutionStatus.FAILED: ExecutionEnded,
    ExecutionStatus.TIMED_OUT: ExecutionTimedOut,
    ExecutionStatus.ABORTED: Cancelled,
}


class ExecutionStatusChange(BaseModel):
    """The ``detail`` of the event (fields as Step Functions sends them)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    execution_arn: str = Field(alias="executionArn")
    state_machine_arn: str = Field(alias="stateMachineArn")
    name: str
    status: ExecutionStatus
    input: str | None = None
    error: str | None = None
    cause: str | None = None

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> ExecutionStatusChange:
        if event.get("source") != EVENT_SOURCE or event.get("detail-type") != EVENT_DETAIL_TYPE:
            raise InvalidOptions(
                f"not a Step Functions execution status change: {event.get('detail-type')!r}"
            )
        try:
            return cls.model_validate(event.get("detail") or {})
        except ValidationError as error:
            raise InvalidOptions(f"malformed execution status change: {error}") from error

    @property
    def job_id(self) -> str:
        """The execution input's ``job_id``; the execution name (the job id too) otherwise."""
        try:
            job_input = json.loads(self.input) if self.input else None
        except ValueError:
            job_input = None
        if isinstance(job_input, dict) and isinstance(job_input.get("job_id"), str):
            return job_input["job_id"]
        return self.name


class Reconciled(BaseModel):
    job_id: str
    status: ExecutionStatus
    action: str  # "failed": this call failed the job; "left": nothing to do; "unknown": no job
    code: str | None = None


def ending_message(change: ExecutionStatusChange) -> str:
    if change.status is ExecutionStatus.TIMED_OUT:
        message = "the render ran longer than its execution may run"
    elif change.status is ExecutionStatus.ABORTED:
        message = "the render's execution was stopped"
    else:
        detail = ": ".join(part for part in (change.error, change.cause) if part)
        message = (
            f"the render's execution failed ({detail})"
            if detail
            else ("the render's execution failed")
        )
    first_line = message.splitlines()[0] if message else message
    return first_line[:MESSAGE_LIMIT]


def reconcile(jobs: JobRepository, change: ExecutionStatusChange) -> Reconciled:
    """Fail the job of an execution that ended badly, unless it already finished."""
    error = ENDINGS.get(change.status)
    job_id = change.job_id
    if error is None:  # the rule forwards the bad endings only; anything else is not ours
        return Reconciled(job_id=job_id, status=change.status, action="left")
    try:
        before = jobs.get(job_id)
    except NotFound:
        logger.warning("execution of an unknown job", job_id=job_id, status=change.status.value)
        return Reconciled(job_id=job_id, status=change.status, action="unknown")
    if before.status.finished:
        return Reconciled(job_id=job_id, status=change.status, action="left")
    job = jobs.fail(job_id, error.code, ending_message(change))
    failed_here = job.error_code == error.code  # ``fail`` emitted only if this call failed it
    logger.info(
        "execution ended outside the pipeline",
        job_id=job_id,
        status=change.status.value,
        code=error.code,
        failed_here=failed_here,
    )
    return Reconciled(
        job_id=job_id,
        status=change.status,
        action="failed" if failed_here else "left",
        code=error.code if failed_here else None,
    )
