"""The presenter branch of the real definition, run by the local interpreter: a GPU task that
times out (``States.Timeout``, as Step Functions raises it at ``TimeoutSeconds``) hands the scene
to the CPU queue with the same command; a Batch job that failed does not."""

from __future__ import annotations

from typing import Any

import pytest

from estudio.pipeline.asl import ExecutionFailed, StateMachine
from estudio.pipeline.runner import BATCH_SUBMIT_SYNC, load_definition

GPU_QUEUE = "local:RenderJobQueueArn"
CPU_QUEUE = "local:RenderCpuJobQueueArn"


def _sfn_error(name: str) -> type[Exception]:
    """An exception whose class name is a Step Functions error name (``States.Timeout``)."""
    return type(name, (Exception,), {})


def _resources(batch: Any, failures: list[Any]) -> dict[str, Any]:
    return {
        "local:ParseFunctionArn": lambda p: {
            "scene_count": 1,
            "language": "pt-BR",
            "scenes": [{"index": 0}],
        },
        "local:RasterizeFunctionArn": lambda p: {"slides": 1},
        "local:SpeakFunctionArn": lambda p: {"index": 0, "duration_s": 1.0, "voice": "v"},
        "local:PlanFunctionArn": lambda p: {
            "duration_s": 1,
            "scenes": [{"index": 0, "avatar": "ana"}],
        },
        "local:RenderSceneFunctionArn": lambda p: {"index": 0},
        BATCH_SUBMIT_SYNC: batch,
        "local:NarrateFunctionArn": lambda p: {"key": "n", "duration_s": 1},
        "local:AssembleFunctionArn": lambda p: {"duration_s": 1, "video_key": "k"},
        "local:PublishFunctionArn": lambda p: {"manifest_key": "m", "outputs": {}, "duration_s": 1},
        "local:FailFunctionArn": failures.append,
    }


def _run(batch: Any, failures: list[Any]) -> Any:
    machine = StateMachine(load_definition(), _resources(batch, failures), sleep=lambda _s: None)
    return machine.execute({"job_id": "job-123", "deck_key": "d", "options": {"avatar": "ana"}})


def test_given_no_gpu_host_in_time_then_the_scene_renders_on_the_cpu_queue() -> None:
    submitted: list[dict[str, Any]] = []
    failures: list[Any] = []

    def batch(parameters: dict[str, Any]) -> dict[str, Any]:
        submitted.append(parameters)
        if parameters["JobQueue"] == GPU_QUEUE:
            raise _sfn_error("States.Timeout")("Task timed out")
        return {"JobId": "cpu-1"}

    output = _run(batch, failures)

    assert output["manifest_key"] == "m" and failures == []
    gpu, cpu = submitted
    assert (gpu["JobQueue"], cpu["JobQueue"]) == (GPU_QUEUE, CPU_QUEUE)
    assert cpu["JobDefinition"] == "local:RenderCpuJobDefinitionArn"
    assert cpu["ContainerOverrides"]["Command"] == gpu["ContainerOverrides"]["Command"]
    assert cpu["JobName"] == "render-cpu-job-123-0"


def test_given_a_failed_batch_job_then_it_is_not_retried_on_cpu_but_recorded() -> None:
    submitted: list[dict[str, Any]] = []
    failures: list[Any] = []

    def batch(parameters: dict[str, Any]) -> dict[str, Any]:
        submitted.append(parameters)
        raise _sfn_error("States.TaskFailed")('{"JobId": "b-1", "Status": "FAILED"}')

    with pytest.raises(ExecutionFailed):
        _run(batch, failures)

    assert [p["JobQueue"] for p in submitted] == [GPU_QUEUE]
    (failure,) = failures
    assert failure["error"]["Error"] == "States.TaskFailed"
