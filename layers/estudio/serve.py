"""``estudio serve``: the API (uvicorn) plus a render worker, state in SQLite, blobs in a folder.

Two processes. The API process answers HTTP, delivers webhooks and watches the drop folder; it
only *queues* renders (``QueueOrchestrator``). A worker process (spawned, dies with its parent)
claims queued jobs and runs them with the pipeline's ``LocalOrchestrator``, so rendering never
holds the API's interpreter lock, and stopping the server never leaves a half-finished render
marked as running: on start, jobs left ``queued``/``running`` by a previous run are resumed from
the start once (the stages are idempotent), then marked failed with code ``interrupted``.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import secrets
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.api.app import create_app
from estudio.api.keys import create_key, verify_key
from estudio.api.login import LocalLogin
from estudio.api.streaming import sweep_scratch
from estudio.api.urls import UrlSigner
from estudio.errors import ConcurrentUpdate, NotFound, Unauthorized
from estudio.jobs import JOB_KIND, Job, JobRepository, JobStatus
from estudio.media.ffmpeg import FFMPEG_THREADS_ENV
from estudio.observability import logger
from estudio.ports import ItemStore
from estudio.services.renders import job_payload
from estudio.settings import Settings
from estudio.webhooks.delivery import WebhookService, find_items

LOCAL_TENANT = "local"
MAX_RESUMES = 1
INTERRUPTED = "interrupted"


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def open_stores(data_dir: Path) -> tuple[SqliteItemStore, FolderBlobStore]:
    """The same state database and blob folder as ``estudio render`` and ``estudio keys``."""
    from estudio.local import data_paths

    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    blobs_dir, db = data_paths(data_dir)
    return SqliteItemStore(db), FolderBlobStore(blobs_dir)


def url_secret(data_dir: Path) -> bytes:
    """The key that signs local download/upload links; made once per data folder."""
    path = data_dir / "url-signing.key"
    if not path.is_file():
        _write_private(path, secrets.token_bytes(32))
    return path.read_bytes()


def local_api_key(items: ItemStore, data_dir: Path) -> str:
    """The ``local`` tenant's key, kept in the data folder (mode 0600) for the web page."""
    path = data_dir / "local-api-key"
    if path.is_file():
        key = path.read_text().strip()
        try:
            verify_key(items, key)
            return key
        except Unauthorized:
            logger.warning("stored local API key no longer valid; making a new one")
    key = create_key(items, LOCAL_TENANT, label="local web page")
    _write_private(path, key.encode())
    return key


class QueueOrchestrator:
    """``ports.Orchestrator`` for the API process: the job is queued in the store with its input;
    the worker process claims and runs it. Cancelling is the job's status (the worker watches)."""

    def __init__(self, items: ItemStore) -> None:
        self.items = items

    def start(self, job_id: str, payload: Mapping[str, Any]) -> str:
        self.items.update(JOB_KIND, job_id, {"payload": dict(payload), "worker": None})
        return job_id

    def stop(self, job_id: str, reason: str) -> None:
        logger.info("render stop requested", render_id=job_id, reason=reason)


def recover_jobs(
    items: ItemStore, jobs: JobRepository, max_resumes: int = MAX_RESUMES
) -> dict[str, int]:
    """Jobs a previous run left ``queued`` or ``running``: re-queue (from the start) each one once,
    then fail it as ``interrupted``. Call before any worker starts."""
    counts = {"resumed": 0, "failed": 0}
    for status in (JobStatus.RUNNING, JobStatus.QUEUED):
        for item in find_items(items, JOB_KIND, "status", status.value):
            job = Job.from_item(item)
            resumes = int(item.data.get("resumes", 0))
            was_started = status == JobStatus.RUNNING or item.data.get("worker")
            if was_started and resumes >= max_resumes:
                jobs.fail(job.id, INTERRUPTED, "the server stopped during this render")
                counts["failed"] += 1
                continue
            payload = item.data.get("payload") or job_payload(
                job, item.data.get("scene_overrides"), item.data.get("glossary")
            )
            items.update(
                JOB_KIND,
                job.id,
                {
                    "worker": None,
                    "payload": payload,
                    "resumes": resumes + (1 if was_started else 0),
                },
            )
            counts["resumed"] += 1
            logger.info("render resumed after restart", render_id=job.id, status=status.value)
    return counts


# --- the worker process --------------------------------------------------------------------------
def _die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies (even by SIGKILL)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


WORKER_NICENESS = 10  # renders yield the CPU to the API (its children inherit it)


