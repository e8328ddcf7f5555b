"""The render container's CLI, run in-process on this CPU machine."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.jobs import JobRepository
from estudio.models import Plan, RenderOptions, ScenePlan, Speech
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.settings import Settings

ENTRYPOINT = Path(__file__).resolve().parents[3] / "containers" / "render" / "entrypoint.py"


def _entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("estudio_render_entrypoint", ENTRYPOINT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _never_called() -> StageContext:
    raise AssertionError("no context should be built for a refused command line")


@pytest.mark.parametrize(
    "argv",
    [
        ["render-scene", "--job-id", "x", "--index", "0"],  # job id too short
        ["render-scene", "--job-id", "job-0001", "--index", "-1"],
        ["render-scene", "--job-id", "job-0001", "--index", "0", "--options", "{not json"],
        ["render-scene", "--job-id", "job-0001", "--index", "0", "--options", '{"preset": "8k"}'],
        ["render-scene", "--job-id", "job-0001"],
        ["explode"],
    ],
)
def test_given_a_bad_command_line_when_run_then_exit_2_and_a_json_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _entrypoint().main(argv, context_factory=_never_called) == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "invalid_options"


def test_given_no_gpu_when_preflight_runs_then_it_falls_back_to_libx264(
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry = _entrypoint()
    found = entry.preflight(None, "auto", which=lambda name: None)
    assert found == entry.Preflight(gpu=None, encoder="libx264")
    assert entry.main(["preflight"]) == 0
    assert json.loads(capsys.readouterr().out)["encoder"] in ("libx264", "h264_nvenc")


@pytest.mark.slow
def test_given_a_planned_scene_when_rendered_then_the_segment_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    blobs = FolderBlobStore(tmp_path / "blobs")
    jobs = JobRepository(SqliteItemStore(tmp_path / "state.db"))
    job_id = "job-render-0001"
    jobs.create(job_id, "acme", keys.deck(job_id), "deck.pptx", RenderOptions())
    image = tmp_path / "slide.png"
    Image.new("RGB", (320, 180), (20, 90, 160)).save(image)
    blobs.put_file(keys.slide_image(job_id, 1), image)
    plan = Plan(
        width=320,
        height=180,
        fps=30,
        sample_rate=22050,
        scenes=[
            ScenePlan(
                index=0,
                slide_number=1,
                start_s=0.0,
                duration_s=1.0,
                speech_offset_s=0.0,
                speech_duration_s=0.0,
            )
        ],
    )
    blobs.put_bytes(keys.plan(job_id), plan.model_dump_json().encode())
    speech = Speech(
        voice="none", language="pt-BR", written="", spoken="", duration_s=0.0, sample_rate=0
    )
    blobs.put_bytes(keys.speech_model(job_id, 0), speech.model_dump_json().encode())

    def context() -> StageContext:
        return StageContext(
            blobs=blobs, jobs=jobs, settings=Settings(data=tmp_path, encoder="libx264")
        )

    code = _entrypoint().main(
        ["render-scene", "--job-id", job_id, "--index", "0"], context_factory=context
    )

    assert code == 0, capsys.readouterr()
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (result["key"], result["encoder"]) == (keys.segment(job_id, 0), "libx264")
    assert blobs.get_bytes(keys.segment(job_id, 0))[4:8] == b"ftyp"
    assert jobs.get(job_id).items_done == {"render": [0]}
