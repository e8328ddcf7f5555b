"""The FastAPI app factory. Adapters (stores, orchestrator) are built by the caller and passed in:
``estudio serve`` passes the local ones, the Lambda handler the AWS ones (wrapped by Mangum)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles

from estudio.api import problems
from estudio.api.deps import ApiServices, Identify
from estudio.api.groups import GROUPS, RouteGroup, routers_of
from estudio.api.guard import RequestGuard, docs_csp
from estudio.api.login import LocalLogin
from estudio.api.urls import SignedUrlBlobStore, UrlSigner
from estudio.jobs import JobRepository
from estudio.ports import BlobStore, ItemStore, Orchestrator
from estudio.script.factory import Writers, default_writers
from estudio.settings import Settings
from estudio.webhooks.delivery import WebhookService

API_PREFIX = "/v1"
DESCRIPTION = """Turn PowerPoint decks into narrated videos with captions.

Authenticate with `Authorization: Bearer <API key>` (`estudio keys create --tenant NAME`).
Errors are `application/problem+json` with a stable `code`. Every object belongs to the tenant of
the key that created it; another tenant's ids answer 404.
"""


def create_app(
    items: ItemStore,
    blobs: BlobStore,
    orchestrator: Orchestrator | None = None,
    settings: Settings | None = None,
    *,
    allow_private_webhooks: bool = False,
    webhooks: WebhookService | None = None,
    jobs: JobRepository | None = None,
    signer: UrlSigner | None = None,
    login: LocalLogin | None = None,
    writers: Writers | None = None,
    group: RouteGroup | None = None,
    identify: Identify | None = None,
) -> FastAPI:
    """Build the API.

    ``signer`` turns on local mode: downloads and uploads go through the API's own signed
    ``/v1/files`` and ``/v1/uploads`` routes. ``jobs`` must publish to ``webhooks`` (the default
    wires that); pass the same repository to the orchestrator's stage context.

    ``group`` builds one group's app only (``estudio.api.groups``: a cloud function imports
    that group's routers and no other); by default every group is served.

    ``identify`` names a caller an outer layer already verified (the cloud function: a person's
    token checked by API Gateway's JWT authorizer); other callers present an API key.
    """
    settings = settings or Settings()
    webhooks = webhooks or WebhookService(items, allow_private=allow_private_webhooks)
    jobs = jobs or JobRepository(items, events=webhooks)
    url_blobs: BlobStore = SignedUrlBlobStore(blobs, signer) if signer is not None else blobs
    services = ApiServices(
        items=items,
        blobs=url_blobs,
        jobs=jobs,
        webhooks=webhooks,
        settings=settings,
        orchestrator=orchestrator,
        signer=signer,
        login=login,
        writers=writers or default_writers(settings),
    )
    app = FastAPI(
        title="Estúdio API",
        version="1.0.0",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.services = services
    app.state.identify = identify
    problems.install(app)
    docs_page = get_swagger_ui_html(openapi_url="/openapi.json", title=app.title + " - Swagger UI")
    app.add_middleware(
        RequestGuard,
        deck_bytes=settings.limits.max_deck_bytes,
        path_csp={"/docs": docs_csp(bytes(docs_page.body).decode())},
    )
    api = APIRouter(prefix=API_PREFIX)
    selected = [group] if group else [g for g in GROUPS if g.cloud or signer is not None]
    for chosen in selected:
        for name, router in routers_of(chosen):
            # The page sits at the root, the API under /v1.
            (app if name == "web" else api).include_router(router)
    app.include_router(api)
    if any(chosen.static for chosen in selected):
        from estudio.api.routers.web import STATIC, app_config

        if signer is not None:  # estudio serve; the cloud's site has its own config.json
            app.add_api_route("/config.json", app_config, include_in_schema=False)
        app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    return app
