from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from estudio.api.deps import ServicesDep, TenantDep
from estudio.api.schemas import AvatarPublic, VoicePublic
from estudio.avatar.catalog import list_avatars as catalog

router = APIRouter(tags=["catalog"])


@router.get("/voices", response_model=list[VoicePublic], summary="Voices, optionally by language")
def list_voices(
    services: ServicesDep,
    tenant: TenantDep,
    language: Annotated[str | None, Query(max_length=35, pattern=r"^[A-Za-z0-9-]+$")] = None,
) -> list[VoicePublic]:
    voices = services.voices().list_voices(language)
    return [VoicePublic.model_validate(v.model_dump()) for v in voices]


@router.get("/avatars", response_model=list[AvatarPublic], summary="Built-in presenters")
def list_avatars(request: Request, tenant: TenantDep) -> list[AvatarPublic]:
    base = str(request.base_url).rstrip("/")
    return [
        AvatarPublic.model_validate(
            {**a.model_dump(), "image_url": f"{base}/v1/avatars/{a.id}/image"}
        )
        for a in catalog()
    ]