def lower_priority(workers: int = 0, niceness: int = WORKER_NICENESS) -> None:
    """Run this process (and the LibreOffice, espeak-ng and ffmpeg it starts) below the API, and
    bound each ffmpeg encode to its share of the cores, so parallel scenes do not oversubscribe
    them. Both only lower what this process asks for; an operator's own settings win."""
    try:
        os.nice(niceness)
    except OSError:
        logger.warning("could not lower the render worker's priority")
    parallel = workers or (os.cpu_count() or 1)  # scenes encoded at once (0: one per core)
    threads = max(1, (os.cpu_count() or 1) // parallel)
    os.environ.setdefault(FFMPEG_THREADS_ENV, str(threads))


def run_worker(settings: Settings, parent_pid: int, poll_s: float = 0.3) -> None:
    """The worker process's main loop: claim queued jobs, run them, pass on cancellations."""
    _die_with_parent()
    lower_priority(settings.workers)
    from estudio.pipeline.context import StageContext
    from estudio.pipeline.runner import LocalOrchestrator

    items, blobs = open_stores(settings.data)
    events = WebhookService(items)  # publishes deliveries; the API process sends them
    jobs = JobRepository(items, events=events)
    context = StageContext(blobs=blobs, jobs=jobs, settings=settings)
    orchestrator = LocalOrchestrator(lambda: context, workers=1)
    me = f"{os.getpid()}-{secrets.token_hex(4)}"
    mine: set[str] = set()
    logger.info("render worker started", worker=me)
    while os.getppid() == parent_pid:
        waiting = [
            item
            for status in (JobStatus.QUEUED, JobStatus.RUNNING)  # running: resumed after restart
            for item in find_items(items, JOB_KIND, "status", status.value)
        ]
        for item in waiting:
            if item.data.get("worker") or not item.data.get("payload"):
                continue
            try:
                items.update(JOB_KIND, item.id, {"worker": me}, expect_version=item.version)
            except (ConcurrentUpdate, NotFound):
                continue
            mine.add(item.id)
            orchestrator.start(item.id, item.data["payload"])
        for job_id in list(mine):
            try:
                job = jobs.get(job_id)
            except NotFound:  # deleted while running: stop it, then sweep what it still wrote
                mine.discard(job_id)
                orchestrator.stop(job_id, "deleted")
                _sweep_deleted(orchestrator, blobs, job_id)
                continue
            if job.status == JobStatus.CANCELLED:
                orchestrator.stop(job_id, "cancelled")
            if job.status.finished:
                mine.discard(job_id)
        time.sleep(poll_s)
    os._exit(0)  # the parent is gone: leave now, the next server resumes our jobs


def _sweep_deleted(orchestrator: Any, blobs: FolderBlobStore, job_id: str) -> None:
    from estudio.pipeline import keys

    try:
        orchestrator.wait(job_id, timeout=60)
    except Exception as error:  # the run ends in an error once its job is gone: expected
        logger.info("deleted render stopped", render_id=job_id, error=type(error).__name__)
    for key in blobs.list(keys.job_prefix(job_id)):
        blobs.delete(key)


def _worker_main(settings_json: str, parent_pid: int) -> None:
    run_worker(Settings.model_validate_json(settings_json), parent_pid)


# --- the server ----------------------------------------------------------------------------------
@dataclass
class LocalServer:
    """Everything ``serve`` runs, built and started; ``close`` stops it all."""

    settings: Settings
    items: SqliteItemStore
    blobs: FolderBlobStore
    webhooks: WebhookService
    jobs: JobRepository
    local_key: str
    app: Any
    login: LocalLogin | None = None
    worker: multiprocessing.process.BaseProcess | None = None
    dropbox: Any = None

    def login_url(self, base_url: str) -> str:
        """A one-time link that signs the web page in as the ``local`` tenant."""
        assert self.login is not None
        return f"{base_url.rstrip('/')}/#login={self.login.issue()}"

    def close(self) -> None:
        if self.dropbox is not None:
            self.dropbox.stop()
        self.webhooks.stop()
        if self.worker is not None and self.worker.is_alive():
            self.worker.terminate()
            self.worker.join(10)
            if self.worker.is_alive():
                self.worker.kill()
                self.worker.join(5)


def build_server(
    settings: Settings,
    dropbox: Path | None = None,
    allow_private_webhooks: bool = False,
    start_worker: bool = True,
) -> LocalServer:
    data_dir = settings.data.expanduser().resolve()
    settings = settings.model_copy(update={"data": data_dir})
    items, blobs = open_stores(data_dir)
    swept = sweep_scratch(settings)
    if swept:
        logger.info("removed unfinished uploads", count=swept)
    webhooks = WebhookService(items, allow_private=allow_private_webhooks)
    jobs = JobRepository(items, events=webhooks)
    counts = recover_jobs(items, jobs)
    if counts["resumed"] or counts["failed"]:
        logger.info(
            "recovered unfinished renders", resumed=counts["resumed"], failed=counts["failed"]
        )
    key = local_api_key(items, data_dir)
    login = LocalLogin(key)
    app = create_app(
        items,
        blobs,
        QueueOrchestrator(items),
        settings,
        allow_private_webhooks=allow_private_webhooks,
        webhooks=webhooks,
        jobs=jobs,
        signer=UrlSigner(url_secret(data_dir)),
        login=login,
    )
    server = LocalServer(settings, items, blobs, webhooks, jobs, key, app, login=login)
    webhooks.start()
    if start_worker:
        spawn = multiprocessing.get_context("spawn")
        server.worker = spawn.Process(
            target=_worker_main,
            args=(settings.model_dump_json(), os.getpid()),
            name="estudio-render-worker",
            daemon=True,
        )
        server.worker.start()
    if dropbox is not None:
        from estudio.dropbox import DropFolder

        server.dropbox = DropFolder(dropbox, app.state.services)
        server.dropbox.start()
    return server


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    dropbox: Path | None = None,
    allow_private_webhooks: bool = False,
) -> None:
    """Run the local server until interrupted (Ctrl-C / SIGTERM)."""
    import uvicorn

    server = build_server(settings, dropbox, allow_private_webhooks)
    config = uvicorn.Config(server.app, host=host, port=port, log_level="warning", access_log=False)
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    logger.info("serving", url=f"{base}/", data=str(server.settings.data))
    print(f"Estúdio: abra {server.login_url(base)} (link de uso único)", flush=True)
    try:
        uvicorn.Server(config).run()
    finally:
        server.close()


__all__ = [
    "LocalServer",
    "QueueOrchestrator",
    "build_server",
    "local_api_key",
    "recover_jobs",
    "run_worker",
    "serve",
]
