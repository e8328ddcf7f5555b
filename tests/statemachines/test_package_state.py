"""The Package state after Publish: entered only when the render asked for packages, and its
result (the outputs with the zips) is then the execution's output."""

from __future__ import annotations

from typing import Any

import pytest

from estudio.models import RenderOptions
from estudio.pipeline.asl import StateMachine
from estudio.pipeline.messages import JobRef
from estudio.pipeline.runner import BATCH_SUBMIT_SYNC, load_definition
from estudio.pipeline.stages import RESOURCES

PUBLISHED = {"manifest_key": "m", "outputs": {"video.mp4": "v"}, "duration_s": 4}
PACKAGED = {"manifest_key": "m", "outputs": {"video.mp4": "v", "scorm12.zip": "z"}, "duration_s": 4}


def run(options: dict[str, Any]) -> tuple[Any, list[Any]]:
    packaged: list[Any] = []

    def package(payload: Any) -> Any:
        JobRef.model_validate(payload)
        packaged.append(payload)
        return PACKAGED

    resources: dict[str, Any] = {
        "local:ParseFunctionArn": lambda _p: {
            "scene_count": 1,
            "language": "pt-BR",
            "scenes": [{"index": 0}],
        },
        "local:RasterizeFunctionArn": lambda _p: {"slides": 1},
        "local:SpeakFunctionArn": lambda p: {"index": p["index"], "duration_s": 1.0, "voice": "v"},
        "local:PlanFunctionArn": lambda _p: {
            "duration_s": 4,
            "scenes": [{"index": 0, "avatar": None}],
        },
        "local:RenderSceneFunctionArn": lambda _p: {"index": 0},
        BATCH_SUBMIT_SYNC: lambda _p: {"JobId": "b"},
        "local:NarrateFunctionArn": lambda _p: {"key": "n", "duration_s": 4},
        "local:AssembleFunctionArn": lambda _p: {"duration_s": 4, "video_key": "k"},
        "local:PublishFunctionArn": lambda _p: PUBLISHED,
        "local:PackageFunctionArn": package,
        "local:FailFunctionArn": lambda _p: pytest.fail("the render failed"),
    }
    machine = StateMachine(load_definition(), resources, sleep=lambda _s: None)
    output = machine.execute({"job_id": "job-1", "deck_key": "d", "options": options})
    return output, packaged


def test_given_packages_then_package_runs_after_publish_and_its_outputs_are_the_result() -> None:
    options = RenderOptions(packages=("storyboard", "scorm12")).model_dump(mode="json")
    output, packaged = run(options)
    assert output == PACKAGED
    assert packaged == [{"job_id": "job-1", "options": options}]
    assert packaged[0]["options"]["packages"] == ["scorm12", "storyboard"]


@pytest.mark.parametrize("options", [RenderOptions().model_dump(mode="json"), {}])
def test_given_no_packages_then_package_never_runs(options: dict[str, Any]) -> None:
    output, packaged = run(options)
    assert output == PUBLISHED
    assert packaged == []


def test_the_package_placeholder_has_its_stage() -> None:
    assert getattr(RESOURCES["PackageFunctionArn"], "stage_name", None) == "package"
