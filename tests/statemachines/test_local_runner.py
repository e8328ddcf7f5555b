"""The local ASL interpreter: what it supports works as documented; the rest is refused."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from estudio.errors import Cancelled, StateMachineError, StorageUnavailable, UnknownVoice
from estudio.pipeline.asl import (
    ExecutionFailed,
    StateMachine,
    apply_template,
    call_intrinsic,
    read_path,
    write_path,
)
from estudio.pipeline.messages import JobInput, JobRef, PlanInput, RenderSceneTask, SceneTask
from estudio.pipeline.runner import BATCH_SUBMIT_SYNC, load_definition


def machine(states: dict[str, Any], resources: dict[str, Any], **options: Any) -> StateMachine:
    return StateMachine(
        {"StartAt": next(iter(states)), "States": states},
        resources,
        sleep=lambda _s: None,
        **options,
    )


def test_paths_read_and_write_like_step_functions() -> None:
    data = {"a": {"b": [10, {"c": 3}]}}
    assert read_path("$.a.b[1].c", data, {}) == 3
    assert read_path("$$.Map.Item.Index", data, {"Map": {"Item": {"Index": 4}}}) == 4
    assert write_path("$.x.y", data, 1) == {"a": {"b": [10, {"c": 3}]}, "x": {"y": 1}}
    assert write_path(None, data, 1) is data
    assert write_path("$", data, 1) == 1


def test_intrinsics_used_by_the_definition_evaluate() -> None:
    data = {"job_id": "j1", "index": 3, "options": {"preset": "720p"}}
    expression = (
        "States.Array('render-scene', '--job-id', $.job_id, '--index', "
        "States.Format('{}', $.index), '--options', States.JsonToString($.options))"
    )
    assert call_intrinsic(expression, data, {}) == [
        "render-scene",
        "--job-id",
        "j1",
        "--index",
        "3",
        "--options",
        '{"preset":"720p"}',
    ]
    assert apply_template(
        {"name.$": "States.Format('r-{}-{}', $.job_id, $.index)", "k": 1}, data, {}
    ) == {"name": "r-j1-3", "k": 1}


def test_transient_errors_are_retried_and_then_succeed() -> None:
    calls: list[int] = []

    def flaky(_payload: Any) -> dict[str, int]:
        calls.append(1)
        if len(calls) < 3:
            raise StorageUnavailable("throttled")
        return {"ok": len(calls)}

    states = {
        "T": {
            "Type": "Task",
            "Resource": "r",
            "End": True,
            "ResultPath": "$.r",
            "Retry": [{"ErrorEquals": ["StorageUnavailable"], "MaxAttempts": 3}],
        }
    }
    assert machine(states, {"r": flaky}).execute({}) == {"r": {"ok": 3}}
    assert len(calls) == 3


def test_deterministic_errors_are_not_retried_and_are_caught() -> None:
    calls: list[int] = []

    def broken(_payload: Any) -> None:
        calls.append(1)
        raise UnknownVoice("no such voice: x")

    states = {
        "T": {
            "Type": "Task",
            "Resource": "r",
            "Next": "Ok",
            "Retry": [{"ErrorEquals": ["StorageUnavailable"], "MaxAttempts": 5}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Bad"}],
        },
        "Ok": {"Type": "Succeed"},
        "Bad": {"Type": "Fail", "Error": "RenderFailed"},
    }
    sm = machine(states, {"r": broken})
    with pytest.raises(ExecutionFailed) as failure:
        sm.execute({})
    assert len(calls) == 1
    assert failure.value.caught == ("UnknownVoice", "no such voice: x")
    assert isinstance(sm.caught_error, UnknownVoice)


def test_map_runs_items_in_parallel_within_max_concurrency_and_keeps_order() -> None:
    running, peak, lock = [0], [0], threading.Lock()

    def work(payload: dict[str, Any]) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return int(payload["i"]) * 10

    states = {
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 3,
            "End": True,
            "ItemSelector": {"i.$": "$$.Map.Item.Value", "tag.$": "$.tag"},
            "ItemProcessor": {
                "StartAt": "W",
                "States": {"W": {"Type": "Task", "Resource": "w", "End": True}},
            },
        }
    }
    result = machine(states, {"w": work}, max_workers=8).execute(
        {"items": list(range(9)), "tag": "x"}
    )
    assert result == [i * 10 for i in range(9)]
    assert 2 <= peak[0] <= 3


def test_choice_routes_on_presence_and_null() -> None:
    states = {
        "C": {
            "Type": "Choice",
            "Default": "Plain",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.avatar", "IsPresent": True},
                        {"Variable": "$.avatar", "IsNull": False},
                    ],
                    "Next": "Fancy",
                }
            ],
        },
        "Plain": {"Type": "Pass", "Result": "plain", "End": True},
        "Fancy": {"Type": "Pass", "Result": "fancy", "End": True},
    }
    sm = machine(states, {})
    assert sm.execute({"avatar": "ana"}) == "fancy"
    assert sm.execute({"avatar": None}) == "plain"
    assert sm.execute({}) == "plain"


@pytest.mark.parametrize(
    "state",
    [
        {"Type": "Parallel", "Branches": [], "End": True},
        {
            "Type": "Parallel",
            "End": True,
            "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Wait"}}}],
        },
        {"Type": "Wait", "Seconds": 1, "End": True},
        {"Type": "Task", "Resource": "r", "End": True, "Credentials": {}},
        {
            "Type": "Task",
            "Resource": "r",
            "End": True,
            "Retry": [{"ErrorEquals": ["X"], "Bogus": 1}],
        },
        {
            "Type": "Map",
            "End": True,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED"},
                "StartAt": "A",
                "States": {"A": {"Type": "Succeed"}},
            },
        },
        {"Type": "Task", "Resource": "r", "Next": "Nowhere"},
    ],
)
def test_unsupported_definitions_are_refused_at_load(state: dict[str, Any]) -> None:
    with pytest.raises(StateMachineError):
        machine({"S": state}, {})


def test_cancel_stops_before_the_next_state() -> None:
    cancel = threading.Event()

    def first(_payload: Any) -> None:
        cancel.set()

    states = {
        "A": {"Type": "Task", "Resource": "a", "Next": "B"},
        "B": {"Type": "Task", "Resource": "b", "End": True},
    }
    with pytest.raises(Cancelled):
        machine(
            states, {"a": first, "b": lambda _p: pytest.fail("ran after cancel")}, cancel=cancel
        ).execute({})


def test_the_render_definition_runs_end_to_end_and_each_stage_gets_its_message() -> None:
    """Run the real definition with recording resources: every payload must validate as the
    stage's message model, and the presenter branch goes to the Batch task."""
    seen: dict[str, list[Any]] = {}

    def record(name: str, model: Any, result: Any) -> Any:
        def resource(payload: Any) -> Any:
            if model is not None:
                model.model_validate(payload)
            seen.setdefault(name, []).append(payload)
            return result(payload) if callable(result) else result

        return resource

    options = {"preset": "720p", "subtitles": "sidecar", "avatar": "ana"}
    resources = {
        "local:ParseFunctionArn": record(
            "parse",
            JobInput,
            {"scene_count": 2, "language": "pt-BR", "scenes": [{"index": 0}, {"index": 1}]},
        ),
        "local:RasterizeFunctionArn": record("rasterize", JobRef, {"slides": 2}),
        "local:SpeakFunctionArn": record(
            "speak", SceneTask, lambda p: {"index": p["index"], "duration_s": 1.0, "voice": "v"}
        ),
        "local:PlanFunctionArn": record(
            "plan",
            PlanInput,
            {
                "duration_s": 4,
                "scenes": [{"index": 0, "avatar": None}, {"index": 1, "avatar": "ana"}],
            },
        ),
        "local:RenderSceneFunctionArn": record("render", RenderSceneTask, {"index": 0}),
        BATCH_SUBMIT_SYNC: record("batch", None, {"JobId": "b-1"}),
        "local:NarrateFunctionArn": record("narrate", JobRef, {"key": "n", "duration_s": 4}),
        "local:AssembleFunctionArn": record(
            "assemble", JobRef, {"duration_s": 4, "video_key": "k"}
        ),
        "local:PublishFunctionArn": record(
            "publish", JobRef, {"manifest_key": "m", "outputs": {}, "duration_s": 4}
        ),
        "local:FailFunctionArn": record("fail", None, None),
    }
    sm = StateMachine(load_definition(), resources, sleep=lambda _s: None)
    output = sm.execute({"job_id": "job-123", "deck_key": "d", "options": options})
    assert output == {"manifest_key": "m", "outputs": {}, "duration_s": 4}
    assert [p["index"] for p in seen["speak"]] == [0, 1]
    assert seen["render"][0]["index"] == 0 and len(seen["render"]) == 1
    command = seen["batch"][0]["ContainerOverrides"]["Command"]
    assert command[:5] == ["render-scene", "--job-id", "job-123", "--index", "1"]
    assert seen["batch"][0]["JobQueue"] == "local:RenderJobQueueArn"
    assert "fail" not in seen


