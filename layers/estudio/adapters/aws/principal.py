"""Who calls the cloud API: a person signed in with Cognito, or a partner's API key.

The studio API (behind CloudFront, ``/v1/*``) has API Gateway's JWT authorizer: by the time the
function runs, the ID token's signature, issuer, audience and expiry are checked, and its claims
are in ``requestContext.authorizer.jwt.claims`` of the payload-2.0 event (Mangum hands the event
to the app as the ASGI scope's ``aws.event``). The partner API keeps the Lambda authorizer
(``requestContext.authorizer.lambda``); its function re-checks the key itself, so a revoked key
stops at once rather than after the authorizer's cache.

A person's tenant is the ``custom:tenant`` attribute an admin sets (the app client may read it,
not write it). It is normalised like every tenant name (trimmed, lowercase, then
``validate_tenant``); a token without it, or with one that is not a tenant name, is refused with
``tenant_claim_missing`` (403): signed in, but belonging to no tenant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from estudio.errors import InputError, TenantClaimMissing

TENANT_CLAIM = "custom:tenant"
USER_ACTOR_PREFIX = "user:"


@dataclass(frozen=True)
class Principal:
    """The tenant a request acts for and who it is (audit entries name ``actor``)."""

    tenant: str
    actor: str  # ``user:<sub>`` for a person; a key id (``key_…``) for a partner's key
    email: str | None = None


def _mapping(value: object) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def jwt_claims(event: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The claims the JWT authorizer verified, or None when this request had none (the partner
    API, ``estudio serve``, a test client)."""
    context = _mapping((event or {}).get("requestContext"))
    authorizer = _mapping((context or {}).get("authorizer"))
    jwt = _mapping((authorizer or {}).get("jwt"))
    return _mapping((jwt or {}).get("claims"))


def normalise_tenant(raw: object) -> str:
    """``" Acme "`` → ``"acme"``; ``TenantClaimMissing`` for anything that is not a tenant name."""
    from estudio.api.keys import validate_tenant

    if not isinstance(raw, str) or not raw.strip():
        raise TenantClaimMissing("this account belongs to no tenant: ask an admin to set it")
    try:
        return validate_tenant(raw.strip().lower())
    except InputError:
        raise TenantClaimMissing(
            "this account's tenant is not a valid tenant name: ask an admin to fix it"
        ) from None


def person(claims: Mapping[str, Any]) -> Principal:
    """The principal of a verified ID token's claims."""
    tenant = normalise_tenant(claims.get(TENANT_CLAIM))
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise TenantClaimMissing("the token names no user")
    email = claims.get("email")
    return Principal(tenant, USER_ACTOR_PREFIX + subject, email if isinstance(email, str) else None)


def jwt_principal(scope: Mapping[str, Any]) -> Principal | None:
    """The person behind an ASGI request's verified token, or None when it carried none."""
    claims = jwt_claims(_mapping(scope.get("aws.event")))
    return None if claims is None else person(claims)


def identify(scope: Mapping[str, Any]) -> tuple[str, str] | None:
    """The API's ``identify`` hook (``estudio.api.deps``): (tenant, who) of a verified token."""
    found = jwt_principal(scope)
    return None if found is None else (found.tenant, found.actor)
