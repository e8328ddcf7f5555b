"""The ports the pipeline and the API depend on. Local and AWS adapters implement them.

Adapters translate their backend's errors into ``estudio.errors`` (``NotFound``, ``Conflict``,
``ConcurrentUpdate``, ``StorageUnavailable``); callers never see boto3 or sqlite3 exceptions.
"""

from __future__ import annotations

import base64
import builtins
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from estudio.errors import InvalidOptions


class BlobStore(Protocol):
    """Bytes by key ("jobs/{job_id}/speech/0003.wav"). Writes are atomic: all or nothing."""

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None: ...
    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None: ...
    def get_bytes(self, key: str) -> bytes: ...
    def get_file(self, key: str, dest: Path) -> Path: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def delete(self, key: str) -> None: ...
    def download_url(self, key: str, expires_s: int = 3600, filename: str | None = None) -> str: ...
    def upload_url(self, key: str, expires_s: int = 900, max_bytes: int | None = None) -> str: ...


class Item(BaseModel):
    """One stored record. ``kind`` + ``id`` is the key; ``tenant`` scopes listing and access."""

    kind: str
    id: str
    tenant: str
    version: int = 1
    data: dict[str, Any] = {}
    created_at: float
    updated_at: float
    expires_at: float | None = None  # epoch seconds; DynamoDB TTL, SQLite purge


def encode_cursor(item: Item) -> str:
    """The page cursor after ``item`` (newest-first order): the same format in every store."""
    raw = json.dumps([item.created_at, item.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    """(created_at, id) of the last item of the previous page; ``InvalidOptions`` if malformed."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, last_id = json.loads(base64.urlsafe_b64decode(padded))
        stamp = float(created_at)
    except (ValueError, TypeError, OverflowError) as error:
        raise InvalidOptions("invalid pagination cursor") from error
    if not math.isfinite(stamp) or not isinstance(last_id, str) or len(last_id) > 200:
        raise InvalidOptions("invalid pagination cursor")
    return stamp, last_id


class ItemStore(Protocol):
    """Single-table state: jobs, projects, keys, webhooks (SQLite locally, DynamoDB in AWS)."""

    def create(
        self, kind: str, id: str, tenant: str, data: Mapping[str, Any], ttl_s: int | None = None
    ) -> Item:
        """Raises ``Conflict`` when kind/id already exists."""
        ...

    def get(self, kind: str, id: str) -> Item:
        """Raises ``NotFound``."""
        ...

    def update(
        self, kind: str, id: str, changes: Mapping[str, Any], expect_version: int | None = None
    ) -> Item:
        """Merge ``changes`` into ``data``; bump ``version``. Raises ``ConcurrentUpdate`` when
        ``expect_version`` no longer matches, ``NotFound`` when absent."""
        ...

    def delete(self, kind: str, id: str) -> None: ...

    def list(
        self, kind: str, tenant: str, limit: int = 50, cursor: str | None = None
    ) -> tuple[builtins.list[Item], str | None]:
        """Newest first; returns the page and the cursor of the next page (None at the end)."""
        ...

    def find(self, kind: str, field: str, value: str) -> builtins.list[Item]:
        """Items of ``kind`` whose ``data[field] == value`` (e.g. an API key by its hash)."""
        ...


@runtime_checkable
class Orchestrator(Protocol):
    """Starts a pipeline execution. Starting the same ``job_id`` twice starts one execution."""

    def start(self, job_id: str, payload: Mapping[str, Any]) -> str: ...
    def stop(self, job_id: str, reason: str) -> None: ...


class EventSink(Protocol):
    """Where job events go (``render.started``, ``render.progress``…): webhooks, SQS, nowhere."""

    def publish(self, event_type: str, tenant: str, data: Mapping[str, Any]) -> None: ...
