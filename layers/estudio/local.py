"""Build the embedded (one-machine) system: blobs in a folder, state in SQLite."""

from __future__ import annotations

from pathlib import Path

from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.jobs import JobRepository
from estudio.pipeline.context import ProgressCallback, StageContext
from estudio.ports import EventSink
from estudio.settings import Settings


def data_paths(data: Path) -> tuple[Path, Path]:
    return data / "blobs", data / "state.db"


def local_context(
    settings: Settings,
    on_progress: ProgressCallback | None = None,
    events: EventSink | None = None,
    public_base_url: str | None = None,
) -> StageContext:
    blobs_dir, db = data_paths(settings.data)
    blobs = FolderBlobStore(blobs_dir, public_base_url=public_base_url)
    jobs = JobRepository(SqliteItemStore(db), events=events)
    scratch = settings.data / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    return StageContext(
        blobs=blobs, jobs=jobs, settings=settings, scratch_root=scratch, on_progress=on_progress
    )
