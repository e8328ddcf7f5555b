"""What every stage receives besides its message: the adapters, settings and a scratch folder."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from estudio.jobs import JobRepository
from estudio.ports import BlobStore
from estudio.settings import Settings

if TYPE_CHECKING:
    from estudio.script.factory import Writers
    from estudio.speech.registry import VoiceRegistry

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class StageContext:
    blobs: BlobStore
    jobs: JobRepository
    settings: Settings
    scratch_root: Path | None = None
    on_progress: ProgressCallback | None = None  # (stage, done, total): the CLI's progress bars
    voice_registry: VoiceRegistry | None = field(default=None)
    script_writers: Writers | None = field(default=None)

    @cached_property
    def voices(self) -> VoiceRegistry:
        if self.voice_registry is None:
            from estudio.speech.registry import default_registry

            self.voice_registry = default_registry(self.settings)
        return self.voice_registry

    @cached_property
    def writers(self) -> Writers:
        if self.script_writers is None:
            from estudio.script.factory import default_writers

            self.script_writers = default_writers(self.settings)
        return self.script_writers

    @contextmanager
    def scratch(self, name: str) -> Iterator[Path]:
        """A private temp folder, removed afterwards whatever happens."""
        folder = Path(tempfile.mkdtemp(prefix=f"estudio-{name}-", dir=self.scratch_root))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def progress(self, job_id: str, stage: str, done: int, total: int) -> None:
        self.jobs.record_progress(job_id, stage, done, total)
        if self.on_progress:
            self.on_progress(stage, done, total)

    def item_done(self, job_id: str, stage: str, index: int, total: int) -> None:
        job = self.jobs.item_done(job_id, stage, index, total)
        if self.on_progress:
            self.on_progress(stage, len(job.items_done.get(stage, [])), total)
