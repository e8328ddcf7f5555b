"""A tenant's API keys as its partner page manages them: list, create (the secret shown once),
revoke. Only the key's SHA-256 is stored (``estudio.api.keys``); a revoked key is refused from
the next request on. A key may revoke itself: the request that does so is its last."""

from __future__ import annotations

from estudio.api.keys import KEY_KIND, create_key_with_id, list_keys
from estudio.api.schemas import KeyCreated, KeyPublic
from estudio.errors import NotFound
from estudio.observability import logger
from estudio.services.common import owned
from estudio.services.context import ApiServices


def _last_changes(services: ApiServices, tenant: str) -> dict[str, float]:
    """Key id → when it last made a change (the audit log records each one; reads are not)."""
    last: dict[str, float] = {}
    for entry in services.audit.entries(tenant):
        actor = str(entry.data.get("actor", ""))
        last[actor] = max(last.get(actor, 0.0), float(entry.data.get("at", 0.0)))
    return last


def keys_of(services: ApiServices, tenant: str) -> list[KeyPublic]:
    """The tenant's keys, newest first, revoked ones included; never a secret or its hash."""
    used = _last_changes(services, tenant)
    listed = [
        KeyPublic(
            id=key["id"],
            prefix=key["prefix"],
            label=key["label"],
            created_at=key["created_at"],
            last_used_at=used.get(key["id"]),
            revoked=key["revoked"],
        )
        for key in list_keys(services.items, tenant)
    ]
    return sorted(listed, key=lambda k: (k.created_at, k.id), reverse=True)


def new_key(services: ApiServices, tenant: str, label: str) -> KeyCreated:
    key_id, secret = create_key_with_id(services.items, tenant, label)
    (created,) = [k for k in keys_of(services, tenant) if k.id == key_id]
    return KeyCreated(**created.model_dump(), key=secret)


def revoke(services: ApiServices, tenant: str, key_id: str) -> KeyPublic:
    """Revoke one of the tenant's keys (another tenant's answers 404); revoking twice is fine."""
    if not key_id.startswith("key_"):
        raise NotFound(f"key {key_id} not found")
    item = owned(services.items, KEY_KIND, key_id, tenant)
    if not item.data.get("revoked"):
        services.items.update(KEY_KIND, key_id, {"revoked": True})
        logger.info("api key revoked", tenant=tenant, key_id=key_id)
    (found,) = [k for k in keys_of(services, tenant) if k.id == key_id]
    return found
