"""API keys: one random key per call, stored only as its SHA-256; every key names one tenant.

A key is ``est_`` + 32 random bytes (URL-safe base64): high entropy, so an unsalted SHA-256 is a
sound verifier. Lookup is by the hash; the final comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from estudio.errors import InvalidOptions, NotFound, Unauthorized
from estudio.observability import logger
from estudio.ports import ItemStore
from estudio.webhooks.delivery import find_items

KEY_KIND = "apikey"
KEY_PREFIX = "est_"
TENANT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def validate_tenant(tenant: str) -> str:
    if not TENANT_PATTERN.fullmatch(tenant):
        raise InvalidOptions(
            "tenant names are 1-63 characters: lowercase letters, digits, '-' and '_'"
        )
    return tenant


def create_key(items: ItemStore, tenant: str, label: str | None = None) -> str:
    """Create a key for ``tenant`` and return it; only its hash is stored (print it once)."""
    return create_key_with_id(items, tenant, label)[1]


def create_key_with_id(items: ItemStore, tenant: str, label: str | None = None) -> tuple[str, str]:
    """``create_key``, answering the new key's id as well: ``(key_id, key)``."""
    validate_tenant(tenant)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    digest = hash_key(key)
    key_id = "key_" + secrets.token_hex(8)
    items.create(
        KEY_KIND,
        key_id,
        tenant,
        {"hash": digest, "prefix": key[:10], "label": label, "revoked": False},
    )
    logger.info("api key created", tenant=tenant)
    return key_id, key


def authenticate(items: ItemStore, key: str) -> tuple[str, str]:
    """The tenant ``key`` belongs to and the key's id; ``Unauthorized`` for an unknown or revoked
    key (a revoked key is refused from the next request on: it is read every time)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        raise Unauthorized("invalid API key")
    digest = hash_key(key)
    for item in find_items(items, KEY_KIND, "hash", digest):
        if hmac.compare_digest(str(item.data.get("hash", "")), digest) and not item.data.get(
            "revoked"
        ):
            return item.tenant, item.id
    raise Unauthorized("invalid API key")


def verify_key(items: ItemStore, key: str) -> str:
    """The tenant that ``key`` belongs to; raises ``Unauthorized`` for an unknown or revoked key."""
    return authenticate(items, key)[0]


def list_keys(items: ItemStore, tenant: str) -> list[dict[str, Any]]:
    """The tenant's keys, newest first: id, prefix, label, created, revoked (never the hash)."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page, cursor = items.list(KEY_KIND, tenant, limit=100, cursor=cursor)
        found += [
            {
                "id": item.id,
                "tenant": item.tenant,
                "prefix": item.data.get("prefix"),
                "label": item.data.get("label"),
                "created_at": item.created_at,
                "revoked": bool(item.data.get("revoked")),
            }
            for item in page
        ]
        if cursor is None:
            return found


def tenant_exists(items: ItemStore, tenant: str) -> bool:
    """A tenant exists once a key was created for it (revoked keys count)."""
    page, _ = items.list(KEY_KIND, tenant, limit=1)
    return bool(page)


def revoke_key(items: ItemStore, key_id: str) -> str:
    """Revoke one key by its id; returns its tenant (raises ``NotFound``)."""
    if not key_id.startswith("key_"):
        raise NotFound(f"key {key_id} not found")
    return items.update(KEY_KIND, key_id, {"revoked": True}).tenant
