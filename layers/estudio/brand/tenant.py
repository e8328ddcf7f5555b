"""Brand kits kept for a tenant (``PUT /v1/brand``) and per project (its override).

Assets are uploaded first (``POST /v1/brand/assets``), validated like the CLI's, stored by content
hash, and recorded as the tenant's; the kit's JSON then names them by asset id (``<sha256>.<ext>``)
where the brand file has paths. A kit may only name assets its tenant uploaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from estudio.brand.ingest import (
    FONT_SUFFIXES,
    MUSIC_SUFFIXES,
    VIDEO_SUFFIXES,
    asset_key,
    check_clip,
    check_font,
    check_music,
    installed_font_file,
    logo_png,
    parse_brand,
)
from estudio.brand.model import BrandKit
from estudio.errors import Conflict, InvalidBrandAsset, NotFound
from estudio.ports import BlobStore, ItemStore

ASSET_KIND = "brand_asset"  # id: sha256(tenant, asset id)
ASSET_PREFIX = "brand/assets/"
MAX_UPLOAD_BYTES = 50 * 2**20


def _asset_item_id(tenant: str, asset_id: str) -> str:
    return hashlib.sha256(f"{tenant}\0{asset_id}".encode()).hexdigest()


def upload_asset(
    blobs: BlobStore, items: ItemStore, tenant: str, path: Path, filename: str, ffmpeg: str
) -> dict[str, Any]:
    """Validate one uploaded asset by its kind (from the file name), store it, record it."""
    suffix = Path(filename).suffix.lower()
    data = path.read_bytes()
    record: dict[str, Any] = {}
    if suffix in (".png", ".svg"):
        data, suffix, kind = logo_png(data, filename, ffmpeg), ".png", "image"
    elif suffix in FONT_SUFFIXES:
        record["family"], kind = check_font(data, filename), "font"
    elif suffix in MUSIC_SUFFIXES or suffix in VIDEO_SUFFIXES:
        with tempfile.TemporaryDirectory(prefix="estudio-asset-") as tmp:
            named = Path(tmp) / f"asset{suffix}"
            shutil.copyfile(path, named)
            if suffix in MUSIC_SUFFIXES:
                record["duration_s"], kind = round(check_music(named, filename, ffmpeg), 3), "audio"
            else:
                record["duration_s"], kind = round(check_clip(named, filename, ffmpeg), 3), "video"
    else:
        raise InvalidBrandAsset(
            f"{filename}: not a brand asset (PNG/SVG logo, TTF/OTF font, audio or video clip)"
        )
    key = asset_key(data, suffix)
    asset_id = key.removeprefix(ASSET_PREFIX)
    blobs.put_bytes(key, data)
    record.update(asset_id=asset_id, kind=kind, bytes=len(data))
    with contextlib.suppress(Conflict):  # the same bytes again: the same asset
        items.create(ASSET_KIND, _asset_item_id(tenant, asset_id), tenant, record)
    return record


def _owned_asset(
    items: ItemStore, tenant: str, asset_id: str, kind: str, where: str
) -> dict[str, Any]:
    try:
        item = items.get(ASSET_KIND, _asset_item_id(tenant, asset_id))
    except NotFound:
        item = None
    if item is None or item.tenant != tenant:
        raise InvalidBrandAsset(f"{where}: no uploaded asset {asset_id!r}")
    if item.data.get("kind") != kind:
        raise InvalidBrandAsset(
            f"{where}: asset {asset_id!r} is {item.data.get('kind')}, not {kind}"
        )
    return dict(item.data)


def kit_from_body(
    items: ItemStore, blobs: BlobStore, tenant: str, body: dict[str, Any]
) -> BrandKit:
    """The brand JSON with asset ids, checked against the tenant's assets, as a kit of keys."""
    kit = parse_brand(json.dumps(body).encode())
    changes: dict[str, Any] = {}
    if kit.logo is not None:
        _owned_asset(items, tenant, kit.logo.path, "image", "logo")
        changes["logo"] = kit.logo.model_copy(update={"path": ASSET_PREFIX + kit.logo.path})
    if kit.font is not None:
        if Path(kit.font).suffix.lower() in FONT_SUFFIXES:
            _owned_asset(items, tenant, kit.font, "font", "font")
            changes.update(font=ASSET_PREFIX + kit.font, font_is_file=True)
        else:  # an installed family: stored like an upload, so every stage reads the same file
            data = installed_font_file(kit.font).read_bytes()
            check_font(data, kit.font)
            key = asset_key(data, ".ttf")
            blobs.put_bytes(key, data)
            changes.update(font=key, font_is_file=True)
    if kit.music is not None and kit.music.path is not None:
        _owned_asset(items, tenant, kit.music.path, "audio", "music")
        changes["music"] = kit.music.model_copy(update={"path": ASSET_PREFIX + kit.music.path})
    for part in ("intro", "outro"):
        bookend = getattr(kit, part)
        if bookend is not None and bookend.video is not None:
            record = _owned_asset(items, tenant, bookend.video, "video", part)
            changes[part] = bookend.model_copy(
                update={
                    "video": ASSET_PREFIX + bookend.video,
                    "video_duration_s": record["duration_s"],
                }
            )
    return kit.model_copy(update=changes)


def public(kit: BrandKit) -> dict[str, Any]:
    """The kit as the API shows it: asset ids where it holds keys, no internal fields."""
    data = json.loads(kit.model_dump_json(exclude_none=True, exclude={"font_is_file"}))
    text = json.dumps(data).replace(ASSET_PREFIX, "")
    shown: dict[str, Any] = json.loads(text)
    for part in ("intro", "outro"):
        shown.get(part, {}).pop("video_duration_s", None)
    return shown
