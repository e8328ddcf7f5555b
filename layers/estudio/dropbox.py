"""The drop folder: ``DIR/{tenant}/…/name.pptx`` in, ``DIR/{tenant}/…/outgoing/name/`` out.

Polling, no inotify. The rules:

- **Real files only.** Symbolic links are never followed, in or out: a linked deck, sidecar or
  folder is not taken, and outputs are written through directory descriptors opened with
  ``O_NOFOLLOW`` one level at a time, so a linked ``outgoing`` cannot send them elsewhere.
- **Settled.** A deck (and its sidecar ``name.json``, if any) is taken once size and mtime have
  stayed the same for ``settle_s`` (default 5 s): a copy in progress is left alone.
- **Known tenants.** The first folder level is the tenant, lowercased; it must exist (a key was
  created for it), else the deck is refused.
- **Once per request.** The same deck *and* sidecar (SHA-256 of both) render once per tenant; a
  re-drop with a changed sidecar renders again. The state of each dropped file lives in the
  ``ItemStore`` (kind ``dropfile``), so a restart neither loses nor repeats work.
- **Clear refusals.** A refused deck gets ``outgoing/name/error.json`` and nothing else; a later
  success replaces it. Names keep their exact Unicode (NFC).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
import tempfile
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from estudio.api.keys import TENANT_PATTERN, tenant_exists
from estudio.constants import DROPBOX_ERROR_FILE
from estudio.errors import Conflict, EstudioError, InvalidOptions, NotFound, UnknownTenant
from estudio.jobs import Job, JobStatus
from estudio.models import RenderOptions
from estudio.observability import logger
from estudio.services.context import ApiServices
from estudio.services.languages import language_jobs
from estudio.services.renders import start_job
from estudio.webhooks.delivery import find_items

# What a drop folder picks up (the content decides the format; docs/adr/0011).
DECK_SUFFIXES = frozenset({".pptx", ".pptm", ".ppt", ".odp", ".pdf"})

DROP_KIND = "dropfile"
OUTGOING = "outgoing"
ACTOR = "dropbox"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_MAX_SIDECAR_BYTES = 64 * 1024


@dataclass(frozen=True)
class _Signature:
    size: int
    mtime_ns: int
    sidecar: tuple[int, int] | None


@dataclass
class _Seen:
    signature: _Signature
    since: float


def _lstat_regular(path: Path) -> os.stat_result | None:
    """``lstat`` of a regular file that is not a link; None otherwise."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    return info if stat.S_ISREG(info.st_mode) else None


def _read_nofollow(path: Path, limit: int | None = None) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise InvalidOptions(f"{path.name} is not a regular file")
        return handle.read() if limit is None else handle.read(limit + 1)


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


