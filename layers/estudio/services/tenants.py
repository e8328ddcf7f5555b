"""A tenant's data as a whole (LGPD art. 18): export it all, or erase it all.

Both go through the ports only (``ItemStore``, ``BlobStore``), so the local store (SQLite and a
folder) and the cloud one (DynamoDB and S3) behave the same.

What a tenant owns: every item whose ``tenant`` is it (``TENANT_KINDS``), and the blobs under
``projects/{project}/``, ``jobs/{render}/``, ``dropbox/{tenant}/``, ``exports/{tenant}/``,
``speech-cache/{tenant}/``, ``cache/segments/{tenant}/`` and ``cache/slides/{tenant}/`` (the
caches are per tenant for this).
The export is a ZIP with ``index.json`` (what is inside, with sizes and SHA-256) beside one JSON
file per record and the files themselves. Webhook secrets and key hashes are never exported.
"""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
from pathlib import Path
from typing import Any

from estudio.api.keys import KEY_KIND, list_keys
from estudio.errors import Conflict, InvalidOptions
from estudio.jobs import JOB_KIND, Job
from estudio.observability import logger
from estudio.pipeline.stages import segment_cache_prefix
from estudio.ports import Item
from estudio.services.audit import AUDIT_KIND, AuditLog
from estudio.services.common import (
    IDEMPOTENCY_KIND,
    PROJECT_KIND,
    UPLOAD_KIND,
    all_items,
    delete_blobs,
)
from estudio.services.context import ApiServices
from estudio.services.projects import delete_project, project_public
from estudio.services.renders import purge_render, render_public
from estudio.services.scenes import scenes
from estudio.slides.cache import slide_cache_tenant_prefix
from estudio.speech.cache import CACHE_PREFIX
from estudio.speech.glossary import TENANT_GLOSSARY_KIND, tenant_glossary
from estudio.webhooks.delivery import DELIVERY_KIND, SUBSCRIPTION_KIND

DROP_KIND = "dropfile"  # estudio.dropbox's records (kept here to avoid importing the watcher)
EXPORT_FORMAT = 1
# Keys last: until the very end the tenant can still authenticate and retry a failed erasure.
TENANT_KINDS: tuple[str, ...] = (
    JOB_KIND,
    PROJECT_KIND,
    UPLOAD_KIND,
    IDEMPOTENCY_KIND,
    DELIVERY_KIND,
    SUBSCRIPTION_KIND,
    DROP_KIND,
    TENANT_GLOSSARY_KIND,
    AUDIT_KIND,
    KEY_KIND,
)


def tenant_prefixes(tenant: str) -> list[str]:
    """Blob prefixes that hold only this tenant's files."""
    return [
        f"dropbox/{tenant}/",
        f"exports/{tenant}/",
        f"{CACHE_PREFIX}/{tenant}/",
        segment_cache_prefix(tenant),
        slide_cache_tenant_prefix(tenant),
    ]


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


