"""What every route receives: the services (ports, built at the edge) and the caller's tenant."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from estudio.api.keys import authenticate
from estudio.errors import Unauthorized
from estudio.services.context import ApiServices


def get_services(request: Request) -> ApiServices:
    services: ApiServices = request.app.state.services
    return services


ServicesDep = Annotated[ApiServices, Depends(get_services)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer est_…`")


READ_METHODS = ("GET", "HEAD", "OPTIONS")
# The ASGI scope → (tenant, who) of a caller an outer layer already verified, or None.
Identify = Callable[[Mapping[str, Any]], "tuple[str, str] | None"]
API_PREFIX = "/v1"


def get_tenant(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Iterator[str]:
    """The caller's tenant. A change that succeeds is written to the audit log afterwards: who
    (the key id, or ``user:<sub>`` for a person signed in), the route
    (``DELETE /v1/projects/{project_id}``) and its path ids, never a body.

    An ``identify`` hook on the app (the cloud function sets one: a token the JWT authorizer
    verified) names the caller first; otherwise the bearer credential must be an API key."""
    identify: Identify | None = getattr(request.app.state, "identify", None)
    found = identify(request.scope) if identify is not None else None
    if found is not None:
        tenant, key_id = found
    elif credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer API key")
    else:
        tenant, key_id = authenticate(services.items, credentials.credentials)
    request.state.key_id = key_id  # who: a key id or ``user:<sub>``
    yield tenant
    if request.method not in READ_METHODS and not getattr(request.state, "audited", False):
        route = request.scope.get("route")
        template = str(getattr(route, "path", request.url.path))
        if not template.startswith(API_PREFIX):  # nested routers report their own part only
            template = API_PREFIX + template
        services.audit.record(
            tenant, key_id, f"{request.method} {template}", dict(request.path_params)
        )


TenantDep = Annotated[str, Depends(get_tenant)]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size.")]
Cursor = Annotated[str | None, Query(max_length=512, description="From `next_cursor`.")]


__all__ = ["ApiServices", "Cursor", "Limit", "ServicesDep", "TenantDep", "get_services"]
