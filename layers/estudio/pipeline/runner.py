"""Run the pipeline on this machine by executing ``statemachines/render.asl.json`` in-process.

Each ``${...}ARN`` placeholder resolves to the stage function CDK would point it at; the Batch
``submitJob.sync`` task runs the render container's command in-process. Map iterations run on a
thread pool (the heavy work happens in LibreOffice/ffmpeg/espeak subprocesses).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from estudio.errors import Cancelled, EstudioError, StateMachineError
from estudio.observability import logger
from estudio.pipeline.asl import ExecutionFailed, StateMachine
from estudio.pipeline.context import StageContext
from estudio.pipeline.stages import RESOURCES, StageFunction, render_scene_file

BATCH_SUBMIT_SYNC = "arn:aws:states:::batch:submitJob.sync"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def definition_path() -> Path:
    """The one pipeline definition, at the project root beside ``layers/``."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "statemachines" / "render.asl.json"
        if candidate.is_file():
            return candidate
    raise StateMachineError("statemachines/render.asl.json not found beside the package")


def load_definition(path: Path | None = None) -> dict[str, Any]:
    """Substitute placeholders as CDK does: each ``${Name}`` becomes ``local:Name``."""
    text = (path or definition_path()).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(_PLACEHOLDER.sub(lambda m: f"local:{m.group(1)}", text))
    return loaded


def local_resources(ctx: StageContext) -> dict[str, Callable[[Any], Any]]:
    def bind(stage: StageFunction) -> Callable[[Any], Any]:
        return lambda payload: stage(ctx, payload)

    resources = {f"local:{name}": bind(fn) for name, fn in RESOURCES.items()}
    resources[BATCH_SUBMIT_SYNC] = lambda parameters: _run_container(ctx, parameters)
    return resources


def _run_container(ctx: StageContext, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The presenter branch: what the Batch job's container would run, run here."""
    command = list(parameters["ContainerOverrides"]["Command"])
    if not command or command[0] != "render-scene":
        raise StateMachineError(f"unknown container command {command[:1]}")
    args = dict(zip(command[1::2], command[2::2], strict=False))
    job_id, index = args["--job-id"], int(args["--index"])
    render_scene_file(ctx, job_id, index, json.loads(args.get("--options", "{}")))
    return {
        "JobId": f"local-{job_id}-{index}",
        "JobName": parameters.get("JobName"),
        "Status": "SUCCEEDED",
    }


def run_job(
    ctx: StageContext,
    job_input: Mapping[str, Any],
    cancel: threading.Event | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Execute the pipeline for one job. On failure the job is already marked failed (the ASL's
    failure state did it) and the original domain error is raised."""
    machine = StateMachine(
        load_definition(),
        local_resources(ctx),
        max_workers=workers or ctx.settings.workers or os.cpu_count() or 2,
        cancel=cancel or threading.Event(),
    )
    job_id = str(job_input["job_id"])
    try:
        output: dict[str, Any] = machine.execute(dict(job_input), execution_id=job_id)
        return output
    except Cancelled:
        ctx.jobs.cancel(job_id)
        raise
    except ExecutionFailed as failed:
        if failed.caught is None:  # ended past every Catch (States.Runtime, the execution timeout)
            code = "execution_timed_out" if failed.error == "States.Timeout" else "execution_failed"
            ctx.jobs.fail(job_id, code, f"{failed.error}: {failed.cause}"[:500])
        original = machine.caught_error
        if isinstance(original, EstudioError):
            raise original from None
        name, cause = failed.caught or (failed.error, failed.cause)
        raise EstudioError(f"{name}: {cause}") from original


class LocalOrchestrator:
    """``ports.Orchestrator`` for the embedded mode: executions on background threads."""

    def __init__(self, context: Callable[[], StageContext], workers: int = 1) -> None:
        self._context = context
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render")
        self._runs: dict[str, tuple[Future[Any], threading.Event]] = {}
        self._lock = threading.Lock()

    def start(self, job_id: str, payload: Mapping[str, Any]) -> str:
        with self._lock:
            if job_id in self._runs:  # the same job twice starts one execution
                return job_id
            cancel = threading.Event()
            future = self._pool.submit(self._execute, dict(payload), cancel)
            self._runs[job_id] = (future, cancel)
        return job_id

    def _execute(self, payload: dict[str, Any], cancel: threading.Event) -> None:
        try:
            run_job(self._context(), payload, cancel=cancel)
        except EstudioError as error:
            logger.info("render ended with an error", job_id=payload.get("job_id"), code=error.code)

    def stop(self, job_id: str, reason: str) -> None:
        with self._lock:
            run = self._runs.get(job_id)
        if run:
            run[1].set()

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        with self._lock:
            run = self._runs.get(job_id)
        if run:
            run[0].result(timeout=timeout)

    def shutdown(self, wait: bool = True) -> None:
        for _, cancel in self._runs.values():
            if not wait:
                cancel.set()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
