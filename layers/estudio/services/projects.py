"""Projects, their decks and scenes: create, edit, upload, parse, delete (with everything made
from them). Every function takes the caller's ``tenant`` and answers ``NotFound`` for anything
the tenant does not own, exactly as for an id that does not exist."""

from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from estudio.api.schemas import (
    DeckSummary,
    Page,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
)
from estudio.errors import Conflict, DeckTooLarge, EstudioError, NotFound
from estudio.jobs import JOB_KIND, Job
from estudio.models import Deck
from estudio.names import clean_filename
from estudio.observability import logger
from estudio.ports import Item
from estudio.services.common import (
    PROJECT_KIND,
    UPLOAD_KIND,
    all_items,
    delete_blobs,
    owned,
    sha256_file,
)
from estudio.services.context import ApiServices
from estudio.services.renders import purge_render
from estudio.services.scenes import NARRATION_FIELDS, slide_link

UPLOAD_TTL_S = 3600
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def list_projects(
    services: ApiServices, tenant: str, limit: int, cursor: str | None, base_url: str = ""
) -> Page[ProjectPublic]:
    items, next_cursor = services.items.list(PROJECT_KIND, tenant, limit, cursor)
    listed = [project_public(i, services, base_url) for i in items]
    return Page[ProjectPublic](items=listed, next_cursor=next_cursor)


def get_project(
    services: ApiServices, tenant: str, project_id: str, base_url: str = ""
) -> ProjectPublic:
    item = owned(services.items, PROJECT_KIND, project_id, tenant)
    return project_public(item, services, base_url)


