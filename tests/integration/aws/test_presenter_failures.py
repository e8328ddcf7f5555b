"""Presenter scenes on the Batch queues: a failed Batch job reaches the job as our own code (the
fail handler on moto, with the Cause Step Functions passes), the container records an input it
refuses, and the segment says where it rendered."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.jobs import JobRepository, JobStatus
from estudio.models import Plan, RenderOptions, ScenePlan, Speech
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.pipeline.messages import SegmentInfo
from estudio.settings import Settings
from tests.events.loader import PROJECT_ROOT, FakeLambdaContext, load_event, load_handler
from tests.integration.aws.conftest import FakeCloud

ENTRYPOINT = PROJECT_ROOT / "containers" / "render" / "entrypoint.py"


def _entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("estudio_render_entrypoint_item6", ENTRYPOINT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("fixture", "code"),
    [
        ("sfn_fail_batch_container_exit", "scene_render_failed"),
        ("sfn_fail_batch_attempt_timeout", "scene_render_timed_out"),
        ("sfn_fail_batch_host_terminated", "render_host_unavailable"),
    ],
)
def test_given_a_failed_batch_job_when_the_fail_stage_runs_then_the_job_gets_our_code(
    cloud: FakeCloud, fixture: str, code: str
) -> None:
    event = load_event(fixture)
    jobs = cached_adapters().jobs
    jobs.create(event["job_id"], "acme", keys.deck(event["job_id"]), "deck.pptx", RenderOptions())

    load_handler("fail").handler(event, FakeLambdaContext())

    job = jobs.get(event["job_id"])
    assert (job.status, job.error_code) == (JobStatus.FAILED, code)
    assert job.error_message and "JobId" not in job.error_message


def test_given_the_container_recorded_a_refusal_then_the_fail_stage_keeps_that_code(
    cloud: FakeCloud,
) -> None:
    event = load_event("sfn_fail_batch_container_exit")
    jobs = cached_adapters().jobs
    jobs.create(event["job_id"], "acme", keys.deck(event["job_id"]), "deck.pptx", RenderOptions())
    jobs.fail(event["job_id"], "unknown_avatar", "unknown avatar 'nobody'")

    load_handler("fail").handler(event, FakeLambdaContext())

    assert jobs.get(event["job_id"]).error_code == "unknown_avatar"


def _planned_job(tmp_path: Path, avatar: str | None) -> tuple[StageContext, str]:
    from PIL import Image

    blobs = FolderBlobStore(tmp_path / "blobs")
    jobs = JobRepository(SqliteItemStore(tmp_path / "state.db"))
    job_id = "job-presenter-0001"
    jobs.create(job_id, "acme", keys.deck(job_id), "deck.pptx", RenderOptions())
    image = tmp_path / "slide.png"
    Image.new("RGB", (320, 180), (20, 90, 160)).save(image)
    blobs.put_file(keys.slide_image(job_id, 1), image)
    scene = ScenePlan(
        index=0,
        slide_number=1,
        start_s=0.0,
        duration_s=1.0,
        speech_offset_s=0.0,
        speech_duration_s=0.0,
        avatar=avatar,
    )
    plan = Plan(width=320, height=180, fps=30, sample_rate=22050, scenes=[scene])
    blobs.put_bytes(keys.plan(job_id), plan.model_dump_json().encode())
    speech = Speech(
        voice="none", language="pt-BR", written="", spoken="", duration_s=0.0, sample_rate=0
    )
    blobs.put_bytes(keys.speech_model(job_id, 0), speech.model_dump_json().encode())
    ctx = StageContext(blobs=blobs, jobs=jobs, settings=Settings(data=tmp_path, encoder="libx264"))
    return ctx, job_id


def test_given_an_unknown_presenter_when_the_container_runs_then_the_job_gets_that_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx, job_id = _planned_job(tmp_path, avatar="nobody")

    code = _entrypoint().main(
        ["render-scene", "--job-id", job_id, "--index", "0"], context_factory=lambda: ctx
    )

    assert code == 2
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["error"]["code"] == (
        "unknown_avatar"
    )
    job = ctx.jobs.get(job_id)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "unknown_avatar")


def test_given_a_host_without_a_gpu_when_the_container_renders_then_it_says_cpu(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx, job_id = _planned_job(tmp_path, avatar=None)
    entry = _entrypoint()
    if entry.gpu_info()[0] is not None:
        pytest.skip("this machine has a GPU: the container would say gpu")

    code = entry.main(
        ["render-scene", "--job-id", job_id, "--index", "0"], context_factory=lambda: ctx
    )

    assert code == 0, capsys.readouterr()
    info = SegmentInfo.model_validate_json(ctx.blobs.get_bytes(keys.segment_info(job_id, 0)))
    assert (info.rendered_on, info.encoder) == ("cpu", "libx264")
