"""What every resource module shares: ownership checks and walking a tenant's items and blobs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from estudio.errors import NotFound
from estudio.ports import Item, ItemStore
from estudio.services.context import ApiServices

PROJECT_KIND = "project"
UPLOAD_KIND = "upload"
IDEMPOTENCY_KIND = "idempotency"


def owned(items: ItemStore, kind: str, item_id: str, tenant: str) -> Item:
    """The item, when ``tenant`` owns it; ``NotFound`` otherwise (no hint that it exists)."""
    item = items.get(kind, item_id)
    if item.tenant != tenant:
        raise NotFound(f"{kind} {item_id} not found")
    return item


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def all_items(items: ItemStore, kind: str, tenant: str) -> list[Item]:
    """Every item of ``kind`` the tenant owns (walks the pages of ``list``)."""
    found: list[Item] = []
    cursor: str | None = None
    while True:
        page, cursor = items.list(kind, tenant, limit=100, cursor=cursor)
        found += page
        if cursor is None:
            return found


def delete_blobs(services: ApiServices, prefix: str) -> int:
    keys = services.blobs.list(prefix)
    for key in keys:
        services.blobs.delete(key)
    return len(keys)