def project_public(
    item: Item, services: ApiServices | None = None, base_url: str = ""
) -> ProjectPublic:
    """The project as callers see it; with ``services``, a link to its thumbnail too."""
    thumbnail = None
    images = item.data.get("slide_images") or {}
    if services is not None and images:
        thumbnail = slide_link(services, images[min(images, key=int)], base_url, "thumbnail.png")
    deck = item.data.get("deck")
    overrides = item.data.get("scene_overrides") or {}
    return ProjectPublic(
        id=item.id,
        name=item.data["name"],
        description=item.data.get("description"),
        deck=DeckSummary.model_validate(deck) if deck else None,
        edited_scenes=sorted(
            int(i) for i, edit in overrides.items() if any(f in edit for f in NARRATION_FIELDS)
        ),
        glossary=item.data.get("glossary") or [],
        quiz=item.data.get("quiz"),
        thumbnail_url=thumbnail,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def create_project(services: ApiServices, tenant: str, body: ProjectCreate) -> Item:
    data: dict[str, Any] = {
        "name": body.name,
        "description": body.description,
        "deck": None,
        "scene_overrides": {},
        "glossary": [entry.model_dump() for entry in body.glossary],
        "quiz": body.quiz.model_dump() if body.quiz else None,
    }
    return services.items.create(PROJECT_KIND, "prj_" + secrets.token_hex(10), tenant, data)


def update_project(
    services: ApiServices, tenant: str, project_id: str, body: ProjectUpdate
) -> Item:
    owned(services.items, PROJECT_KIND, project_id, tenant)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("name", "") is None:
        changes.pop("name")
    if changes.get("glossary", []) is None:
        changes.pop("glossary")
    if not changes:
        return owned(services.items, PROJECT_KIND, project_id, tenant)
    return services.items.update(PROJECT_KIND, project_id, changes)


def delete_project(services: ApiServices, tenant: str, project_id: str) -> None:
    """The project and everything made from it: its renders (outputs and intermediates), decks,
    scene edits and unfinished uploads. Blobs go first, the project item last, so a failure
    half-way leaves a project whose DELETE can simply be repeated."""
    owned(services.items, PROJECT_KIND, project_id, tenant)
    for item in all_items(services.items, JOB_KIND, tenant):
        if item.data.get("project_id") == project_id:
            purge_render(services, Job.from_item(item))
    for upload in all_items(services.items, UPLOAD_KIND, tenant):
        if upload.data.get("project_id") == project_id:
            services.blobs.delete(upload.data["key"])
            services.items.delete(UPLOAD_KIND, upload.id)
    delete_blobs(services, f"projects/{project_id}/")
    delete_blobs(services, f"uploads/{project_id}/")  # links used after their record expired
    services.items.delete(PROJECT_KIND, project_id)
    logger.info("project deleted", project_id=project_id, tenant=tenant)


# --- decks ---------------------------------------------------------------------------------------
def _parse(
    path: Path, services: ApiServices, source_name: str, tenant: str, digest: str
) -> tuple[Deck, dict[str, str]]:
    """Any deck format, told by content (.pptx, .pptm, .ppt, .odp, Strict, .pdf), and its slide
    images (slide number → blob key in the slide cache) when they are drawn at upload."""
    from estudio.deck.inputs import read_deck  # on first use: the deck parser is heavy to import

    settings = services.settings
    with tempfile.TemporaryDirectory(prefix="estudio-ingest-") as tmp:
        deck, slides_from = read_deck(
            path, settings.limits, Path(tmp), source_name=source_name, soffice=settings.soffice
        )
        images = _slide_images(services, tenant, slides_from, deck, digest)
    return deck, images


def _slide_images(
    services: ApiServices, tenant: str, deck_file: Path, deck: Deck, digest: str
) -> dict[str, str]:
    """Draw (or find in the slide cache) the deck's slide images, so the studio shows them
    beside the scripts and the render reuses them. A deck LibreOffice cannot draw still
    uploads: its scenes have no image and a preview answers ``slides_not_ready``."""
    if not services.settings.slides_at_upload:
        return {}
    from estudio.slides.cache import ensure_slide_images

    settings = services.settings
    if settings.slides_upload_timeout_s is not None:  # the cloud: the answer is due in 29 s
        bound = settings.limits.model_copy(
            update={"stage_timeout_s": settings.slides_upload_timeout_s}
        )
        settings = settings.model_copy(update={"limits": bound})
    started = time.perf_counter()
    try:
        images = ensure_slide_images(
            services.blobs, tenant, deck_file, deck, settings, deck_sha256=digest
        )
    except EstudioError as error:
        logger.warning("slide images not drawn at upload", code=error.code, error=error.message)
        return {}
    logger.info(
        "slide images ready",
        tenant=tenant,
        slides=len(images.slides),
        reused=images.reused,
        seconds=round(time.perf_counter() - started, 2),
    )
    return {str(number): key for number, key in images.slides.items()}


def ingest_deck(
    services: ApiServices, tenant: str, project_id: str, path: Path, filename: str
) -> Item:
    """Parse a deck file, draw its slide images, store it and its scenes on the project, emit
    ``deck.parsed``."""
    owned(services.items, PROJECT_KIND, project_id, tenant)
    source_name = clean_filename(filename)
    digest = sha256_file(path)
    deck, images = _parse(path, services, source_name, tenant, digest)
    deck_key = f"projects/{project_id}/decks/{digest}.pptx"
    model_key = f"projects/{project_id}/decks/{digest}.json"
    services.blobs.put_file(
        deck_key, path, "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    )
    services.blobs.put_bytes(model_key, deck.model_dump_json().encode(), "application/json")
    summary = DeckSummary(
        source_name=source_name,
        language=deck.language,
        slide_count=deck.slide_count,
        scene_count=len(deck.scenes),
        title=deck.title,
        sha256=digest,
        warnings=deck.warnings,
    )
    item = services.items.update(
        PROJECT_KIND,
        project_id,
        {
            "deck": summary.model_dump(mode="json"),
            "deck_key": deck_key,
            "deck_model_key": model_key,
            "scene_overrides": {},
            "scene_order": None,
            "slide_images": images,
        },
    )
    logger.info("deck parsed", project_id=project_id, tenant=tenant, scenes=len(deck.scenes))
    # The sink the jobs publish to (webhooks locally, a queue in the cloud) carries this one too.
    sink = services.jobs.events or services.webhooks
    sink.publish(
        "deck.parsed",
        tenant,
        {
            "project_id": project_id,
            "source_name": source_name,
            "language": deck.language,
            "scene_count": len(deck.scenes),
            "sha256": digest,
        },
    )
    return item


def new_upload(
    services: ApiServices, tenant: str, project_id: str, filename: str
) -> tuple[str, str]:
    """Reserve an upload for a large deck: its id and the blob key the client PUTs to."""
    owned(services.items, PROJECT_KIND, project_id, tenant)
    upload_id = "upl_" + secrets.token_hex(10)
    key = f"uploads/{project_id}/{upload_id}.pptx"  # UPLOAD_KEY_PATTERN: the uploads bucket
    services.items.create(
        UPLOAD_KIND,
        upload_id,
        tenant,
        {"project_id": project_id, "filename": filename, "key": key},
        ttl_s=UPLOAD_TTL_S,
    )
    return upload_id, key


def complete_upload(
    services: ApiServices, tenant: str, project_id: str, upload_id: str, scratch: Path
) -> Item:
    owned(services.items, PROJECT_KIND, project_id, tenant)
    upload = owned(services.items, UPLOAD_KIND, upload_id, tenant)
    if upload.data["project_id"] != project_id:
        raise NotFound(f"upload {upload_id} not found")
    key = upload.data["key"]
    if not services.blobs.exists(key):
        raise Conflict("nothing has been uploaded for this upload id yet")
    path = services.blobs.get_file(key, scratch / "deck.pptx")
    limit = services.settings.limits.max_deck_bytes
    if path.stat().st_size > limit:
        services.blobs.delete(key)
        raise DeckTooLarge(f"the deck is larger than {limit} bytes", limit=limit)
    item = ingest_deck(services, tenant, project_id, path, upload.data["filename"])
    services.blobs.delete(key)
    services.items.delete(UPLOAD_KIND, upload_id)
    return item
