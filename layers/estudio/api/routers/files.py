"""Local mode only: the signed download and upload routes behind ``SignedUrlBlobStore``."""

from __future__ import annotations

import mimetypes
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from estudio.adapters.local.blobs import FolderBlobStore
from estudio.api.deps import ServicesDep
from estudio.api.schemas import Problem
from estudio.api.streaming import receive_raw, scratch_dir
from estudio.api.urls import SignedUrlBlobStore
from estudio.errors import NotFound
from estudio.names import content_disposition
from estudio.services.common import UPLOAD_KIND
from estudio.webhooks.delivery import find_items

router = APIRouter(tags=["files"])
Token = Annotated[str, PathParam(min_length=10, max_length=2000)]
PROBLEMS: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Bad link."}}


def _folder(services: ServicesDep) -> FolderBlobStore:
    inner = (
        services.blobs.inner if isinstance(services.blobs, SignedUrlBlobStore) else services.blobs
    )
    if not isinstance(inner, FolderBlobStore):
        raise NotFound("no local file store")
    return inner


@router.get(
    "/files/{token}",
    summary="Download an output through a signed link",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, **PROBLEMS},
)
def download(token: Token, services: ServicesDep) -> FileResponse:
    if services.signer is None:
        raise NotFound("not found")
    claims = services.signer.read("download", token)
    path = _folder(services).path(str(claims["k"]))
    if not path.is_file():
        raise NotFound("not found")
    filename = str(claims.get("f") or path.name)
    media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(filename)},
    )


@router.put(
    "/uploads/{token}",
    status_code=204,
    summary="Upload a deck's bytes to a signed upload link",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
    responses={**PROBLEMS, 413: {"model": Problem}},
)
async def upload(token: Token, request: Request, services: ServicesDep) -> Response:
    if services.signer is None:
        raise NotFound("not found")
    claims = services.signer.read("upload", token)
    key = str(claims["k"])
    # The link is good while its upload is open: after ``deck/complete`` it is spent.
    if not await run_in_threadpool(find_items, services.items, UPLOAD_KIND, "key", key):
        raise NotFound("this upload link was already used or has expired")
    limit = int(claims.get("m") or services.settings.limits.max_deck_bytes)
    path = await receive_raw(request.stream(), limit, scratch_dir(services.settings))
    try:
        await run_in_threadpool(services.blobs.put_file, key, path)
    finally:
        path.unlink(missing_ok=True)
    return Response(status_code=204)
