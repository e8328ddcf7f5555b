"""The tenant's API keys, for the partner page: list, create (the secret once), revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam

from estudio.api.deps import ServicesDep, TenantDep
from estudio.api.schemas import KeyCreate, KeyCreated, KeyPublic, Problem
from estudio.services import keys as service

router = APIRouter(prefix="/keys", tags=["keys"])
KeyId = Annotated[str, PathParam(pattern=r"^key_[0-9a-f]{1,64}$")]
PROBLEMS: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}


@router.get(
    "",
    response_model=list[KeyPublic],
    summary="The tenant's API keys, newest first (never a secret)",
    description="`last_used_at`: when the key last made a change (the audit log's record).",
)
def list_keys(services: ServicesDep, tenant: TenantDep) -> list[KeyPublic]:
    return service.keys_of(services, tenant)


@router.post(
    "",
    status_code=201,
    response_model=KeyCreated,
    summary="Create an API key: the answer holds the key, shown this once",
)
def create_key(body: KeyCreate, services: ServicesDep, tenant: TenantDep) -> KeyCreated:
    return service.new_key(services, tenant, body.label)


@router.delete(
    "/{key_id}",
    response_model=KeyPublic,
    summary="Revoke an API key (refused from the next request on)",
    description=(
        "A key may revoke itself: the request that does so succeeds, the next one is 401. "
        "Revoking a revoked key answers it unchanged; the key stays listed as revoked."
    ),
    responses=PROBLEMS,
)
def revoke_key(key_id: KeyId, services: ServicesDep, tenant: TenantDep) -> KeyPublic:
    return service.revoke(services, tenant, key_id)