def test_a_failing_stage_reaches_the_failure_state_with_its_error() -> None:
    recorded: list[Any] = []

    def parse(_payload: Any) -> None:
        raise UnknownVoice("no such voice")

    resources: dict[str, Any] = {
        f"local:{n}": (lambda p: {})
        for n in (
            "RasterizeFunctionArn",
            "SpeakFunctionArn",
            "PlanFunctionArn",
            "RenderSceneFunctionArn",
            "AssembleFunctionArn",
            "PublishFunctionArn",
        )
    }
    resources["local:ParseFunctionArn"] = parse
    resources["local:FailFunctionArn"] = recorded.append
    sm = StateMachine(load_definition(), resources, sleep=lambda _s: None)
    with pytest.raises(ExecutionFailed):
        sm.execute({"job_id": "job-9", "deck_key": "d", "options": {}})
    assert recorded == [
        {"job_id": "job-9", "error": {"Error": "UnknownVoice", "Cause": "no such voice"}}
    ]


def test_parallel_branches_run_at_once_and_return_their_outputs_in_order() -> None:
    barrier = threading.Barrier(2, timeout=5)

    def meet(payload: dict[str, Any]) -> str:
        barrier.wait()  # both branches must be running at the same time to get past this
        return str(payload["x"])

    branch = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "t", "End": True}}}
    states = {
        "P": {"Type": "Parallel", "Branches": [branch, branch], "ResultPath": "$.out", "End": True}
    }
    assert machine(states, {"t": meet}).execute({"x": 1}) == {"x": 1, "out": ["1", "1"]}


