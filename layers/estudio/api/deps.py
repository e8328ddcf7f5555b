"""What every route receives: the services (ports, built at the edge) and the caller's tenant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from estudio.api.keys import verify_key
from estudio.api.login import LocalLogin
from estudio.api.urls import UrlSigner
from estudio.errors import Unauthorized
from estudio.jobs import JobRepository
from estudio.ports import BlobStore, ItemStore, Orchestrator
from estudio.settings import Settings
from estudio.speech.registry import VoiceRegistry, default_registry
from estudio.webhooks.delivery import WebhookService


@dataclass
class ApiServices:
    items: ItemStore
    blobs: BlobStore  # hands out download/upload URLs (signed local routes or S3 presigned)
    jobs: JobRepository
    webhooks: WebhookService
    settings: Settings
    orchestrator: Orchestrator | None = None
    signer: UrlSigner | None = None  # local mode: serves /v1/files and /v1/uploads itself
    login: LocalLogin | None = None  # local mode: one-time login links for the web page
    _voices: VoiceRegistry | None = None

    def voices(self) -> VoiceRegistry:
        """The voice catalog, built once (a cloud provider's listing is cached inside it)."""
        if self._voices is None:
            self._voices = default_registry(self.settings)
        return self._voices


def get_services(request: Request) -> ApiServices:
    services: ApiServices = request.app.state.services
    return services


ServicesDep = Annotated[ApiServices, Depends(get_services)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer est_…`")


def get_tenant(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer API key")
    return verify_key(services.items, credentials.credentials)


TenantDep = Annotated[str, Depends(get_tenant)]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size.")]
Cursor = Annotated[str | None, Query(max_length=512, description="From `next_cursor`.")]
