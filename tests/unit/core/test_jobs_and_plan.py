"""Job lifecycle, progress that only grows, and scene timing."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

import pytest

from estudio.adapters.local import SqliteItemStore
from estudio.jobs import STAGE_WEIGHTS, JobRepository, JobStatus, overall_progress
from estudio.models import Deck, RenderOptions, Scene, Speech
from estudio.plan import CHANGING_STILL_FPS, STILL_FPS, make_plan


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def publish(self, event_type: str, tenant: str, data: Any) -> None:
        self.events.append((event_type, tenant, dict(data)))


@pytest.fixture
def jobs(tmp_path: Path) -> tuple[JobRepository, Recorder]:
    events = Recorder()
    repo = JobRepository(SqliteItemStore(tmp_path / "state.db"), events=events)
    repo.create("job-1", "acme", "k", "deck.pptx", RenderOptions())
    return repo, events


def test_stage_weights_cover_the_whole_render() -> None:
    assert sum(STAGE_WEIGHTS.values()) == 100
    assert overall_progress("parse", 0, 1) == 0
    assert overall_progress("publish", 1, 1) == 100


def test_progress_only_grows_even_when_reports_arrive_out_of_order(
    jobs: tuple[JobRepository, Recorder],
) -> None:
    repo, _ = jobs
    repo.record_progress("job-1", "render", 5, 10)
    high = repo.get("job-1").progress
    repo.record_progress("job-1", "rasterize", 1, 10)  # a late, lower report
    assert repo.get("job-1").progress == high


def test_concurrent_map_iterations_each_count_once(jobs: tuple[JobRepository, Recorder]) -> None:
    repo, _ = jobs
    threads = [
        threading.Thread(target=repo.item_done, args=("job-1", "speak", i % 20, 20))
        for i in range(40)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    job = repo.get("job-1")
    assert job.items_done["speak"] == list(range(20))
    assert job.progress == overall_progress("speak", 20, 20)


def test_lifecycle_events_reach_the_sink_and_finished_jobs_stay_finished(
    jobs: tuple[JobRepository, Recorder],
) -> None:
    repo, events = jobs
    repo.start_stage("job-1", "parse")
    repo.fail("job-1", "corrupt_deck", "bad zip")
    repo.succeed("job-1", {"video.mp4": "k"}, 10.0)  # too late: the job already failed
    job = repo.get("job-1")
    assert job.status == JobStatus.FAILED and job.error_code == "corrupt_deck"
    names = [e[0] for e in events.events]
    assert names[:3] == ["render.queued", "render.started", "render.failed"]
    assert all(tenant == "acme" for _, tenant, _ in events.events)


def deck_with(scripts: list[str]) -> Deck:
    scenes = [
        Scene(
            index=i,
            slide_number=i + 1,
            title=f"T{i}",
            script=s,
            script_source="notes" if s else "none",
        )
        for i, s in enumerate(scripts)
    ]
    return Deck(
        source_name="d.pptx",
        slide_width_emu=16,
        slide_height_emu=9,
        slide_count=len(scenes),
        language="pt-BR",
        scenes=scenes,
    )


def speech(duration: float) -> Speech:
    return Speech(
        voice="espeak:pt-br",
        language="pt-BR",
        written="x",
        spoken="x",
        duration_s=duration,
        sample_rate=22050,
    )


def test_plan_scenes_are_contiguous_whole_frames_with_padding_and_silent_minimum() -> None:
    plan = make_plan(
        deck_with(["a", "", "b"]), [speech(2.03), speech(0), speech(4.5)], RenderOptions()
    )
    assert plan.fps == STILL_FPS
    for scene in plan.scenes:
        frames = scene.duration_s * plan.fps
        assert abs(frames - round(frames)) < 1e-6
    assert plan.scenes[0].duration_s >= 2.03 + 0.4 + 0.8 - 1e-9
    assert plan.scenes[1].duration_s == pytest.approx(3.0)
    assert plan.scenes[1].start_s == pytest.approx(plan.scenes[0].end_s)
    assert plan.duration_s == pytest.approx(sum(s.duration_s for s in plan.scenes))
    assert [c.title for c in plan.chapters] == ["T0", "T1", "T2"]


def test_a_presenter_moves_so_the_plan_uses_a_motion_frame_rate() -> None:
    plan = make_plan(deck_with(["a"]), [speech(1.0)], RenderOptions(avatar="ana"))
    assert plan.fps == 25 and plan.scenes[0].avatar == "ana"


def test_burned_captions_and_fades_get_more_frames_than_plain_slides() -> None:
    deck, speeches = deck_with(["a"]), [speech(1.0)]
    assert make_plan(deck, speeches, RenderOptions()).fps == STILL_FPS
    burn = make_plan(deck, speeches, RenderOptions(subtitles="burn"))
    fade = make_plan(deck, speeches, RenderOptions(transition="fade"))
    assert burn.fps == fade.fps == CHANGING_STILL_FPS > STILL_FPS


def test_progress_events_come_every_ten_points_not_every_step(
    jobs: tuple[JobRepository, Recorder],
) -> None:
    repo, events = jobs
    for done in range(1, 101):
        repo.record_progress("job-1", "render", done, 100)
    progress = [e[2]["progress"] for e in events.events if e[0] == "render.progress"]
    assert progress == sorted(progress) and 3 <= len(progress) <= 6
    assert all(b // 10 > a // 10 for a, b in itertools.pairwise(progress))