def test_a_failing_branch_fails_the_parallel_state_into_its_catch() -> None:
    def boom(_payload: Any) -> None:
        raise UnknownVoice("nope")

    ok = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "ok", "End": True}}}
    bad = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "bad", "End": True}}}
    states = {
        "P": {
            "Type": "Parallel",
            "Branches": [ok, bad],
            "Next": "Fine",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
        },
        "Fine": {"Type": "Succeed"},
        "Caught": {"Type": "Pass", "End": True},
    }
    out = machine(states, {"ok": lambda _p: 1, "bad": boom}).execute({})
    assert out["error"]["Error"] == "UnknownVoice"


def test_given_an_error_no_catch_sees_when_run_locally_then_the_job_is_failed_anyway(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """States.Runtime passes every Catch (so RecordFailure never runs): the runner fails the
    job itself, as the cloud's execution-status reconciler does."""
    from estudio.adapters.local import FolderBlobStore, SqliteItemStore
    from estudio.errors import EstudioError
    from estudio.jobs import JobRepository, JobStatus
    from estudio.models import RenderOptions
    from estudio.pipeline import runner
    from estudio.pipeline.context import StageContext
    from estudio.settings import Settings

    jobs = JobRepository(SqliteItemStore(tmp_path / "state.db"))
    jobs.create("job-runtime-1", "acme", "decks/d.pptx", "d.pptx", RenderOptions())
    ctx = StageContext(
        blobs=FolderBlobStore(tmp_path / "blobs"), jobs=jobs, settings=Settings(data=tmp_path)
    )
    from estudio.pipeline.stages import RESOURCES

    stub: dict[str, Any] = {f"local:{name}": (lambda p: {}) for name in RESOURCES}
    stub["local:ParseFunctionArn"] = lambda p: {"scene_count": 0}  # no "scenes": ItemsPath fails
    monkeypatch.setattr(runner, "local_resources", lambda _ctx: stub)

    with pytest.raises(EstudioError):
        runner.run_job(ctx, {"job_id": "job-runtime-1", "deck_key": "decks/d.pptx", "options": {}})

    job = jobs.get("job-runtime-1")
    assert (job.status, job.error_code) == (JobStatus.FAILED, "execution_failed")
    assert "States.Runtime" in (job.error_message or "")
