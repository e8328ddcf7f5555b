"""Read a brand file, validate every asset it names and copy them into the blob store.

Assets are stored once by content hash (``brand/assets/<sha256>.<ext>``): the kit that travels
with a job names those keys, so a stage on any machine fetches the same bytes, and renders whose
brand did not change hit the same caches. Every refusal is ``InvalidBrandAsset`` with one line.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageFont, UnidentifiedImageError
from pydantic import ValidationError

from estudio.brand.model import BrandKit
from estudio.errors import EstudioError, InvalidBrandAsset
from estudio.media.ffmpeg import run_ffmpeg
from estudio.ports import BlobStore

MAX_BRAND_FILE = 64 * 1024
MAX_ASSET_BYTES = 50 * 2**20
LOGO_MIN_PX, LOGO_MAX_PX = 16, 4096
SVG_RASTER_WIDTH = 1024  # an SVG logo is rasterised once, at this width, with its transparency
MUSIC_MIN_S, MUSIC_MAX_S = 1.0, 3600.0
MUSIC_SUFFIXES = (".mp3", ".wav", ".aac", ".m4a", ".ogg", ".oga", ".flac")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".webm", ".mkv")
CLIP_MIN_S, CLIP_MAX_S = 1.0, 60.0
CLIP_MAX_PX = 4096


def asset_key(data: bytes, ext: str) -> str:
    return f"brand/assets/{hashlib.sha256(data).hexdigest()}{ext}"


def parse_brand(data: bytes) -> BrandKit:
    """The brand JSON (paths or asset keys inside) as a model; shape errors are one line."""
    if len(data) > MAX_BRAND_FILE:
        raise InvalidBrandAsset(f"brand file is larger than {MAX_BRAND_FILE // 1024} KB")
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidBrandAsset(f"brand file is not valid JSON: {e}") from e
    if not isinstance(raw, dict):
        raise InvalidBrandAsset("brand file must be a JSON object")
    try:
        return BrandKit.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "brand"
        raise InvalidBrandAsset(f"brand file: {where}: {first['msg']}") from e


def _read(base: Path, relative: str, what: str) -> tuple[Path, bytes]:
    path = (base / relative).resolve()
    if not path.is_file():
        raise InvalidBrandAsset(f"{what}: no such file {relative}")
    if path.stat().st_size > MAX_ASSET_BYTES:
        raise InvalidBrandAsset(f"{what}: {relative} is larger than {MAX_ASSET_BYTES // 2**20} MB")
    return path, path.read_bytes()


def logo_png(data: bytes, name: str, ffmpeg: str) -> bytes:
    """A PNG or SVG logo as RGBA PNG bytes (transparency kept); refuses anything else."""
    if name.lower().endswith(".svg") or data.lstrip()[:5] in (b"<?xml", b"<svg "):
        data = _svg_to_png(data, name, ffmpeg)
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "PNG":
                raise InvalidBrandAsset(f"logo {name}: must be PNG or SVG, not {img.format}")
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise InvalidBrandAsset(f"logo {name}: not a readable image") from e
    w, h = rgba.size
    if min(w, h) < LOGO_MIN_PX or max(w, h) > LOGO_MAX_PX:
        raise InvalidBrandAsset(
            f"logo {name}: {w}x{h} px; each side must be {LOGO_MIN_PX}-{LOGO_MAX_PX} px"
        )
    if rgba.getchannel("A").getextrema()[1] == 0:
        raise InvalidBrandAsset(f"logo {name}: fully transparent")
    out = io.BytesIO()
    rgba.save(out, format="PNG")
    return out.getvalue()


def _svg_to_png(data: bytes, name: str, ffmpeg: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="estudio-svg-") as tmp:
        src, dst = Path(tmp) / "logo.svg", Path(tmp) / "logo.png"
        src.write_bytes(data)
        try:
            run_ffmpeg(
                [
                    "-c:v",
                    "librsvg",
                    "-width",
                    str(SVG_RASTER_WIDTH),
                    "-i",
                    str(src),
                    "-frames:v",
                    "1",
                    "-pix_fmt",
                    "rgba",
                    str(dst),
                ],
                ffmpeg,
                timeout_s=60,
            )
        except EstudioError as e:
            raise InvalidBrandAsset(f"logo {name}: not a readable SVG") from e
        return dst.read_bytes()


def check_font(data: bytes, name: str) -> str:
    """Load the font as the cards and captions will; returns its family name."""
    try:
        font = ImageFont.truetype(io.BytesIO(data), 32)
        family = font.getname()[0] or ""
        font.getbbox("Ação")
    except (OSError, ValueError) as e:
        raise InvalidBrandAsset(f"font {name}: does not load as a TrueType/OpenType font") from e
    if not family:
        raise InvalidBrandAsset(f"font {name}: has no family name")
    return family


def installed_font_file(family: str) -> Path:
    """The file fontconfig picks for an installed ``family``; refuses a family not installed."""
    try:
        proc = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}", family],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise InvalidBrandAsset(f"font {family!r}: cannot ask fontconfig ({e})") from e
    found, _, file = proc.stdout.partition("\t")
    if proc.returncode != 0 or family.lower() not in found.lower() or not file:
        raise InvalidBrandAsset(f"font {family!r}: not an installed font family")
    return Path(file)


def check_music(path: Path, name: str, ffmpeg: str) -> float:
    """Decode the whole track (ffmpeg): refuses what is not audio, or shorter than a second."""
    from estudio.brand.music import decode_duration_s

    if path.suffix.lower() not in MUSIC_SUFFIXES:
        raise InvalidBrandAsset(f"music {name}: must be MP3, WAV, AAC, OGG or FLAC")
    try:
        seconds = decode_duration_s(path, ffmpeg)
    except EstudioError as e:
        raise InvalidBrandAsset(f"music {name}: not a readable audio file") from e
    if not MUSIC_MIN_S <= seconds <= MUSIC_MAX_S:
        raise InvalidBrandAsset(f"music {name}: lasts {seconds:.1f} s; 1 s to 1 h accepted")
    return seconds


def check_clip(path: Path, name: str, ffmpeg: str) -> float:
    """An intro/outro clip: a decodable video stream, 1-60 s, at most 4096 px a side."""
    from estudio.media.probe import probe

    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise InvalidBrandAsset(f"clip {name}: must be MP4, MOV, M4V, WebM or MKV")
    try:
        info = probe(path, ffmpeg=ffmpeg)
    except EstudioError as e:
        raise InvalidBrandAsset(f"clip {name}: not a readable video") from e
    if not info.video_codec or not info.width or not info.height:
        raise InvalidBrandAsset(f"clip {name}: has no video stream")
    if max(info.width, info.height) > CLIP_MAX_PX:
        raise InvalidBrandAsset(
            f"clip {name}: {info.width}x{info.height}; at most {CLIP_MAX_PX} px"
        )
    seconds = info.video_duration_s or info.duration_s
    if not CLIP_MIN_S <= seconds <= CLIP_MAX_S:
        raise InvalidBrandAsset(f"clip {name}: lasts {seconds:.1f} s; 1 to 60 s accepted")
    try:  # the first second must actually decode (a renamed or truncated file fails here)
        run_ffmpeg(["-t", "1", "-i", str(path), "-f", "null", "-"], ffmpeg, timeout_s=60)
    except EstudioError as e:
        raise InvalidBrandAsset(f"clip {name}: does not decode") from e
    return seconds


def ingest_brand_file(path: Path, blobs: BlobStore, ffmpeg: str) -> BrandKit:
    """Validate the brand file at ``path`` and its assets; store them; the kit with blob keys."""
    if not path.is_file():
        raise InvalidBrandAsset(f"no such brand file: {path}")
    kit = parse_brand(path.read_bytes())
    return store_assets(kit, path.parent, blobs, ffmpeg)


def store_assets(kit: BrandKit, base: Path, blobs: BlobStore, ffmpeg: str) -> BrandKit:
    changes: dict[str, Any] = {}
    if kit.logo is not None:
        _, data = _read(base, kit.logo.path, "logo")
        png = logo_png(data, kit.logo.path, ffmpeg)
        key = asset_key(png, ".png")
        blobs.put_bytes(key, png, "image/png")
        changes["logo"] = kit.logo.model_copy(update={"path": key})
    if kit.font is not None:
        if Path(kit.font).suffix.lower() in FONT_SUFFIXES:
            _, data = _read(base, kit.font, "font")
            ext = Path(kit.font).suffix.lower()
        else:
            data = installed_font_file(kit.font).read_bytes()
            ext = ".ttf"
        check_font(data, kit.font)
        key = asset_key(data, ext)
        blobs.put_bytes(key, data, "font/ttf")
        changes.update(font=key, font_is_file=True)
    if kit.music is not None and kit.music.path is not None:
        file, data = _read(base, kit.music.path, "music")
        check_music(file, kit.music.path, ffmpeg)
        key = asset_key(data, file.suffix.lower())
        blobs.put_bytes(key, data, "audio/mpeg")
        changes["music"] = kit.music.model_copy(update={"path": key})
    for part in ("intro", "outro"):
        bookend = getattr(kit, part)
        if bookend is not None and bookend.video is not None:
            file, data = _read(base, bookend.video, part)
            seconds = check_clip(file, bookend.video, ffmpeg)
            key = asset_key(data, file.suffix.lower())
            blobs.put_bytes(key, data, "video/mp4")
            changes[part] = bookend.model_copy(
                update={"video": key, "video_duration_s": round(seconds, 3)}
            )
    return kit.model_copy(update=changes)
