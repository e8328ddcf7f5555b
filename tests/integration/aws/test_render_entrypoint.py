"""The render container's CLI, run in-process on this CPU machine."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import logging
import sys
from pathlib import Path
from types import ModuleType

import pytest

from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.jobs import JobRepository
from estudio.models import Plan, RenderOptions, ScenePlan, Speech
from estudio.observability import SERVICE
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


def test_given_no_gpu_when_preflight_runs_then_it_falls_back_to_libx264_and_says_why(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a host where nvidia-smi is absent (and, on this machine, libcuda too)
    entry = _entrypoint()

    # When the preflight runs
    found = entry.preflight(None, "auto", which=lambda name: None)

    # Then it picks libx264 and the reason names both the missing GPU and ffmpeg's own words
    assert (found.gpu, found.driver, found.encoder) == (None, None, "libx264")
    assert found.reason.startswith("no GPU visible (nvidia-smi); nvenc probe failed: ")
    assert entry.main(["preflight"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["encoder"] in ("libx264", "h264_nvenc") and printed["reason"]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_given_a_gpu_without_nvenc_when_preflight_runs_then_libx264_with_the_driver_logged(
    tmp_path: Path,
) -> None:
    # Given an nvidia-smi that reports a GPU and its driver, and an ffmpeg whose NVENC fails
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'Tesla T4, 550.54.15'\n")
    smi.chmod(0o755)
    entry = _entrypoint()
    records = _Records()
    std = logging.getLogger(SERVICE)  # the standard logger under estudio's Powertools logger
    # Another test in this process may have raised its level or disabled it (logging config).
    level, disabled = std.level, std.disabled
    std.setLevel(logging.INFO)
    std.disabled = False
    std.addHandler(records)

    # When the preflight runs
    try:
        found = entry.preflight(None, "auto", which=lambda name: str(smi))
    finally:
        std.removeHandler(records)
        std.setLevel(level)
        std.disabled = disabled

    # Then the GPU and driver are reported, and the fallback is libx264 for ffmpeg's reason
    assert (found.gpu, found.driver, found.encoder) == ("Tesla T4", "550.54.15", "libx264")
    assert found.reason.startswith("nvenc probe failed: ")
    warning = next(m for m in records.messages if m.startswith("gpu present but nvenc unusable"))
    assert entry.NVENC_MIN_DRIVER in warning and "preflight" in records.messages


def test_given_the_pinned_ffmpeg_then_its_nvenc_driver_floor_is_the_documented_one() -> None:
    # Given the imageio-ffmpeg pin and the driver floor the container and docs state
    entry = _entrypoint()
    root = ENTRYPOINT.parents[2]
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"imageio-ffmpeg=={entry.IMAGEIO_FFMPEG_PIN}"' in pyproject
    assert importlib.metadata.version("imageio-ffmpeg") == entry.IMAGEIO_FFMPEG_PIN

    # Then the bundled ffmpeg's nvenc states that driver next to its NVENC library name
    from estudio.media.ffmpeg import ffmpeg_exe

    binary = Path(ffmpeg_exe()).read_bytes()
    at = binary.find(b"libnvidia-encode.so.1")
    assert at > 0 and b"\0" + entry.NVENC_MIN_DRIVER.encode() + b"\0" in binary[at : at + 256]
    assert b"The minimum required Nvidia driver for nvenc is %s or newer" in binary
    deploy = (root / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert entry.NVENC_MIN_DRIVER in deploy and entry.IMAGEIO_FFMPEG_PIN in deploy


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


@pytest.mark.slow
@pytest.mark.parametrize("planned", ["auto", "h264_nvenc"])
def test_given_a_presenter_scene_on_a_host_without_nvenc_when_rendered_then_libx264_is_recorded(
    planned: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a presenter scene whose plan leaves the encoder to the host (or asks for NVENC),
    # rendered by the container with ESTUDIO_ENCODER=auto, as on Batch, on this GPU-less machine
    from PIL import Image

    from estudio.pipeline.stages import _encoders

    blobs = FolderBlobStore(tmp_path / "blobs")
    jobs = JobRepository(SqliteItemStore(tmp_path / "state.db"))
    job_id = "job-render-0002"
    options = RenderOptions(avatar="ana")
    jobs.create(job_id, "acme", keys.deck(job_id), "deck.pptx", options)
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
        avatar="ana",
        encoder=planned,
    )
    plan = Plan(width=320, height=180, fps=25, sample_rate=22050, scenes=[scene])
    blobs.put_bytes(keys.plan(job_id), plan.model_dump_json().encode())
    speech = Speech(
        voice="none", language="pt-BR", written="", spoken="", duration_s=0.0, sample_rate=0
    )
    blobs.put_bytes(keys.speech_model(job_id, 0), speech.model_dump_json().encode())
    settings = Settings(data=tmp_path, encoder="auto")

    # When the container renders it
    code = _entrypoint().main(
        [
            "render-scene",
            "--job-id",
            job_id,
            "--index",
            "0",
            "--options",
            options.model_dump_json(),
        ],
        context_factory=lambda: StageContext(blobs=blobs, jobs=jobs, settings=settings),
    )

    # Then it encodes with libx264 instead of failing, and records it for the manifest
    assert code == 0, capsys.readouterr()
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["encoder"] == "libx264" and result["gpu"] is None
    info = json.loads(blobs.get_bytes(keys.segment_info(job_id, 0)))
    assert (info["encoder"], info["rendered_on"]) == ("libx264", "cpu")
    ctx = StageContext(blobs=blobs, jobs=jobs, settings=settings)
    assert _encoders(ctx, job_id, plan) == "libx264"


def test_given_segments_recorded_by_different_hosts_then_the_manifest_names_both(
    tmp_path: Path,
) -> None:
    from estudio.pipeline.stages import _encoders

    blobs = FolderBlobStore(tmp_path / "blobs")
    ctx = StageContext(
        blobs=blobs, jobs=JobRepository(SqliteItemStore(tmp_path / "s.db")), settings=Settings()
    )
    scenes = [
        ScenePlan(
            index=i,
            slide_number=i + 1,
            start_s=float(i),
            duration_s=1.0,
            speech_offset_s=0.0,
            speech_duration_s=0.0,
            avatar="ana",
            encoder="auto",
        )
        for i in range(3)
    ]
    plan = Plan(width=320, height=180, fps=25, sample_rate=22050, scenes=scenes)
    for i, encoder in enumerate(["h264_nvenc", "libx264", "h264_nvenc"]):
        info = json.dumps({"encoder": encoder}).encode()
        blobs.put_bytes(keys.segment_info("job-mixed-0001", i), info)

    assert _encoders(ctx, "job-mixed-0001", plan) == "h264_nvenc,libx264"
    assert _encoders(ctx, "job-none-00001", plan) == "libx264"  # before segments recorded it
