"""The reconciler handler with real "Step Functions Execution Status Change" events, on moto:
a job whose execution ended outside the pipeline is failed once, with a stable code."""

from __future__ import annotations

import json
from typing import Any

import pytest

from estudio.adapters.aws.context import cached_adapters
from estudio.errors import InvalidOptions
from estudio.jobs import JobStatus
from estudio.models import RenderOptions
from estudio.pipeline import keys
from tests.events.loader import FakeLambdaContext, load_event, load_handler
from tests.integration.aws.conftest import FakeCloud, queue_messages


def _running_job(event: dict[str, Any]) -> str:
    job_id = str(event["detail"]["name"])
    jobs = cached_adapters().jobs
    jobs.create(job_id, "acme", keys.deck(job_id), "nr10.pptx", RenderOptions())
    jobs.start_stage(job_id, "render")
    return job_id


def _event_types(cloud: FakeCloud) -> list[str]:
    return [json.loads(record["body"])["type"] for record in queue_messages(cloud)]


@pytest.mark.parametrize(
    ("fixture", "code"),
    [
        ("sfn_execution_failed", "execution_failed"),
        ("sfn_execution_timed_out", "execution_timed_out"),
        ("sfn_execution_aborted", "cancelled"),
    ],
)
def test_given_a_running_job_when_its_execution_ends_badly_twice_then_it_fails_once(
    cloud: FakeCloud, fixture: str, code: str
) -> None:
    event = load_event(fixture)
    job_id = _running_job(event)
    queue_messages(cloud)  # drain render.queued / render.started
    reconcile = load_handler("reconcile")

    first = reconcile.handler(event, FakeLambdaContext())
    second = reconcile.handler(event, FakeLambdaContext())  # EventBridge delivers at least once

    job = cached_adapters().jobs.get(job_id)
    assert job.status == JobStatus.FAILED
    assert job.error_code == code
    assert job.error_message and "\n" not in job.error_message
    assert first == {
        "job_id": job_id,
        "status": event["detail"]["status"],
        "action": "failed",
        "code": code,
    }
    assert second["action"] == "left"
    assert _event_types(cloud) == ["render.failed"]


def test_given_a_failed_execution_then_the_message_names_the_uncatchable_error(
    cloud: FakeCloud,
) -> None:
    event = load_event("sfn_execution_failed")
    job_id = _running_job(event)

    load_handler("reconcile").handler(event, FakeLambdaContext())

    message = cached_adapters().jobs.get(job_id).error_message or ""
    assert "States.DataLimitExceeded" in message


def test_given_a_job_the_pipeline_already_failed_then_its_own_code_stays(
    cloud: FakeCloud,
) -> None:
    event = load_event("sfn_execution_failed")
    job_id = _running_job(event)
    jobs = cached_adapters().jobs
    jobs.fail(job_id, "corrupt_deck", "the deck is not a valid zip file")  # RecordFailure did
    queue_messages(cloud)

    result = load_handler("reconcile").handler(event, FakeLambdaContext())

    job = jobs.get(job_id)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "corrupt_deck")
    assert result["action"] == "left"
    assert _event_types(cloud) == []


@pytest.mark.parametrize("finish", ["succeed", "cancel"])
def test_given_a_finished_job_when_an_ending_arrives_then_it_is_left_alone(
    cloud: FakeCloud, finish: str
) -> None:
    event = load_event("sfn_execution_aborted")
    job_id = _running_job(event)
    jobs = cached_adapters().jobs
    if finish == "succeed":
        jobs.succeed(job_id, {"video.mp4": keys.output(job_id, "video.mp4")}, 12.5)
    else:
        jobs.cancel(job_id)  # the user's DELETE stopped the execution: ABORTED follows
    before = jobs.get(job_id)
    queue_messages(cloud)

    result = load_handler("reconcile").handler(event, FakeLambdaContext())

    after = jobs.get(job_id)
    assert (after.status, after.error_code, after.version) == (
        before.status,
        before.error_code,
        before.version,
    )
    assert result["action"] == "left"
    assert _event_types(cloud) == []


def test_given_an_execution_of_no_known_job_then_nothing_is_written(cloud: FakeCloud) -> None:
    event = load_event("sfn_execution_timed_out")

    result = load_handler("reconcile").handler(event, FakeLambdaContext())

    assert result["action"] == "unknown"
    assert _event_types(cloud) == []


def test_given_another_event_when_handled_then_it_is_refused_with_a_stable_code(
    cloud: FakeCloud,
) -> None:
    event = load_event("eventbridge_object_created_dropbox")

    with pytest.raises(InvalidOptions) as raised:
        load_handler("reconcile").handler(event, FakeLambdaContext())
    assert raised.value.code == "invalid_options"


def test_given_a_failed_job_when_failed_again_with_the_same_code_then_one_event_goes_out(
    cloud: FakeCloud,
) -> None:
    event = load_event("sfn_execution_failed")
    job_id = _running_job(event)
    jobs = cached_adapters().jobs
    queue_messages(cloud)

    jobs.fail(job_id, "render_failed", "boom")
    jobs.fail(job_id, "render_failed", "boom")  # a retried RecordFailure

    assert _event_types(cloud) == ["render.failed"]
