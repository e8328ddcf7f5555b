"""The drop folder: ``DIR/{tenant}/…/name.pptx`` in, ``DIR/{tenant}/…/outgoing/name/`` out.

Polling, no inotify: a file is taken once its size and mtime have stayed the same for
``settle_s``. An optional sidecar ``name.json`` carries render options (``voice``, ``preset``…).
The same content (SHA-256) dropped twice for one tenant renders once. The state of each dropped
file lives in the ``ItemStore`` (kind ``dropfile``), so a restart neither loses nor repeats work.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from estudio.api.deps import ApiServices
from estudio.api.keys import TENANT_PATTERN
from estudio.api.service import sha256_file, start_job
from estudio.errors import Conflict, EstudioError, NotFound
from estudio.jobs import JobStatus
from estudio.models import RenderOptions
from estudio.observability import logger
from estudio.webhooks.delivery import find_items

# What a drop folder picks up (the content decides the format; docs/adr/0011).
DECK_SUFFIXES = frozenset({".pptx", ".pptm", ".ppt", ".odp", ".pdf"})

DROP_KIND = "dropfile"
OUTGOING = "outgoing"


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float


@dataclass
class DropFolder:
    root: Path
    services: ApiServices
    poll_s: float = 1.0
    settle_s: float = 2.0
    _seen: dict[Path, _Seen] = field(default_factory=dict, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    # --- one pass --------------------------------------------------------------------------------
    def scan(self, now: float) -> list[str]:
        """Take every settled new deck; deliver finished renders. Returns the jobs started."""
        started: list[str] = []
        for path in self._candidates():
            stat = path.stat()
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                self._seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, now)
                continue
            if now - seen.since < self.settle_s:
                continue
            job_id = self._take(path)
            if job_id:
                started.append(job_id)
        self._deliver_finished()
        return started

    def _candidates(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        found = []
        for tenant_dir in sorted(self.root.iterdir()):
            if not tenant_dir.is_dir() or not TENANT_PATTERN.fullmatch(tenant_dir.name):
                continue
            decks = (p for p in tenant_dir.rglob("*") if p.suffix.lower() in DECK_SUFFIXES)
            for path in sorted(decks):
                relative = path.relative_to(tenant_dir)
                hidden = any(part.startswith((".", "~$")) for part in relative.parts)
                if OUTGOING in relative.parts[:-1] or hidden or not path.is_file():
                    continue
                found.append(path)
        return found

    def _take(self, path: Path) -> str | None:
        tenant = path.relative_to(self.root).parts[0]
        path_key = str(path.resolve())
        if self._known_path(path_key, path):
            return None
        digest = sha256_file(path)
        drop_id = f"{tenant}-{digest}"
        record = {
            "path": path_key,
            "size": path.stat().st_size,
            "mtime_ns": path.stat().st_mtime_ns,
            "outgoing": str(path.parent / OUTGOING / path.stem),
            "job_id": None,
            "state": "rendering",
        }
        try:
            self.services.items.create(DROP_KIND, drop_id, tenant, record)
        except Conflict:
            logger.info("dropped deck already rendered", tenant=tenant, drop_id=drop_id)
            return None
        outgoing = path.parent / OUTGOING / path.stem
        try:
            options = self._options(path)
            deck_key = f"dropbox/{tenant}/{digest}.pptx"
            self.services.blobs.put_file(deck_key, path)
            job = start_job(self.services, tenant, deck_key, path.name, options)
        except EstudioError as error:
            self.services.items.update(DROP_KIND, drop_id, {"state": "failed"})
            _write_json(outgoing / "error.json", error.to_dict())
            logger.warning("dropped deck refused", tenant=tenant, code=error.code)
            return None
        self.services.items.update(DROP_KIND, drop_id, {"job_id": job.id})
        logger.info("dropped deck queued", tenant=tenant, render_id=job.id)
        return job.id

    def _known_path(self, path_key: str, path: Path) -> bool:
        """This very file (same path, size and mtime) was taken before (e.g. before a restart)."""
        stat = path.stat()
        return any(
            item.data.get("size") == stat.st_size and item.data.get("mtime_ns") == stat.st_mtime_ns
            for item in find_items(self.services.items, DROP_KIND, "path", path_key)
        )

    @staticmethod
    def _options(path: Path) -> RenderOptions:
        sidecar = path.with_suffix(".json")
        if not sidecar.is_file():
            return RenderOptions()
        try:
            return RenderOptions.model_validate_json(sidecar.read_bytes())
        except ValidationError as error:
            from estudio.errors import InvalidOptions

            raise InvalidOptions(
                f"invalid sidecar {sidecar.name}: {error.error_count()} errors"
            ) from error

    def _deliver_finished(self) -> None:
        for item in find_items(self.services.items, DROP_KIND, "state", "rendering"):
            job_id = item.data.get("job_id")
            if not job_id:
                continue
            try:
                job = self.services.jobs.get(job_id)
            except NotFound:
                continue
            if not job.status.finished:
                continue
            outgoing = Path(item.data["outgoing"])
            if job.status == JobStatus.SUCCEEDED:
                for name, key in job.outputs.items():
                    _atomic_copy_blob(self.services, key, outgoing / name)
                state = "delivered"
            else:
                _write_json(
                    outgoing / "error.json",
                    {"code": job.error_code, "message": job.error_message, "render_id": job.id},
                )
                state = "failed"
            self.services.items.update(DROP_KIND, item.id, {"state": state})
            logger.info("drop folder delivered", render_id=job_id, state=state)

    # --- the thread ------------------------------------------------------------------------------
    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="dropbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _loop(self) -> None:
        import time

        while not self._stop.is_set():
            try:
                self.scan(time.time())
            except (OSError, EstudioError) as error:
                logger.warning("drop folder scan failed", error=type(error).__name__)
            self._stop.wait(self.poll_s)


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2)
    os.replace(tmp, path)


def _atomic_copy_blob(services: ApiServices, key: str, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
    os.close(fd)
    try:
        services.blobs.get_file(key, Path(tmp))
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["DROP_KIND", "DropFolder"]
