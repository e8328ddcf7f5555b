"""API keys: one random key per call, stored only as its SHA-256; every key names one tenant.

A key is ``est_`` + 32 random bytes (URL-safe base64): high entropy, so an unsalted SHA-256 is a
sound verifier. Lookup is by the hash; the final comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from estudio.errors import InvalidOptions, Unauthorized
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
    validate_tenant(tenant)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    digest = hash_key(key)
    items.create(
        KEY_KIND,
        "key_" + secrets.token_hex(8),
        tenant,
        {"hash": digest, "prefix": key[:10], "label": label, "revoked": False},
    )
    logger.info("api key created", tenant=tenant)
    return key


def verify_key(items: ItemStore, key: str) -> str:
    """The tenant that ``key`` belongs to; raises ``Unauthorized`` for an unknown or revoked key."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        raise Unauthorized("invalid API key")
    digest = hash_key(key)
    for item in find_items(items, KEY_KIND, "hash", digest):
        if hmac.compare_digest(str(item.data.get("hash", "")), digest) and not item.data.get(
            "revoked"
        ):
            return item.tenant
    raise Unauthorized("invalid API key")


def revoke_key(items: ItemStore, key_id: str) -> None:
    """Revoke one key by its id (raises ``NotFound``)."""
    items.update(KEY_KIND, key_id, {"revoked": True})
