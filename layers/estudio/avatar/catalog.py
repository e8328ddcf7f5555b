"""The built-in presenters: drawn by the project itself (no downloaded weights, no photos)."""

from __future__ import annotations

from typing import Literal

from estudio.errors import UnknownAvatar
from estudio.models import Frozen


class AvatarInfo(Frozen):
    id: str
    name: str
    gender: Literal["female", "male"]
    description: str


_CATALOG: tuple[AvatarInfo, ...] = (
    AvatarInfo(
        id="ana",
        name="Ana",
        gender="female",
        description="Apresentadora de cabelo castanho longo, blazer azul-marinho e blusa clara.",
    ),
    AvatarInfo(
        id="bruno",
        name="Bruno",
        gender="male",
        description="Apresentador de cabelo curto escuro e barba aparada, camisa social e suéter.",
    ),
)


def list_avatars() -> list[AvatarInfo]:
    """Every built-in presenter, in a stable order."""
    return list(_CATALOG)


def get_avatar(avatar_id: str) -> AvatarInfo:
    """The presenter called ``avatar_id``; raises ``UnknownAvatar`` when there is none."""
    for info in _CATALOG:
        if info.id == avatar_id:
            return info
    known = ", ".join(info.id for info in _CATALOG)
    raise UnknownAvatar(f"unknown avatar {avatar_id!r}; available: {known}", avatar=avatar_id)
