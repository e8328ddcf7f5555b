"""API keys: ``Authorization: Bearer <key>`` → the tenant, by the key's SHA-256 in the table.

Keys are stored as ``kind="api_key"`` items whose ``data.key_hash`` is the hex SHA-256 of the
key (never the key itself); ``data.revoked`` true refuses it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from estudio.constants import API_KEY_HASH_FIELD, API_KEY_KIND, API_KEY_PREFIX
from estudio.ports import ItemStore


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def bearer_token(headers: Mapping[str, str] | None) -> str | None:
    for name, value in (headers or {}).items():
        if name.lower() == "authorization" and value.startswith(API_KEY_PREFIX):
            token = value[len(API_KEY_PREFIX):].strip()
            return token or None
    return None


def authorize(items: ItemStore, headers: Mapping[str, str] | None) -> dict[str, Any]:
    """An HTTP API "simple response": ``isAuthorized`` and, when granted, the tenant."""
    token = bearer_token(headers)
    if token is None:
        return {"isAuthorized": False}
    for item in items.find(API_KEY_KIND, API_KEY_HASH_FIELD, hash_key(token)):
        if not item.data.get("revoked"):
            return {"isAuthorized": True, "context": {"tenant": item.tenant, "key_id": item.id}}
    return {"isAuthorized": False}
