"""Blobs in a folder. Keys map to relative paths; writes go to a temp file and are renamed."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

from estudio.errors import InvalidOptions, NotFound


class FolderBlobStore:
    def __init__(self, root: Path, public_base_url: str | None = None) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        # When served (``estudio serve``), URLs point at the API's blob route; else file paths.
        self.public_base_url = public_base_url

    def path(self, key: str) -> Path:
        """The file of ``key``, checked lexically: no absolute key, no ``..`` or ``.`` part, no
        empty part, no backslash or NUL. No filesystem call (resolving every component cost a
        dozen ``lstat`` calls per access, a third of an unchanged re-render's stage time); the
        folder is the product's own and it never makes links in it."""
        parts = key.split("/")
        if not key or "\\" in key or "\0" in key or any(part in ("", ".", "..") for part in parts):
            raise InvalidOptions(f"invalid blob key: {key!r}")
        return self.root.joinpath(*parts)

    def _atomic_write(self, key: str, write: object) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)  # type: ignore[operator]
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        self._atomic_write(key, lambda handle: handle.write(data))

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        def copy(handle: object) -> None:
            with path.open("rb") as source:
                shutil.copyfileobj(source, handle)  # type: ignore[arg-type]

        self._atomic_write(key, copy)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as error:
            raise NotFound(f"blob not found: {key}") from error

    def get_file(self, key: str, dest: Path) -> Path:
        source = self.path(key)
        if not source.is_file():
            raise NotFound(f"blob not found: {key}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source != dest.resolve():
            shutil.copyfile(source, dest)
        return dest

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix if prefix else self.root
        folder = base if base.is_dir() else base.parent
        if not folder.exists():
            return []
        keys = []
        for item in folder.rglob("*"):
            if item.is_file() and not item.name.startswith(".tmp-"):
                key = item.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def download_url(self, key: str, expires_s: int = 3600, filename: str | None = None) -> str:
        if self.public_base_url:
            return f"{self.public_base_url.rstrip('/')}/{quote(key)}"
        return self.path(key).as_uri()

    def upload_url(self, key: str, expires_s: int = 900, max_bytes: int | None = None) -> str:
        if self.public_base_url:
            return f"{self.public_base_url.rstrip('/')}/{quote(key)}"
        return self.path(key).as_uri()
