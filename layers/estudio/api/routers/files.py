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
from estudio.api.streaming import receive_raw
from estudio.api.urls import SignedUrlBlobStore
from estudio.errors import NotFound

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
        path, media_type=media_type, filename=filename, content_disposition_type="inline"
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
    limit = int(claims.get("m") or services.settings.limits.max_deck_bytes)
    path = await receive_raw(request.stream(), limit)
    try:
        await run_in_threadpool(services.blobs.put_file, str(claims["k"]), path)
    finally:
        path.unlink(missing_ok=True)
    return Response(status_code=204)
