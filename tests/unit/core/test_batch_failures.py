"""A failed Batch job's description (Step Functions' ``Cause``) becomes our own error code."""

from __future__ import annotations

import pytest

from estudio.pipeline.failures import batch_failure
from tests.events.loader import load_event


@pytest.mark.parametrize(
    ("fixture", "code", "words"),
    [
        ("sfn_fail_batch_container_exit", "scene_render_failed", "exit code 1"),
        ("sfn_fail_batch_attempt_timeout", "scene_render_timed_out", "scene 3"),
        ("sfn_fail_batch_host_terminated", "render_host_unavailable", "terminated"),
    ],
)
def test_given_a_failed_batch_job_then_its_cause_becomes_a_stable_code(
    fixture: str, code: str, words: str
) -> None:
    error = load_event(fixture)["error"]

    found = batch_failure(error["Error"], error["Cause"])

    assert found is not None
    assert found.code == code
    assert words in found.message
    assert "\n" not in found.message and "{" not in found.message  # no JSON blob


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("CorruptDeck", '{"errorMessage": "bad zip", "errorType": "CorruptDeck"}'),
        ("States.TaskFailed", "not json"),
        ("States.TaskFailed", '{"errorMessage": "a Lambda task failed"}'),
    ],
)
def test_given_anything_else_then_it_is_not_a_batch_failure(name: str, cause: str) -> None:
    assert batch_failure(name, cause) is None