@dataclass
class DropFolder:
    root: Path
    services: ApiServices
    poll_s: float = 1.0
    settle_s: float = 5.0
    _seen: dict[Path, _Seen] = field(default_factory=dict, init=False)
    _refused: dict[Path, _Signature] = field(default_factory=dict, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    # --- one pass --------------------------------------------------------------------------------
    def scan(self, now: float) -> list[str]:
        """Take every settled new deck; deliver finished renders. Returns the jobs started."""
        started: list[str] = []
        for path in self._candidates():
            signature = self._signature(path)
            if signature is None:
                self._seen.pop(path, None)
                continue
            seen = self._seen.get(path)
            if seen is None or seen.signature != signature:
                self._seen[path] = _Seen(signature, now)
                continue
            if now - seen.since < self.settle_s or self._refused.get(path) == signature:
                continue
            job_id = self._take(path, signature)
            if job_id:
                started.append(job_id)
        self._deliver_finished()
        return started

    def _signature(self, path: Path) -> _Signature | None:
        try:
            deck = path.lstat()  # a link is noticed (and refused when taken), never followed
        except FileNotFoundError:
            return None
        sidecar_path = path.with_suffix(".json")
        sidecar = _lstat_regular(sidecar_path)
        if sidecar is None and os.path.lexists(sidecar_path):
            sidecar = os.lstat(sidecar_path)  # a linked sidecar: noticed, refused when taken
        return _Signature(
            deck.st_size,
            deck.st_mtime_ns,
            (sidecar.st_size, sidecar.st_mtime_ns) if sidecar is not None else None,
        )

    def _candidates(self) -> list[Path]:
        """Real ``.pptx`` files under real tenant folders; links and ``outgoing`` skipped."""
        try:
            tenants = sorted(os.scandir(self.root), key=lambda e: e.name)
        except FileNotFoundError:
            return []
        found = []
        for entry in tenants:
            if not entry.is_dir(follow_symlinks=False) or entry.name.startswith("."):
                continue
            for folder, dirs, names in os.walk(entry.path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if d != OUTGOING and not d.startswith("."))
                for name in sorted(names):
                    suffix = Path(name).suffix.lower()
                    if suffix in DECK_SUFFIXES and not name.startswith((".", "~$")):
                        found.append(Path(folder) / name)
        return found

    def _tenant(self, path: Path) -> str:
        name = path.relative_to(self.root).parts[0]
        tenant = _nfc(name).lower()
        if not TENANT_PATTERN.fullmatch(tenant) or not tenant_exists(self.services.items, tenant):
            raise UnknownTenant(
                f"no tenant {name!r}: create a key for it first (estudio keys create --tenant)"
            )
        return tenant

    def _take(self, path: Path, signature: _Signature) -> str | None:
        path_key = str(path)
        if self._known_path(path_key, signature):
            return None
        try:
            tenant = self._tenant(path)
            if _lstat_regular(path) is None:
                raise InvalidOptions(f"{path.name} is a link or not a file: drop the file itself")
            with self._private_copy(path) as (copy, digest):
                sidecar = self._sidecar(path)
                options = self._options(path, sidecar)
                fingerprint = hashlib.sha256(f"{digest}\0".encode() + (sidecar or b"")).hexdigest()
                drop_id = f"{tenant}-{fingerprint}"
                record = {
                    "path": path_key,
                    "size": signature.size,
                    "mtime_ns": signature.mtime_ns,
                    "sidecar": list(signature.sidecar) if signature.sidecar else None,
                    "outgoing": str(self._outgoing_parts(path)),
                    "job_id": None,
                    "state": "rendering",
                }
                try:
                    self.services.items.create(DROP_KIND, drop_id, tenant, record)
                except Conflict:
                    logger.info("dropped deck already rendered", tenant=tenant, drop_id=drop_id)
                    return None
                try:
                    deck_key = f"dropbox/{tenant}/{digest}.pptx"
                    self.services.blobs.put_file(deck_key, copy)
                    job = start_job(self.services, tenant, deck_key, _nfc(path.name), options)
                except EstudioError:
                    self.services.items.update(DROP_KIND, drop_id, {"state": "failed"})
                    raise
        except (EstudioError, OSError) as error:
            self._refuse(path, signature, error)
            return None
        self.services.items.update(DROP_KIND, drop_id, {"job_id": job.id})
        self.services.audit.record(tenant, ACTOR, "dropbox render", {"render_id": job.id})
        logger.info("dropped deck queued", tenant=tenant, render_id=job.id)
        return job.id

    def _refuse(self, path: Path, signature: _Signature, error: Exception) -> None:
        self._refused[path] = signature
        if isinstance(error, EstudioError):
            body = error.to_dict()
        else:
            body = {"code": "unreadable_file", "message": f"{path.name} could not be read"}
        body["file"] = _nfc(path.name)
        try:
            _write_outgoing(
                self.root, self._outgoing_parts(path), {DROPBOX_ERROR_FILE: _json(body)}
            )
        except OSError as failure:  # a linked or unwritable outgoing: log it, write nothing
            logger.warning("drop folder refusal not written", error=type(failure).__name__)
        logger.warning("dropped deck refused", code=body["code"])

    @contextlib.contextmanager
    def _private_copy(self, path: Path) -> Iterator[tuple[Path, str]]:
        """The deck copied aside (opened without following links) and its SHA-256."""
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as source, tempfile.TemporaryDirectory() as scratch:
            if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
                raise InvalidOptions(f"{path.name} is not a regular file")
            copy = Path(scratch) / "deck.pptx"
            digest = hashlib.sha256()
            with copy.open("wb") as out:
                for block in iter(lambda: source.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
            yield copy, digest.hexdigest()

    @staticmethod
    def _sidecar(path: Path) -> bytes | None:
        sidecar = path.with_suffix(".json")
        if not os.path.lexists(sidecar):
            return None
        if _lstat_regular(sidecar) is None:
            raise InvalidOptions(f"sidecar {sidecar.name} is not a regular file")
        data = _read_nofollow(sidecar, _MAX_SIDECAR_BYTES)
        if len(data) > _MAX_SIDECAR_BYTES:
            raise InvalidOptions(
                f"sidecar {sidecar.name} is larger than {_MAX_SIDECAR_BYTES} bytes"
            )
        return data

    def _options(self, path: Path, sidecar: bytes | None) -> RenderOptions:
        if sidecar is None:
            return RenderOptions()
        try:
            options = RenderOptions.model_validate_json(sidecar)
        except ValidationError as error:
            name = path.with_suffix(".json").name
            raise InvalidOptions(f"invalid sidecar {name}: {error.error_count()} errors") from error
        if options.avatar and options.avatar.startswith("photo:"):
            raise InvalidOptions("a dropped deck cannot use a talking photo (it names a path)")
        return options

    def _outgoing_parts(self, path: Path) -> Path:
        """``tenant/…/outgoing/name`` relative to the root (NFC)."""
        relative = path.relative_to(self.root)
        return Path(*[_nfc(p) for p in relative.parts[:-1]], OUTGOING, _nfc(path.stem))

    def _known_path(self, path_key: str, signature: _Signature) -> bool:
        """This very file (same path, size, mtime and sidecar) was taken before."""
        sidecar = list(signature.sidecar) if signature.sidecar else None
        return any(
            item.data.get("size") == signature.size
            and item.data.get("mtime_ns") == signature.mtime_ns
            and item.data.get("sidecar") == sidecar
            for item in find_items(self.services.items, DROP_KIND, "path", path_key)
        )

    def _deliver_finished(self) -> None:
        for item in find_items(self.services.items, DROP_KIND, "state", "rendering"):
            job_id = item.data.get("job_id")
            if not job_id:
                continue
            try:
                job = self.services.jobs.get(job_id)
            except NotFound:
                continue
            renders = language_jobs(self.services.jobs, job)  # each language's (ADR 0017)
            if not all(render.status.finished for render in renders):
                continue
            outgoing = Path(item.data["outgoing"])
            if outgoing.is_absolute():  # records written before outgoing was kept relative
                outgoing = outgoing.relative_to(self.root)
            try:
                state = "delivered"
                for render in renders:  # the first language in outgoing/, the others in <lang>/
                    folder = outgoing if render is job else outgoing / str(render.options.language)
                    if not self._deliver(render, folder):
                        state = "failed"
            except OSError as failure:
                logger.warning("drop folder delivery refused", error=type(failure).__name__)
                state = "undeliverable"
            self.services.items.update(DROP_KIND, item.id, {"state": state})
            logger.info("drop folder delivered", render_id=job_id, state=state)

    def _deliver(self, job: Job, outgoing: Path) -> bool:
        """A finished render's files (or its ``error.json``) into ``outgoing``; True: files."""
        if job.status == JobStatus.SUCCEEDED:
            with tempfile.TemporaryDirectory() as scratch:
                files = {}
                for name, key in job.outputs.items():
                    files[name] = self.services.blobs.get_file(key, Path(scratch) / name)
                _write_outgoing(self.root, outgoing, files, remove=(DROPBOX_ERROR_FILE,))
            return True
        error = {"code": job.error_code, "message": job.error_message, "render_id": job.id}
        _write_outgoing(self.root, outgoing, {DROPBOX_ERROR_FILE: _json(error)})
        return False

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


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


@contextlib.contextmanager
def _open_dirs(root: Path, relative: Path) -> Iterator[int]:
    """A descriptor of ``root/relative``, each level opened with ``O_NOFOLLOW`` (made if absent):
    a symbolic link anywhere on the way raises ``OSError`` instead of being followed."""
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in relative.parts:
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                os.mkdir(part, 0o755, dir_fd=fd)
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _write_outgoing(
    root: Path, relative: Path, files: Mapping[str, bytes | Path], remove: tuple[str, ...] = ()
) -> None:
    """Write each file atomically (aside, then renamed) into ``root/relative``, never through a
    link; then remove ``remove`` (a stale ``error.json`` after a success)."""
    with _open_dirs(root, relative) as fd:
        for name, content in files.items():
            tmp = f".tmp-{secrets.token_hex(6)}"
            out = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=fd
            )
            try:
                with os.fdopen(out, "wb") as handle:
                    if isinstance(content, bytes):
                        handle.write(content)
                    else:
                        with content.open("rb") as source:
                            for block in iter(lambda: source.read(1 << 20), b""):
                                handle.write(block)
                os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp, dir_fd=fd)
                raise
        for name in remove:
            if name not in files:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name, dir_fd=fd)


__all__ = ["DROP_KIND", "DropFolder"]
