"""Translating botocore errors into ``estudio.errors``: callers never see a ``ClientError``."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from estudio.errors import EstudioError, NotFound, StorageUnavailable

NOT_FOUND_CODES = frozenset(
    {
        "404",
        "NoSuchKey",
        "NoSuchBucket",
        "NotFound",
        "ResourceNotFoundException",
        "ExecutionDoesNotExist",
        "StateMachineDoesNotExist",
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
    }
)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def translate(error: ClientError | BotoCoreError, what: str) -> EstudioError:
    """The domain error for a failed AWS call on ``what`` (a key, an item, an execution)."""
    if isinstance(error, ClientError) and error_code(error) in NOT_FOUND_CODES:
        return NotFound(f"not found: {what}")
    code = error_code(error) if isinstance(error, ClientError) else type(error).__name__
    return StorageUnavailable(f"AWS call failed for {what}: {code}", aws_code=code)
