"""Executions on Step Functions. The execution name is the job id, so a job starts once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from estudio.adapters.aws.errors import error_code, translate
from estudio.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient
else:
    SFNClient = Any


def execution_arn(state_machine_arn: str, name: str) -> str:
    """``arn:…:stateMachine:{machine}`` → ``arn:…:execution:{machine}:{name}``."""
    head, sep, machine = state_machine_arn.rpartition(":stateMachine:")
    if not sep:
        raise ValueError(f"not a state machine ARN: {state_machine_arn}")
    return f"{head}:execution:{machine}:{name}"


class StepFunctionsOrchestrator:
    def __init__(self, client: SFNClient, state_machine_arn: str) -> None:
        self.client = client
        self.state_machine_arn = state_machine_arn

    def start(self, job_id: str, payload: Mapping[str, Any]) -> str:
        try:
            response = self.client.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=job_id,
                input=json.dumps(dict(payload)),
            )
        except ClientError as error:
            if error_code(error) == "ExecutionAlreadyExists":
                logger.info("execution already started", job_id=job_id)
                return execution_arn(self.state_machine_arn, job_id)
            raise translate(error, f"execution {job_id}") from error
        except BotoCoreError as error:
            raise translate(error, f"execution {job_id}") from error
        logger.info("execution started", job_id=job_id)
        return str(response["executionArn"])

    def stop(self, job_id: str, reason: str) -> None:
        try:
            self.client.stop_execution(
                executionArn=execution_arn(self.state_machine_arn, job_id), cause=reason[:32768]
            )
        except (ClientError, BotoCoreError) as error:
            raise translate(error, f"execution {job_id}") from error