class _Zip:
    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.files: list[dict[str, Any]] = []

    def add(self, name: str, data: bytes) -> None:
        self.zip.writestr(name, data)
        self.files.append(
            {"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )

    def add_blob(self, services: ApiServices, name: str, key: str, scratch: Path) -> None:
        local = services.blobs.get_file(key, scratch / "blob")
        digest = hashlib.sha256()
        with local.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        self.zip.write(local, name)
        self.files.append(
            {"path": name, "bytes": local.stat().st_size, "sha256": digest.hexdigest()}
        )
        local.unlink()


def _delivery(item: Item) -> dict[str, Any]:
    return {"id": item.id, "created_at": item.created_at, **item.data}


def export_tenant(services: ApiServices, tenant: str, dest: Path, scratch: Path) -> Path:
    """Write everything ``tenant`` has to the ZIP ``dest``; returns it."""
    items = services.items
    out = _Zip(dest)
    counts: dict[str, int] = {}
    try:
        projects = all_items(items, PROJECT_KIND, tenant)
        for project in projects:
            base = f"projects/{project.id}"
            out.add(f"{base}/project.json", _json(project_public(project).model_dump(mode="json")))
            if project.data.get("deck_model_key"):
                listed = [  # no signed image links in an export: they expire within the hour
                    s.model_dump(mode="json", exclude={"image_url"})
                    for s in scenes(services, tenant, project.id)
                ]
                out.add(f"{base}/scenes.json", _json(listed))
            deck_key = project.data.get("deck_key")
            if deck_key and services.blobs.exists(deck_key):
                name = project.data.get("deck", {}).get("source_name") or "deck.pptx"
                out.add_blob(services, f"{base}/deck/{name}", deck_key, scratch)
        counts["projects"] = len(projects)
        renders = all_items(items, JOB_KIND, tenant)
        for item in renders:
            job = Job.from_item(item)
            base = f"renders/{job.id}"
            public = render_public(services, job).model_dump(mode="json", exclude={"outputs"})
            out.add(f"{base}/render.json", _json({**public, "source_name": job.source_name}))
            for name, key in sorted(job.outputs.items()):
                if services.blobs.exists(key):
                    out.add_blob(services, f"{base}/{name}", key, scratch)
        counts["renders"] = len(renders)
        glossary = tenant_glossary(items, tenant)
        out.add("glossary.json", _json(glossary.model_dump(mode="json")))
        hooks = all_items(items, SUBSCRIPTION_KIND, tenant)
        out.add(
            "webhooks.json",
            _json(
                [
                    {"id": h.id, "created_at": h.created_at}
                    | {k: v for k, v in h.data.items() if k != "secret"}
                    for h in hooks
                ]
            ),
        )
        counts["webhooks"] = len(hooks)
        deliveries = all_items(items, DELIVERY_KIND, tenant)
        out.add("webhook-deliveries.json", _json([_delivery(d) for d in deliveries]))
        counts["webhook_deliveries"] = len(deliveries)
        drops = all_items(items, DROP_KIND, tenant)
        out.add("dropbox.json", _json([{"id": d.id, **d.data} for d in drops]))
        for key in services.blobs.list(f"dropbox/{tenant}/"):
            out.add_blob(services, key, key, scratch)
        counts["dropped_decks"] = len(drops)
        keys = list_keys(items, tenant)
        out.add("api-keys.json", _json(keys))
        counts["api_keys"] = len(keys)
        audit = AuditLog(items).entries(tenant)
        out.add(
            "audit-log.json",
            _json([{"id": e.id, **e.data} for e in audit]),
        )
        counts["audit_entries"] = len(audit)
        index = {
            "format": EXPORT_FORMAT,
            "tenant": tenant,
            "exported_at": time.time(),
            "counts": counts,
            "files": list(out.files),
        }
        out.zip.writestr("index.json", _json(index))
    finally:
        out.zip.close()
    return dest


def erase_tenant(services: ApiServices, tenant: str, confirm: str, actor: str) -> dict[str, int]:
    """Delete everything ``tenant`` has, its API keys last. ``confirm`` must be the tenant id.

    Safe to repeat: a failure half-way leaves the keys, so the tenant can call it again.
    """
    if confirm != tenant:
        raise InvalidOptions('confirm the erasure with {"confirm": "<your tenant id>"}')
    items = services.items
    counts = {"renders": 0, "projects": 0, "blobs": 0, "items": 0}
    for item in all_items(items, JOB_KIND, tenant):
        purge_render(services, Job.from_item(item))
        counts["renders"] += 1
    for project in all_items(items, PROJECT_KIND, tenant):
        delete_project(services, tenant, project.id)
        counts["projects"] += 1
    for upload in all_items(items, UPLOAD_KIND, tenant):
        services.blobs.delete(upload.data["key"])
    for prefix in tenant_prefixes(tenant):
        counts["blobs"] += delete_blobs(services, prefix)
    for kind in TENANT_KINDS:
        for item in all_items(items, kind, tenant):
            items.delete(kind, item.id)
            counts["items"] += 1
    left = [kind for kind in TENANT_KINDS if items.list(kind, tenant, limit=1)[0]]
    if left:
        raise Conflict(f"the erasure was interrupted by new data ({', '.join(left)}); repeat it")
    # The erasure itself is kept in the operational log only: nothing of the tenant stays.
    logger.info("tenant erased", tenant=tenant, actor=actor, counts=counts)
    return counts


__all__ = ["TENANT_KINDS", "erase_tenant", "export_tenant", "tenant_prefixes"]
