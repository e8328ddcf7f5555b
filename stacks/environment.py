"""The environment every function and the render container receive (``CloudSettings``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from estudio.constants import (
    ENV_ARTIFACTS_BUCKET,
    ENV_DROPBOX_BUCKET,
    ENV_EVENTS_QUEUE_URL,
    ENV_OUTPUTS_BUCKET,
    ENV_STATE_MACHINE_ARN,
    ENV_TABLE,
    ENV_UPLOADS_BUCKET,
    ENV_VOICE_SECRET_ARN,
)

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_

    from stacks.storage import DataPlane


def cloud_environment(
    data: DataPlane,
    *,
    events_queue_url: str | None = None,
    state_machine_arn: str | None = None,
) -> dict[str, str]:
    env = {
        "ESTUDIO_RENDER_HOST": "cpu",  # the manifest's rendered_on (the GPU container says gpu)
        ENV_ARTIFACTS_BUCKET: data.artifacts.bucket_name,
        ENV_OUTPUTS_BUCKET: data.outputs.bucket_name,
        ENV_UPLOADS_BUCKET: data.uploads.bucket_name,
        ENV_TABLE: data.table.table_name,
    }
    if events_queue_url:
        env[ENV_EVENTS_QUEUE_URL] = events_queue_url
    if state_machine_arn:
        env[ENV_STATE_MACHINE_ARN] = state_machine_arn
    return env


def group_environment(group: str, data: DataPlane) -> dict[str, str]:
    """What one API group's function adds: the tenant group (export and erasure) is routed to
    the dropbox bucket too, for ``dropbox/{tenant}/``; the upload draws the slide images within
    the API's 29 s answer, or leaves them out."""
    if group == "tenant":
        return {ENV_DROPBOX_BUCKET: data.dropbox.bucket_name}
    if group == "uploads":
        return {"ESTUDIO_SLIDES_UPLOAD_TIMEOUT_S": "18"}
    return {}


def allow_voice_keys(fn: lambda_.Function, data: DataPlane) -> None:
    """The voice keys secret for a function that speaks or lists voices: its ARN in the
    environment and read access to that one secret."""
    fn.add_environment(ENV_VOICE_SECRET_ARN, data.voice_keys.secret_arn)
    role = fn.role
    assert role is not None
    role.add_managed_policy(data.voice_keys_read)
