"""The pipeline definition itself: retries only transient errors, every failure is caught."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from estudio.errors import transient_error_names
from estudio.pipeline.asl import validate
from estudio.pipeline.stages import RESOURCES

DEFINITION = Path(__file__).parents[2] / "statemachines" / "render.asl.json"


def load() -> dict[str, Any]:
    return json.loads(DEFINITION.read_text(encoding="utf-8"))


def tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state
        if state["Type"] == "Map":
            yield from tasks(state["ItemProcessor"]["States"])
        if state["Type"] == "Parallel":
            for branch in state["Branches"]:
                yield from tasks(branch["States"])


def test_the_definition_is_valid_for_the_local_runner() -> None:
    validate(load())


def test_every_lambda_task_retries_exactly_the_transient_errors_never_all() -> None:
    for name, state in tasks(load()["States"]):
        retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
        assert "States.ALL" not in retried, name
        assert "States.TaskFailed" not in retried, name
        if state["Resource"].startswith("${"):
            assert set(transient_error_names()) <= retried, name
            assert "Lambda.ServiceException" in retried, name
            assert (
                not retried
                - set(transient_error_names())
                - {
                    "Lambda.ServiceException",
                    "Lambda.AWSLambdaException",
                    "Lambda.SdkClientException",
                    "Lambda.TooManyRequestsException",
                }
            ), name
        for retrier in state.get("Retry", []):
            assert retrier.get("JitterStrategy") == "FULL" and retrier["BackoffRate"] > 1, name


def test_every_top_level_work_state_is_caught_into_the_one_failure_state() -> None:
    states = load()["States"]
    for name, state in states.items():
        if state["Type"] in ("Task", "Map", "Parallel") and name != "RecordFailure":
            catchers = state.get("Catch", [])
            assert catchers and catchers[-1]["ErrorEquals"] == ["States.ALL"], name
            assert catchers[-1]["Next"] == "RecordFailure", name
    assert states["RecordFailure"]["Next"] == "Failed"
    assert states["Failed"]["Type"] == "Fail"


def test_every_placeholder_has_a_local_stage_or_is_a_batch_resource() -> None:
    placeholders = set(re.findall(r"\$\{(\w+)\}", DEFINITION.read_text(encoding="utf-8")))
    batch = {
        "RenderJobQueueArn",
        "RenderJobDefinitionArn",
        "RenderCpuJobQueueArn",
        "RenderCpuJobDefinitionArn",
    }
    assert placeholders - batch == set(RESOURCES)
