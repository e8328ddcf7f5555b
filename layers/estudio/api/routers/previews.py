"""Hear and see before rendering: one scene as a short MP4 (or its narration), a text read aloud.

In the cloud these routes are their own function in the stage image (ffmpeg, espeak-ng and the
voice providers' SDKs), with the voice keys (docs/adr/0014).
"""

from __future__ import annotations

import shutil
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from estudio.api.deps import ServicesDep, TenantDep
from estudio.api.schemas import PreviewRequest, Problem, SpeechPreview
from estudio.models import AvatarLayout
from estudio.services import preview as service

router = APIRouter(tags=["previews"])
ProjectId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
SceneIndex = Annotated[int, PathParam(ge=0, le=100_000)]
AvatarId = Annotated[str, PathParam(pattern=r"^[a-z0-9_-]{1,64}$")]
AudioOnly = Annotated[
    int, Query(ge=0, le=1, description="1: the narration alone (`audio/wav`), no video.")
]


def _send(made: service.Preview) -> FileResponse:
    return FileResponse(
        made.path,
        media_type=made.media_type,
        headers={
            "Cache-Control": "no-store",
            "Server-Timing": f"preview;dur={made.seconds * 1000:.0f}",
        },
        background=BackgroundTask(shutil.rmtree, made.folder, ignore_errors=True),
    )


SCENE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"video/mp4": {}, "audio/wav": {}},
        "description": "The scene as an MP4 (H.264 + AAC, 640 px wide, captions burned unless "
        '`"subtitles": "none"`), or with `?audio=1` its narration as WAV.',
    },
    404: {"model": Problem, "description": "No such project or scene."},
    409: {
        "model": Problem,
        "description": "`slides_not_ready`: the deck's slide images are not drawn; "
        "`conflict`: the project has no deck.",
    },
    422: {
        "model": Problem,
        "description": "`empty_script` (audio of a silent scene), `unknown_voice`, "
        "`unknown_avatar`.",
    },
}


@router.post(
    "/projects/{project_id}/scenes/{index}/preview",
    summary="A short MP4 of one scene with its current script (or its narration alone)",
    description=(
        "Speaks the scene's current script (edits included) with the voice chain and the "
        "speech cache the render uses, over the slide image drawn at upload. A scene without "
        "narration is shown silently for 3 s. The body is optional."
    ),
    response_class=FileResponse,
    responses=SCENE_RESPONSES,
)
async def preview_scene(
    project_id: ProjectId,
    index: SceneIndex,
    request: Request,
    services: ServicesDep,
    tenant: TenantDep,
    body: PreviewRequest | None = None,
    audio: AudioOnly = 0,
) -> FileResponse:
    request.state.audited = True  # changes nothing: not an audited action
    made = await run_in_threadpool(
        service.scene_preview,
        services,
        tenant,
        project_id,
        index,
        body or PreviewRequest(),
        bool(audio),
    )
    return _send(made)


@router.post(
    "/speech/preview",
    summary="A short text read aloud with the tenant's glossary (WAV)",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/wav": {}}, "description": "The narration as WAV."},
        422: {"model": Problem, "description": "`empty_script`, `unknown_voice`."},
    },
)
async def preview_speech(
    body: SpeechPreview, request: Request, services: ServicesDep, tenant: TenantDep
) -> FileResponse:
    request.state.audited = True  # reads aloud, changes nothing: not an audited action
    made = await run_in_threadpool(service.speech_preview, services, tenant, body)
    return _send(made)


@router.get(
    "/avatars/{avatar_id}/image",
    summary="The presenter at rest in a layout (PNG, 640 px), over a project's first slide",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "The picture."},
        404: {"model": Problem, "description": "No such project."},
        422: {"model": Problem, "description": "`unknown_avatar`."},
    },
)
async def presenter_image(
    avatar_id: AvatarId,
    services: ServicesDep,
    tenant: TenantDep,
    layout: AvatarLayout = "pip-right",
    project_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = None,
) -> Response:
    png = await run_in_threadpool(
        service.presenter_image, services, tenant, avatar_id, layout, project_id
    )
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
