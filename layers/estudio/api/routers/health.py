from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from estudio.api.schemas import HealthPublic

router = APIRouter(tags=["health"])


def _version() -> str:
    try:
        return version("estudio")
    except PackageNotFoundError:
        return "0"


@router.get("/health", response_model=HealthPublic, summary="Liveness")
def health() -> HealthPublic:
    return HealthPublic(status="ok", version=_version())
