"""The brand kits a tenant and its projects keep: read and written without the asset checks, so
the routes that only resolve a render's kit load none of Pillow or ffmpeg."""

from __future__ import annotations

from typing import Any

from estudio.brand.model import BrandKit
from estudio.errors import Conflict, NotFound
from estudio.ports import ItemStore

BRAND_KIND = "brand"  # id: the tenant

__all__ = ["BRAND_KIND", "render_kit", "save_tenant_kit", "tenant_kit"]


def save_tenant_kit(items: ItemStore, tenant: str, kit: BrandKit) -> None:
    data = {"kit": kit.model_dump(mode="json")}
    try:
        items.create(BRAND_KIND, tenant, tenant, data)
    except Conflict:
        items.update(BRAND_KIND, tenant, data)


def tenant_kit(items: ItemStore, tenant: str) -> BrandKit | None:
    try:
        item = items.get(BRAND_KIND, tenant)
    except NotFound:
        return None
    if item.tenant != tenant:
        return None
    return BrandKit.model_validate(item.data["kit"])


def render_kit(items: ItemStore, tenant: str, project_data: dict[str, Any]) -> BrandKit | None:
    """The kit a project's render uses: the project's own, else the tenant's, else none."""
    own = project_data.get("brand")
    if own:
        return BrandKit.model_validate(own)
    return tenant_kit(items, tenant)
