"""API keys: ``Authorization: Bearer <key>`` → the tenant, checked by ``estudio.api.keys``
(lookup by the key's SHA-256, constant-time comparison, revoked keys refused)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from estudio.constants import BEARER_PREFIX
from estudio.errors import Unauthorized
from estudio.ports import ItemStore


def bearer_token(headers: Mapping[str, str] | None) -> str | None:
    for name, value in (headers or {}).items():
        if name.lower() == "authorization" and value.startswith(BEARER_PREFIX):
            token = value[len(BEARER_PREFIX) :].strip()
            return token or None
    return None


def authorize(items: ItemStore, headers: Mapping[str, str] | None) -> dict[str, Any]:
    """An HTTP API "simple response": ``isAuthorized`` and, when granted, the tenant."""
    from estudio.api.keys import verify_key

    token = bearer_token(headers)
    if token is None:
        return {"isAuthorized": False}
    try:
        tenant = verify_key(items, token)
    except Unauthorized:
        return {"isAuthorized": False}
    return {"isAuthorized": True, "context": {"tenant": tenant}}
