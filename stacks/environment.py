"""The environment every function and the render container receive (``CloudSettings``)."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3

from estudio.constants import (
    ENV_ARTIFACTS_BUCKET,
    ENV_EVENTS_QUEUE_URL,
    ENV_OUTPUTS_BUCKET,
    ENV_STATE_MACHINE_ARN,
    ENV_TABLE,
    ENV_UPLOADS_BUCKET,
)


def cloud_environment(
    *,
    artifacts: s3.IBucket,
    outputs: s3.IBucket,
    uploads: s3.IBucket,
    table: dynamodb.ITable,
    events_queue_url: str | None = None,
    state_machine_arn: str | None = None,
) -> dict[str, str]:
    env = {
        ENV_ARTIFACTS_BUCKET: artifacts.bucket_name,
        ENV_OUTPUTS_BUCKET: outputs.bucket_name,
        ENV_UPLOADS_BUCKET: uploads.bucket_name,
        ENV_TABLE: table.table_name,
    }
    if events_queue_url:
        env[ENV_EVENTS_QUEUE_URL] = events_queue_url
    if state_machine_arn:
        env[ENV_STATE_MACHINE_ARN] = state_machine_arn
    return env
