"""A failed AWS Batch job, as Step Functions reports it, turned into our own error.

``batch:submitJob.sync`` fails with ``States.TaskFailed`` and, as ``Cause``, the JSON of the
job's description (``DescribeJobs``): its ``StatusReason``, its attempts and the container's exit
code. The fail stage reads that instead of storing the blob as ``internal_error``:

- the attempt ran past the job definition's timeout → ``scene_render_timed_out``;
- the container never ran or its host went away (no exit code: image pull, host terminated,
  capacity) → ``render_host_unavailable``;
- the container exited non-zero → ``scene_render_failed`` (exit 2 is an input the container
  refused; it has recorded the exact code on the job itself, which the fail stage keeps).
"""

from __future__ import annotations

import json
from typing import Any

from estudio.errors import (
    EstudioError,
    RenderHostUnavailable,
    SceneRenderFailed,
    SceneRenderTimedOut,
)

TASK_FAILED = "States.TaskFailed"
TIMEOUT_REASON = "Job attempt duration exceeded timeout"
MESSAGE_LIMIT = 300


def _batch_job(cause: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(cause)
    except (TypeError, ValueError):
        return None
    if isinstance(parsed, dict) and "JobId" in parsed and "Status" in parsed:
        return parsed
    return None


def _scene(job: dict[str, Any]) -> str:
    """``render-<job>-<index>`` (or ``render-cpu-…``): "scene <index>"."""
    name = str(job.get("JobName", ""))
    index = name.rsplit("-", 1)[-1]
    return f"scene {index}" if index.isdigit() else "a presenter scene"


def batch_failure(error: str, cause: str) -> EstudioError | None:
    """Our error for a failed Batch job's ``Cause``; None when it is not one."""
    if error != TASK_FAILED:
        return None
    job = _batch_job(cause)
    if job is None:
        return None
    attempts = job.get("Attempts") or []
    last = attempts[-1] if attempts and isinstance(attempts[-1], dict) else {}
    container = job.get("Container") or last.get("Container") or {}
    reason = str(job.get("StatusReason") or last.get("StatusReason") or "")
    detail = (
        str(container.get("Reason") or reason).splitlines()[0]
        if (container.get("Reason") or reason)
        else ""
    )
    scene = _scene(job)
    exit_code = container.get("ExitCode")
    if TIMEOUT_REASON.casefold() in reason.casefold():
        return SceneRenderTimedOut(
            f"{scene} ran longer than the render job may run"[:MESSAGE_LIMIT]
        )
    if exit_code is None:
        return RenderHostUnavailable(
            f"no render host could run {scene}: {detail or 'the job never started'}"[:MESSAGE_LIMIT]
        )
    return SceneRenderFailed(
        f"the render container failed on {scene} (exit code {exit_code})"
        + (f": {detail}" if detail else "")
    )
