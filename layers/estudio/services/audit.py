"""The audit log: who did what, per tenant, append-only.

One item per entry (kind ``audit``): the key id that acted (or ``cli``/``dropbox``), the action,
the resource ids and the time. Never a script, a deck's text or a secret: only ids and names of
actions. There is no update and no delete here; entries leave the store only with their tenant
(``DELETE /v1/tenant``), and they travel in the tenant's export.
"""

from __future__ import annotations

import builtins
import secrets
import time
from collections.abc import Mapping
from typing import Any

from estudio.ports import Item, ItemStore

AUDIT_KIND = "audit"
MAX_RESOURCE_CHARS = 200


class AuditLog:
    def __init__(self, items: ItemStore) -> None:
        self._items = items

    def record(
        self,
        tenant: str,
        actor: str,
        action: str,
        resource: Mapping[str, Any] | None = None,
    ) -> Item:
        """Append one entry. ``resource`` holds ids only (``{"project_id": "prj_…"}``)."""
        now = time.time()
        entry_id = f"aud_{time.time_ns():020d}_{secrets.token_hex(4)}"
        data = {
            "actor": actor,
            "action": action,
            "resource": {str(k): str(v)[:MAX_RESOURCE_CHARS] for k, v in (resource or {}).items()},
            "at": now,
        }
        return self._items.create(AUDIT_KIND, entry_id, tenant, data)

    def entries(self, tenant: str) -> builtins.list[Item]:
        """Every entry of ``tenant``, oldest first."""
        found: builtins.list[Item] = []
        cursor: str | None = None
        while True:
            page, cursor = self._items.list(AUDIT_KIND, tenant, limit=100, cursor=cursor)
            found += page
            if cursor is None:
                return sorted(found, key=lambda item: (item.created_at, item.id))
