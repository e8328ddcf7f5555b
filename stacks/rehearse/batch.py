"""``arn:aws:states:::batch:submitJob.sync`` run here: the render container's entrypoint
(``containers/render/entrypoint.py``) with the job's command, in the environment the job
definition gives the container (``stacks.render.container_environment``).

What Step Functions hands back is what the integration returns: the job's description (JobId,
Status, Container.ExitCode...) when it succeeds; ``States.TaskFailed`` with that description as
the Cause when the container exits non-zero, as a failed Batch job reaches the execution.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from estudio.observability import logger
from estudio.pipeline.asl import StatesError
from stacks.rehearse.lambdas import EnvironmentLease, load_module, sandbox_environment
from stacks.rehearse.world import ACCOUNT, REGION, World

SUBMIT_JOB_SYNC = "arn:aws:states:::batch:submitJob.sync"
ENTRYPOINT = Path("containers") / "render" / "entrypoint.py"
JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
CONTAINER = "render-container"


class RenderJobs:
    """The render job queue: each submitted job runs the container's command to its end."""

    def __init__(self, root: Path, world: World, scratch: Path, lease: EnvironmentLease) -> None:
        from stacks.render import container_environment

        self.world = world
        self.lease = lease
        data, queue_url = world.data_plane(), world.events_queue_url
        # Each queue's job definition: the GPU host picks its encoder, the CPU fallback libx264.
        self.environments = {
            world.job_queue_arn: sandbox_environment(
                container_environment(data, queue_url, "auto"), CONTAINER, scratch
            ),
            world.cpu_job_queue_arn: sandbox_environment(
                container_environment(data, queue_url, "libx264"), CONTAINER, scratch
            ),
        }
        self._entrypoint_path = root / ENTRYPOINT
        self._entrypoint: Any = None
        self._loading = threading.Lock()
        self.jobs: list[dict[str, Any]] = []

    def _main(self) -> Any:
        with self._loading:  # the image's one entry module, imported once
            if self._entrypoint is None:
                self._entrypoint = load_module(self._entrypoint_path, "rehearse_render_entrypoint")
        return self._entrypoint.main

    def submit_sync(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        name = str(parameters.get("JobName", ""))
        if not JOB_NAME.match(name):
            raise StatesError("Batch.ClientException", f"invalid job name {name!r}")
        queue, definition = parameters.get("JobQueue"), parameters.get("JobDefinition")
        pairs = {
            self.world.job_queue_arn: self.world.job_definition_arn,
            self.world.cpu_job_queue_arn: self.world.cpu_job_definition_arn,
        }
        if queue not in pairs:
            raise StatesError("Batch.ClientException", "JobQueue is not a render queue")
        if definition != pairs[queue]:
            raise StatesError("Batch.ClientException", "JobDefinition is not that queue's job")
        command = list(parameters.get("ContainerOverrides", {}).get("Command", []))
        if not all(isinstance(arg, str) for arg in command):
            raise StatesError("Batch.ClientException", "Command must be a list of strings")
        job_id = str(uuid.uuid4())
        created = int(time.time() * 1000)
        with self.lease.hold(CONTAINER, self.environments[str(queue)]):
            logger.clear_state()  # a fresh container: no Lambda's context in its log lines
            exit_code = int(self._main()(command))
        description = self._describe(job_id, name, command, exit_code, created, str(queue))
        self.jobs.append(description)
        if exit_code != 0:
            raise StatesError("States.TaskFailed", json.dumps(description))
        return description

    def _describe(
        self, job_id: str, name: str, command: list[str], exit_code: int, created: int, queue: str
    ) -> dict[str, Any]:
        """DescribeJobs' shape, with the capitalised keys the Step Functions integration uses."""
        stopped = int(time.time() * 1000)
        status = "SUCCEEDED" if exit_code == 0 else "FAILED"
        container = {
            "Command": command,
            "ExitCode": exit_code,
            "LogStreamName": f"render/default/{job_id.replace('-', '')}",
        }
        description: dict[str, Any] = {
            "JobArn": f"arn:aws:batch:{REGION}:{ACCOUNT}:job/{job_id}",
            "JobId": job_id,
            "JobName": name,
            "JobQueue": queue,
            "JobDefinition": (
                self.world.job_definition_arn
                if queue == self.world.job_queue_arn
                else self.world.cpu_job_definition_arn
            ),
            "Status": status,
            "Attempts": [{"Container": container, "StartedAt": created, "StoppedAt": stopped}],
            "Container": container,
            "CreatedAt": created,
            "StartedAt": created,
            "StoppedAt": stopped,
        }
        if exit_code != 0:
            description["StatusReason"] = "Essential container in task exited"
        return description
