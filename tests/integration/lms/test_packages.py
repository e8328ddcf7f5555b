"""The bundled example rendered with ``--package scorm12,scorm2004 --package storyboard --quiz``:
three zips, each manifest valid against the XSDs inside its own package, every file listed, the
answers nowhere in plain text, and a storyboard with one image per scene."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from PIL import Image

from estudio.lms.manifest import NS12, NS2004, SCHEMA_FILES, ScormVersion, validate_manifest
from estudio.lms.quiz import answer_digest
from tests.integration.lms.rendering import EXAMPLE, QUIZ, render_with_packages

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("render")]
Rendered = tuple[Path, dict[str, Any]]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render_with_packages(tmp_path_factory.mktemp("lms"), EXAMPLE, "--keep-intermediates")


def unzip(path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        archive.extractall(dest)
    return dest


def course_data(folder: Path) -> dict[str, Any]:
    text = (folder / "course.js").read_text(encoding="utf-8")
    prefix = "window.ESTUDIO_COURSE = "
    assert text.startswith(prefix)
    data: dict[str, Any] = json.loads(text[len(prefix) :].rstrip().rstrip(";"))
    return data


def test_the_render_lists_the_three_packages_in_its_outputs_and_manifest(
    rendered: Rendered,
) -> None:
    out, summary = rendered
    zips = ["scorm12.zip", "scorm2004.zip", "storyboard.zip"]
    for name in zips:
        assert (out / name).stat().st_size > 0
        assert summary["outputs"][name] == str(out / name)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["outputs"])[-3:] == zips
    assert manifest["stage_seconds"]["package"] > 0
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "staging leftovers"


def test_the_job_succeeds_only_once_its_packages_are_stored(rendered: Rendered) -> None:
    from estudio.jobs import JobStatus
    from estudio.local import local_context
    from estudio.settings import Settings

    out, summary = rendered
    job = local_context(Settings(data=out.parent / "data")).jobs.get(summary["job_id"])
    assert job.status == JobStatus.SUCCEEDED and job.progress == 100
    assert {"scorm12.zip", "scorm2004.zip", "storyboard.zip"} <= set(job.outputs)
    assert "package" in job.stage_seconds


@pytest.mark.parametrize("version", ["scorm12", "scorm2004"])
def test_each_scorm_package_validates_and_lists_every_file_it_uses(
    rendered: Rendered, version: ScormVersion, tmp_path: Path
) -> None:
    out, _ = rendered
    folder = unzip(out / f"{version}.zip", tmp_path)
    xml = (folder / "imsmanifest.xml").read_bytes()
    validate_manifest(xml, version, schema_dir=folder)  # the XSDs the package itself carries
    for name in SCHEMA_FILES[version]:
        assert (folder / name).is_file(), name
    ns = NS12 if version == "scorm12" else NS2004
    root = etree.fromstring(xml)
    listed = [f.get("href") for f in root.iterfind(f".//{{{ns[None]}}}file")]
    members = {p.name for p in folder.iterdir()}
    assert set(listed) <= members
    assert members - set(listed) == {"imsmanifest.xml", *SCHEMA_FILES[version]}
    assert (folder / "video.mp4").read_bytes() == (out / "video.mp4").read_bytes()
    assert (folder / "subtitles.vtt").read_bytes() == (out / "subtitles.vtt").read_bytes()


@pytest.mark.parametrize("version", ["scorm12", "scorm2004"])
def test_the_player_gets_chapters_per_scene_and_the_quiz_without_its_answers(
    rendered: Rendered, version: str, tmp_path: Path
) -> None:
    out, _ = rendered
    folder = unzip(out / f"{version}.zip", tmp_path)
    data = course_data(folder)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert data["scorm"] == version and data["labels"] == "pt"
    assert data["completion_percent"] == 90 and data["commit_every_s"] == 30
    assert [(c["title"], c["start_s"]) for c in data["chapters"]] == [
        (s["title"], s["start_s"]) for s in manifest["scenes"]
    ]
    quiz = data["quiz"]
    assert quiz["pass_percent"] == QUIZ["pass_percent"]
    for number, (question, source) in enumerate(
        zip(quiz["questions"], QUIZ["questions"], strict=True)
    ):
        right = source["answer"]
        assert question["choices"] == source["choices"]
        assert question["check"] == answer_digest(
            quiz["salt"], number, right, source["choices"][right]
        )
    page = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.js")) + (
        folder / "index.html"
    ).read_text(encoding="utf-8")
    assert '"answer"' not in page
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'lang="pt-BR"' in index and "<track" in index and "default" in index
    assert "http://" not in index and "https://" not in index  # nothing from a CDN


def test_the_storyboard_has_one_image_per_scene_a_json_and_a_contact_sheet(
    rendered: Rendered, tmp_path: Path
) -> None:
    out, _ = rendered
    folder = unzip(out / "storyboard.zip", tmp_path)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    board = json.loads((folder / "storyboard.json").read_text(encoding="utf-8"))
    assert len(board["scenes"]) == len(manifest["scenes"])
    html = (folder / "storyboard.html").read_text(encoding="utf-8")
    for entry, scene in zip(board["scenes"], manifest["scenes"], strict=True):
        for key in ("index", "slide_number", "title", "script", "start_s", "end_s"):
            assert entry[key] == scene[key], key
        with Image.open(folder / entry["image"]) as image:
            assert image.format == "PNG" and image.size == (1280, 720)
        assert f'src="{entry["image"]}"' in html
    assert "Aprovado por" in html and "@media print" in html
    assert sorted(p.name for p in folder.glob("*.png")) == [s["image"] for s in board["scenes"]]


def test_a_presenter_scene_is_taken_from_the_video_at_its_middle(rendered: Rendered) -> None:
    """Where a presenter is in the picture only the video has it: the storyboard takes the frame
    at the scene's midpoint. Here it must match that scene's slide, and not the one before."""
    import numpy as np

    from estudio.local import local_context
    from estudio.models import Plan
    from estudio.pipeline import keys
    from estudio.pipeline.package_stage import _scene_images
    from estudio.settings import Settings

    out, summary = rendered
    ctx = local_context(Settings(data=out.parent / "data"))
    job_id = summary["job_id"]
    timeline = Plan.model_validate_json(ctx.blobs.get_bytes(keys.plan(job_id)))
    scenes = [
        s.model_copy(update={"avatar": "ana"}) if s.index == 2 else s for s in timeline.scenes
    ]
    with ctx.scratch("test") as tmp:
        images = _scene_images(
            ctx, job_id, timeline.model_copy(update={"scenes": scenes}), out / "video.mp4", tmp
        )

        def pixels(path: Path) -> Any:
            with Image.open(path) as image:
                return np.asarray(image.convert("RGB"), dtype=np.float32)

        slide = ctx.blobs.get_file(keys.slide_image(job_id, scenes[2].slide_number), tmp / "a.png")
        before = ctx.blobs.get_file(keys.slide_image(job_id, scenes[1].slide_number), tmp / "b.png")
        frame, same_slide, previous = pixels(images[2]), pixels(slide), pixels(before)
    assert frame.shape == same_slide.shape
    assert np.abs(frame - same_slide).mean() < 6  # the same picture, through H.264
    assert np.abs(frame - previous).mean() > 2 * np.abs(frame - same_slide).mean()
