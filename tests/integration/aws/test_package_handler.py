"""The package stage's Lambda handler on moto: a finished render's outputs in, the SCORM zip and
the storyboard in the outputs bucket, the manifest rewritten, the job succeeded."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from PIL import Image

from estudio.adapters.aws.context import cached_adapters
from estudio.jobs import JobStatus
from estudio.models import Deck, Manifest, ManifestScene, Plan, RenderOptions, Scene, ScenePlan
from estudio.pipeline import keys
from tests.events.loader import FakeLambdaContext, load_event, load_handler
from tests.integration.aws.conftest import FakeCloud


def _png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (128, 72), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _finished_render(job_id: str, options: RenderOptions, tmp_path: Path) -> None:
    """What Publish leaves behind for a two-scene render (a real, if tiny, H.264 video)."""
    from estudio.media.ffmpeg import ffmpeg_exe, run_ffmpeg

    adapters = cached_adapters()
    blobs = adapters.blobs
    video = tmp_path / "video.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "color=c=navy:s=128x72:r=2:d=4", "-c:v", "libx264", str(video)],
        ffmpeg_exe(),
    )
    scenes = [
        Scene(index=i, slide_number=i + 1, title=t, script=s, script_source="notes")
        for i, (t, s) in enumerate([("Boas-vindas", "Olá!"), ("Regras", "Use o crachá.")])
    ]
    deck = Deck(
        source_name="treino.pptx",
        slide_width_emu=12192000,
        slide_height_emu=6858000,
        slide_count=2,
        language="pt-BR",
        title="Treino",
        scenes=scenes,
    )
    plan = Plan(
        width=128,
        height=72,
        fps=2,
        sample_rate=24000,
        scenes=[
            ScenePlan(
                index=i,
                slide_number=i + 1,
                start_s=2.0 * i,
                duration_s=2.0,
                speech_offset_s=0.2,
                speech_duration_s=1.5,
            )
            for i in range(2)
        ],
    )
    manifest = Manifest(
        job_id=job_id,
        source_name="treino.pptx",
        language="pt-BR",
        duration_s=4.0,
        width=128,
        height=72,
        fps=2,
        video_codec="h264",
        encoder="libx264",
        subtitles="sidecar",
        scenes=[
            ManifestScene(
                index=s.index,
                slide_number=s.slide_number,
                title=s.title,
                script=s.script,
                spoken=s.script,
                start_s=2.0 * s.index,
                end_s=2.0 * s.index + 2,
                voice="espeak:pt-br",
                script_source="notes",
            )
            for s in scenes
        ],
        outputs={n: n for n in ("video.mp4", "subtitles.vtt", "thumbnail.jpg", "manifest.json")},
        created_at="2026-12-01T12:00:00+00:00",
    )
    blobs.put_bytes(keys.deck_model(job_id), deck.model_dump_json().encode())
    blobs.put_bytes(keys.plan(job_id), plan.model_dump_json().encode())
    for number, color in ((1, "white"), (2, "orange")):
        blobs.put_bytes(keys.slide_image(job_id, number), _png(color), "image/png")
    blobs.put_file(keys.output(job_id, "video.mp4"), video, "video/mp4")
    vtt = "WEBVTT\n\n00:00:00.200 --> 00:00:01.700\nOlá!\n"
    blobs.put_bytes(keys.output(job_id, "subtitles.vtt"), vtt.encode(), "text/vtt")
    buffer = io.BytesIO()
    Image.new("RGB", (128, 72), "white").save(buffer, format="JPEG")
    blobs.put_bytes(keys.output(job_id, "thumbnail.jpg"), buffer.getvalue(), "image/jpeg")
    blobs.put_bytes(keys.output(job_id, "manifest.json"), manifest.model_dump_json().encode())
    adapters.jobs.create(job_id, "acme", keys.deck(job_id), "treino.pptx", options)


def test_given_a_published_render_when_the_package_task_runs_then_the_zips_land_in_outputs(
    cloud: FakeCloud, tmp_path: Path
) -> None:
    event = load_event("sfn_package_task_input")
    job_id = event["job_id"]
    _finished_render(job_id, RenderOptions.model_validate(event["options"]), tmp_path)

    result = load_handler("package").handler(event, FakeLambdaContext())

    assert set(result["outputs"]) >= {"scorm2004.zip", "storyboard.zip", "video.mp4"}
    s3 = cloud.client("s3")
    body = s3.get_object(Bucket=cloud.outputs, Key=keys.output(job_id, "scorm2004.zip"))["Body"]
    with zipfile.ZipFile(io.BytesIO(body.read())) as archive:
        assert {"imsmanifest.xml", "index.html", "video.mp4", "imscp_v1p1.xsd"} <= set(
            archive.namelist()
        )
    board = s3.get_object(Bucket=cloud.outputs, Key=keys.output(job_id, "storyboard.zip"))
    with zipfile.ZipFile(io.BytesIO(board["Body"].read())) as archive:
        assert sorted(n for n in archive.namelist() if n.endswith(".png")) == [
            "scene-001.png",
            "scene-002.png",
        ]
    manifest = json.loads(
        s3.get_object(Bucket=cloud.outputs, Key=keys.output(job_id, "manifest.json"))["Body"].read()
    )
    assert "storyboard.zip" in manifest["outputs"]
    job = cached_adapters().jobs.get(job_id)
    assert job.status == JobStatus.SUCCEEDED and "scorm2004.zip" in job.outputs
