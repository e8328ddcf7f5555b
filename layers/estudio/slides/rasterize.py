"""Slide images: LibreOffice (headless) renders the deck to PDF, pdftoppm rasterizes the pages,
Pillow fits each page on the output canvas without stretching (letterbox / pillarbox).

Hidden slides are exported too (``ExportHiddenSlides``), so PDF page N is deck slide N and the
caller picks slides by their 1-based number in the deck. A PDF input is rasterized as it is.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

from PIL import Image

from estudio.deck.formats import is_pdf
from estudio.errors import RasterizeError, StageTimeout, ToolMissing
from estudio.observability import logger
from estudio.sandbox import bounded

BACKGROUND = (17, 17, 17)  # dark neutral bars around a slide that does not fill the canvas
MAX_CANVAS_PIXELS = 4096 * 4096
_PDF_FILTER = "pdf:impress_pdf_Export:" + json.dumps(
    {"ExportHiddenSlides": {"type": "boolean", "value": "true"}}, separators=(",", ":")
)
_SOFFICE_NAMES = ("soffice", "libreoffice")
_INSTALL_HINT = (
    "install LibreOffice Impress (Debian: apt-get install --no-install-recommends "
    "libreoffice-impress) or set ESTUDIO_SOFFICE"
)
_PAGE_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)", re.MULTILINE)
_PML = "{http://schemas.openxmlformats.org/presentationml/2006/main}"


def find_soffice(override: str | None = None) -> str:
    """The LibreOffice binary: ``override`` (a path or a name on PATH), else soffice on PATH."""
    for name in (override,) if override else _SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ToolMissing(f"LibreOffice not found: {_INSTALL_HINT}", tool="soffice")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise ToolMissing(
            f"{name} not found: install poppler-utils (Debian: apt-get install poppler-utils)",
            tool=name,
        )
    return found


def _remaining(deadline: float, what: str, timeout_s: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise StageTimeout(f"rasterize ran past {timeout_s:g} s before {what}")
    return left


def run_tool(argv: list[str], timeout_s: float, what: str) -> str:
    """Run a tool in its own process group; kill the whole group on timeout. Returns stdout."""
    with subprocess.Popen(
        bounded(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired as e:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise StageTimeout(f"{what} ran past {timeout_s:.0f} s") from e
    if proc.returncode != 0:
        lines = [ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
        reason = lines[-1].strip() if lines else f"exit status {proc.returncode}"
        raise RasterizeError(f"{what} failed: {reason}", returncode=proc.returncode)
    return out.decode("utf-8", "replace")


def deck_slide_count(deck_path: Path) -> int | None:
    """Slides listed in an OOXML deck's ``presentation.xml`` (hidden ones included); None when
    the file is not an OOXML package (LibreOffice may still read it)."""
    try:
        with zipfile.ZipFile(deck_path) as z:
            xml = z.read("ppt/presentation.xml")
        root = ElementTree.fromstring(xml)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
        return None
    # Only p:sldIdLst counts: section lists (p14:sldIdLst) repeat the ids.
    return len(root.findall(f"{_PML}sldIdLst/{_PML}sldId"))


def seed_profile(profile: Path, cache: Path | None) -> None:
    if cache is not None and (cache / "user").is_dir():
        shutil.copytree(cache, profile, dirs_exist_ok=True)


def store_profile(profile: Path, cache: Path | None) -> None:
    """Keep a used LibreOffice profile as the template for later calls (skips the profile's
    first-start setup). Copies into a sibling and renames; every call runs on its own copy."""
    if cache is None or (cache / "user").is_dir() or not (profile / "user").is_dir():
        return
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".lo-profile-", dir=cache.parent))
    try:
        shutil.copytree(profile, staging, dirs_exist_ok=True)
        os.replace(staging, cache)
    except OSError:
        # Another caller stored its template first: theirs is as good as ours.
        shutil.rmtree(staging, ignore_errors=True)


def soffice_convert_argv(
    exe: str, profile: Path, filter_name: str, out_dir: Path, src: Path
) -> list[str]:
    """A headless ``soffice --convert-to`` of ``src`` into ``out_dir`` with its own profile."""
    return [
        exe,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--invisible",
        "--norestore",
        "--nologo",
        "--nolockcheck",
        "--nodefault",
        "--convert-to",
        filter_name,
        "--outdir",
        str(out_dir),
        str(src),
    ]


def deck_to_pdf(
    deck_path: Path,
    work_dir: Path,
    soffice: str | None = None,
    timeout_s: float = 300,
    profile_cache: Path | None = None,
) -> Path:
    """Render every slide of ``deck_path`` (hidden ones too) to one PDF page each."""
    exe = find_soffice(soffice)
    profile = work_dir / "lo-profile"
    src_dir = work_dir / "src"
    out_dir = work_dir / "pdf"
    src_dir.mkdir()
    out_dir.mkdir()
    seed_profile(profile, profile_cache)
    # A fixed ASCII name: LibreOffice names its output after the input and dislikes odd names.
    src = src_dir / ("deck" + (deck_path.suffix.lower() or ".pptx"))
    os.symlink(deck_path.resolve(), src)
    run_tool(
        soffice_convert_argv(exe, profile, _PDF_FILTER, out_dir, src),
        timeout_s,
        "LibreOffice PDF export",
    )
    pdf = out_dir / "deck.pdf"
    if not pdf.is_file() or pdf.stat().st_size == 0:
        # soffice exits 0 even when it could not load the document.
        raise RasterizeError("LibreOffice produced no PDF (the deck could not be opened)")
    store_profile(profile, profile_cache)
    return pdf


def _page_sizes(pdf: Path, timeout_s: float) -> dict[int, tuple[float, float]]:
    out = run_tool([_tool("pdfinfo"), "-f", "1", "-l", "100000", str(pdf)], timeout_s, "pdfinfo")
    sizes = {int(n): (float(w), float(h)) for n, w, h in _PAGE_SIZE.findall(out)}
    if not sizes:
        raise RasterizeError("the exported PDF has no pages")
    return sizes


def fit_size(src_w: float, src_h: float, width: int, height: int) -> tuple[int, int]:
    """The largest size with the source's aspect that fits ``width``×``height``."""
    if src_w <= 0 or src_h <= 0:
        raise RasterizeError(f"page has no area: {src_w}x{src_h}")
    scale = min(width / src_w, height / src_h)
    return (
        max(1, min(width, round(src_w * scale))),
        max(1, min(height, round(src_h * scale))),
    )


