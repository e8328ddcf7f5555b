"""What the application layer works with: the ports (built at the edge and passed in) and the
services made from them. The HTTP API, the drop folder, ``estudio serve`` and the CLI each build
one ``ApiServices`` and call the resource modules with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from estudio.jobs import JobRepository
from estudio.ports import BlobStore, ItemStore, Orchestrator
from estudio.services.audit import AuditLog
from estudio.settings import Settings
from estudio.webhooks.delivery import WebhookService

if TYPE_CHECKING:
    from estudio.api.login import LocalLogin
    from estudio.api.urls import UrlSigner
    from estudio.script.factory import Writers
    from estudio.speech.registry import VoiceRegistry


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
    writers: Writers | None = None  # the script writers (rules only when None)
    audit: AuditLog = field(init=False)
    _voices: VoiceRegistry | None = None

    def __post_init__(self) -> None:
        self.audit = AuditLog(self.items)

    def voices(self) -> VoiceRegistry:
        """The voice catalog, built once (a cloud provider's listing is cached inside it)."""
        if self._voices is None:  # loaded here: only the voice routes need the providers
            from estudio.speech.registry import default_registry

            self._voices = default_registry(self.settings)
        return self._voices
