"""Render jobs: their lifecycle and a progress figure that only grows.

Stored as ``kind="job"`` items in the ``ItemStore``. Stages report progress as (stage, done,
total); the repository turns that into 0–100 with fixed stage weights and never lets it go back,
even when Map iterations report out of order or a stage is retried.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from estudio.constants import RECORD_TTL_DAYS
from estudio.errors import ConcurrentUpdate
from estudio.models import RenderOptions
from estudio.ports import EventSink, Item, ItemStore

JOB_KIND = "job"

# Share of the whole render each stage stands for (sums to 100).
STAGE_WEIGHTS: dict[str, int] = {
    "parse": 4,
    "rasterize": 16,
    "speak": 12,
    "plan": 2,
    "render": 46,
    "assemble": 14,
    "publish": 6,
}
STAGES: tuple[str, ...] = tuple(STAGE_WEIGHTS)
PROGRESS_EVENT_STEP = 10  # webhooks hear of progress every 10 points


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(BaseModel):
    id: str
    tenant: str
    status: JobStatus = JobStatus.QUEUED
    stage: str | None = None
    progress: int = 0
    options: RenderOptions = RenderOptions()
    deck_key: str
    source_name: str
    project_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    outputs: dict[str, str] = {}  # output name -> blob key
    duration_s: float | None = None
    stage_seconds: dict[str, float] = {}
    items_done: dict[str, list[int]] = {}  # Map stages: indexes finished
    step: dict[str, Any] | None = None  # the latest {"stage", "done", "total"} reported
    created_at: float
    updated_at: float
    version: int = 1

    @classmethod
    def from_item(cls, item: Item) -> Job:
        return cls(
            id=item.id,
            tenant=item.tenant,
            created_at=item.created_at,
            updated_at=item.updated_at,
            version=item.version,
            **item.data,
        )


def overall_progress(stage: str, done: int, total: int) -> int:
    """Progress 0-100 when ``stage`` is ``done``/``total`` complete."""
    before = sum(STAGE_WEIGHTS[s] for s in STAGES[: STAGES.index(stage)])
    fraction = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
    return min(100, int(before + STAGE_WEIGHTS[stage] * fraction))


class JobRepository:
    def __init__(
        self,
        items: ItemStore,
        events: EventSink | None = None,
        ttl_s: int | None = RECORD_TTL_DAYS * 86400,
    ) -> None:
        self.items = items
        self.events = events
        self.ttl_s = ttl_s  # a job's record expires this long after it was created

    def create(
        self,
        job_id: str,
        tenant: str,
        deck_key: str,
        source_name: str,
        options: RenderOptions,
        project_id: str | None = None,
    ) -> Job:
        data = {
            "status": JobStatus.QUEUED.value,
            "deck_key": deck_key,
            "source_name": source_name,
            "options": options.model_dump(mode="json"),
            "project_id": project_id,
        }
        job = Job.from_item(self.items.create(JOB_KIND, job_id, tenant, data, ttl_s=self.ttl_s))
        self._emit("render.queued", job)
        return job

    def get(self, job_id: str) -> Job:
        return Job.from_item(self.items.get(JOB_KIND, job_id))

    def _mutate(self, job_id: str, change: Any, attempts: int = 40) -> Job:
        """Read-modify-write with a version check, retried when another writer got in first
        (full-jitter backoff, so a crowd of Map iterations spreads out instead of colliding)."""
        for attempt in range(attempts):
            job = self.get(job_id)
            changes = change(job)
            if not changes:
                return job
            try:
                item = self.items.update(JOB_KIND, job_id, changes, expect_version=job.version)
            except ConcurrentUpdate:
                time.sleep(random.uniform(0, min(0.25, 0.005 * 2**attempt)))
                continue
            return Job.from_item(item)
        raise ConcurrentUpdate(f"job {job_id}: too many concurrent updates")

    def start_stage(self, job_id: str, stage: str) -> Job:
        def change(job: Job) -> Mapping[str, Any]:
            if job.status.finished:
                return {}
            return {"status": JobStatus.RUNNING.value, "stage": stage}

        before = self.get(job_id)
        job = self._mutate(job_id, change)
        if before.status == JobStatus.QUEUED and job.status == JobStatus.RUNNING:
            self._emit("render.started", job)
        return job

    def record_progress(self, job_id: str, stage: str, done: int, total: int) -> Job:
        def change(job: Job) -> Mapping[str, Any]:
            if job.status.finished:
                return {}
            value = overall_progress(stage, done, total)
            if value <= job.progress and job.stage == stage:
                return {}
            return {
                "progress": max(job.progress, value),
                "stage": stage,
                "status": JobStatus.RUNNING.value,
                "step": {"stage": stage, "done": done, "total": total},
            }

        before = self.get(job_id).progress
        job = self._mutate(job_id, change)
        self._progressed(before, job)
        return job

    def item_done(self, job_id: str, stage: str, index: int, total: int) -> Job:
        """A Map iteration finished: count it once (retries included) and move progress on."""

        def change(job: Job) -> Mapping[str, Any]:
            done = set(job.items_done.get(stage, []))
            if index in done or job.status.finished:
                return {}
            done.add(index)
            value = overall_progress(stage, len(done), total)
            return {
                "items_done": {**job.items_done, stage: sorted(done)},
                "step": {"stage": stage, "done": len(done), "total": total},
                "progress": max(job.progress, value),
                "stage": stage,
                "status": JobStatus.RUNNING.value,
            }

        before = self.get(job_id).progress
        job = self._mutate(job_id, change)
        self._progressed(before, job)
        return job

    def record_stage_seconds(self, job_id: str, stage: str, seconds: float) -> Job:
        def change(job: Job) -> Mapping[str, Any]:
            spent = dict(job.stage_seconds)
            spent[stage] = round(spent.get(stage, 0.0) + seconds, 3)
            return {"stage_seconds": spent}

        return self._mutate(job_id, change)

    def succeed(self, job_id: str, outputs: Mapping[str, str], duration_s: float) -> Job:
        def change(job: Job) -> Mapping[str, Any]:
            if job.status.finished:
                return {}
            return {
                "status": JobStatus.SUCCEEDED.value,
                "progress": 100,
                "stage": "done",
                "outputs": dict(outputs),
                "duration_s": duration_s,
            }

        job = self._mutate(job_id, change)
        self._emit("render.completed", job)
        return job

    def fail(self, job_id: str, code: str, message: str) -> Job:
        """Fail an unfinished job; ``render.failed`` is emitted by the call that failed it, so
        a repeated call (a retried stage, a redelivered event) changes and emits nothing."""
        applied = False

        def change(job: Job) -> Mapping[str, Any]:
            nonlocal applied
            applied = not job.status.finished
            if not applied:
                return {}
            return {"status": JobStatus.FAILED.value, "error_code": code, "error_message": message}

        job = self._mutate(job_id, change)
        if applied:
            self._emit("render.failed", job)
        return job

    def cancel(self, job_id: str) -> Job:
        def change(job: Job) -> Mapping[str, Any]:
            if job.status.finished:
                return {}
            return {
                "status": JobStatus.CANCELLED.value,
                "error_code": "cancelled",
                "error_message": "cancelled by the user",
            }

        return self._mutate(job_id, change)

    def _progressed(self, before: int, job: Job) -> None:
        """``render.progress`` once per PROGRESS_EVENT_STEP points, not on every step."""
        if job.progress // PROGRESS_EVENT_STEP > before // PROGRESS_EVENT_STEP:
            self._emit("render.progress", job)

    def _emit(self, event_type: str, job: Job) -> None:
        if self.events is None:
            return
        data: dict[str, Any] = {
            "render_id": job.id,
            "status": job.status.value,
            "stage": job.stage,
            "progress": job.progress,
        }
        if job.project_id:
            data["project_id"] = job.project_id
        if job.status == JobStatus.FAILED:
            data["error"] = {"code": job.error_code, "message": job.error_message}
        self.events.publish(event_type, job.tenant, data)