CHUNK_PAGES = 8  # pages per pdftoppm call: bounds the raw images held on disk at once


def _ranges(pages: list[int], max_len: int = CHUNK_PAGES) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for p in sorted(set(pages)):
        if runs and runs[-1][1] == p - 1 and p - runs[-1][0] < max_len:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


def split_ranges(
    pages: list[int], parts: int, max_len: int = CHUNK_PAGES
) -> list[list[tuple[int, int]]]:
    """Pages split into at most ``parts`` groups of near-equal counts, each group a list of
    contiguous ranges of at most ``max_len`` pages."""
    ordered = sorted(set(pages))
    if not ordered:
        return []
    parts = max(1, min(parts, len(ordered)))
    size, extra = divmod(len(ordered), parts)
    groups: list[list[tuple[int, int]]] = []
    at = 0
    for i in range(parts):
        n = size + (1 if i < extra else 0)
        groups.append(_ranges(ordered[at : at + n], max_len))
        at += n
    return groups


def _place(src: Path, dest: Path, width: int, height: int) -> None:
    """Write a fitted page image onto the ``width``×``height`` canvas as PNG at ``dest``."""
    tmp = dest.with_name(f".{dest.name}.tmp")
    with Image.open(src) as img:
        if img.width > width or img.height > height:
            raise RasterizeError(f"page image {img.size} larger than the {width}x{height} canvas")
        page = img.convert("RGB")
    if page.size == (width, height):
        canvas = page
    else:
        canvas = Image.new("RGB", (width, height), BACKGROUND)
        canvas.paste(page, ((width - page.width) // 2, (height - page.height) // 2))
    # Pillow at level 3 is about 10x faster than pdftoppm's own PNG writer, for the same size.
    canvas.save(tmp, format="PNG", compress_level=3)
    os.replace(tmp, dest)


def _rasterize_group(
    pdftoppm: str,
    pdf: Path,
    ranges: list[tuple[int, int]],
    size: tuple[int, int],
    raw_dir: Path,
    out_dir: Path,
    canvas: tuple[int, int],
    deadline: float,
    timeout_s: float,
) -> dict[int, Path]:
    done: dict[int, Path] = {}
    for first, last in ranges:
        prefix = raw_dir / f"r{first}"
        argv = [
            pdftoppm,
            "-f",
            str(first),
            "-l",
            str(last),
            "-scale-to-x",
            str(size[0]),
            "-scale-to-y",
            str(size[1]),
            str(pdf),
            str(prefix),
        ]  # PPM output: pdftoppm's PNG encoder dominates its run time
        run_tool(argv, _remaining(deadline, "pdftoppm", timeout_s), "pdftoppm")
        produced = {int(p.stem.rsplit("-", 1)[1]): p for p in raw_dir.glob(f"r{first}-*.ppm")}
        for n in range(first, last + 1):
            if n not in produced:
                raise RasterizeError(f"pdftoppm produced no image for slide {n}")
            dest = out_dir / f"slide-{n:04d}.png"
            _place(produced[n], dest, *canvas)
            produced[n].unlink()
            done[n] = dest
    return done


def rasterize_deck(
    deck_path: Path,
    out_dir: Path,
    width: int,
    height: int,
    slide_numbers: list[int] | None = None,
    soffice: str | None = None,
    timeout_s: float = 300,
    *,
    workers: int = 2,
    max_slides: int = 1000,
    profile_cache: Path | None = None,
) -> dict[int, Path]:
    """Render slides to PNGs of exactly ``width``×``height``: slide number (1-based, hidden slides
    counted) → ``out_dir/slide-NNNN.png``. ``slide_numbers`` None means every slide.

    ``workers``: parallel pdftoppm processes. ``profile_cache``: where to keep a LibreOffice
    profile template between calls (None: a fresh profile each call; measured 0.1-0.3 s
    slower per call on a 10-slide deck).
    Raises ``ToolMissing``, ``RasterizeError`` (one-line reason) or ``StageTimeout``.
    """
    if width <= 0 or height <= 0 or width * height > MAX_CANVAS_PIXELS:
        raise RasterizeError(f"invalid canvas size {width}x{height}")
    if not deck_path.is_file():
        raise RasterizeError(f"deck not found: {deck_path.name}")
    started = time.monotonic()
    deadline = started + timeout_s
    expected = deck_slide_count(deck_path)
    if expected is not None and expected > max_slides:
        raise RasterizeError(f"deck has {expected} slides, over the limit of {max_slides}")
    if slide_numbers is not None and not slide_numbers:
        return {}
    pdftoppm = _tool("pdftoppm")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="estudio-raster-") as tmp:
        work = Path(tmp)
        if is_pdf(deck_path):  # a PDF handout: its pages are the slides (docs/adr/0011)
            pdf = deck_path
        else:
            pdf = deck_to_pdf(
                deck_path,
                work,
                soffice=soffice,
                timeout_s=_remaining(deadline, "PDF export", timeout_s),
                profile_cache=profile_cache,
            )
        pdf_done = time.monotonic()
        sizes = _page_sizes(pdf, _remaining(deadline, "pdfinfo", timeout_s))
        pages = len(sizes)
        if expected is not None and pages != expected:
            raise RasterizeError(f"PDF has {pages} pages but the deck has {expected} slides")
        if pages > max_slides:
            raise RasterizeError(f"deck has {pages} slides, over the limit of {max_slides}")
        everything = list(range(1, pages + 1))
        wanted = sorted(set(slide_numbers)) if slide_numbers is not None else everything
        missing = [n for n in wanted if n not in sizes]
        if missing:
            raise RasterizeError(f"slides {missing} not in the deck ({pages} slides)")
        # Pages of one deck share a size; group by size anyway (a PDF input need not).
        by_size: dict[tuple[int, int], list[int]] = {}
        for n in wanted:
            by_size.setdefault(fit_size(*sizes[n], width, height), []).append(n)
        raw = work / "raw"
        raw.mkdir()
        jobs = [
            (group, size) for size, nums in by_size.items() for group in split_ranges(nums, workers)
        ]
        result: dict[int, Path] = {}
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [
                pool.submit(
                    _rasterize_group,
                    pdftoppm,
                    pdf,
                    ranges,
                    size,
                    raw,
                    out_dir,
                    (width, height),
                    deadline,
                    timeout_s,
                )
                for ranges, size in jobs
            ]
            for f in futures:
                result.update(f.result())
        result = dict(sorted(result.items()))
    logger.info(
        "slides rasterized",
        slides=len(result),
        pages=pages,
        width=width,
        height=height,
        pdf_s=round(pdf_done - started, 3),
        total_s=round(time.monotonic() - started, 3),
    )
    return result
