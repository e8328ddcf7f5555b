"""Request bodies streamed to a temp file under a size limit, never held whole in memory.

``receive_deck_multipart`` reads a ``multipart/form-data`` body chunk by chunk and writes the one
file part (field ``file``) straight to disk; ``receive_raw`` does the same for a plain body.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from estudio.errors import DeckTooLarge, InputError
from estudio.names import clean_filename, parse_disposition
from estudio.settings import Settings

FILE_FIELD = "file"


@dataclass
class _PartState:
    out: IO[bytes]
    limit: int
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[str, bytes] = field(default_factory=dict)
    in_file: bool = False
    filename: str | None = None
    written: int = 0
    files: int = 0


SCRATCH = "upload-scratch"


def scratch_dir(settings: Settings) -> Path:
    """Where request bodies are streamed: inside the data folder, emptied when the server starts
    (``sweep_scratch``), so a killed upload or a killed server leaves nothing behind for long."""
    folder = settings.data / SCRATCH
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def sweep_scratch(settings: Settings, older_than_s: float = 0.0) -> int:
    """Remove leftover upload temp files; returns how many."""
    folder = settings.data / SCRATCH
    if not folder.is_dir():
        return 0
    removed = 0
    now = time.time()
    for path in folder.glob("estudio-upload-*"):
        try:
            if now - path.stat().st_mtime >= older_than_s:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def _new_temp(folder: Path | None, suffix: str) -> tuple[IO[bytes], Path]:
    fd, name = tempfile.mkstemp(prefix="estudio-upload-", suffix=suffix, dir=folder)
    return os.fdopen(fd, "wb"), Path(name)


async def receive_raw(chunks: AsyncIterator[bytes], limit: int, folder: Path | None = None) -> Path:
    """Write the body to a temp file; raises ``DeckTooLarge`` past ``limit`` bytes."""
    out, path = _new_temp(folder, ".pptx")
    written = 0
    try:
        with out:
            async for chunk in chunks:
                written += len(chunk)
                if written > limit:
                    raise DeckTooLarge(f"the deck is larger than {limit} bytes", limit=limit)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


async def receive_deck_multipart(
    content_type: str, chunks: AsyncIterator[bytes], limit: int, folder: Path | None = None
) -> tuple[Path, str]:
    """The file part of a multipart body, on disk, and its client-given filename."""
    mime, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise InputError("expected multipart/form-data with a boundary")
    out, path = _new_temp(folder, ".pptx")
    state = _PartState(out=out, limit=limit)

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def on_header_end() -> None:
        name = state.header_field.decode("latin-1").strip().lower()
        state.headers[name] = bytes(state.header_value)  # raw: browsers send UTF-8 names
        state.header_field.clear()
        state.header_value.clear()

    def on_headers_finished() -> None:
        _, disposition = parse_disposition(state.headers.get("content-disposition", b""))
        filename = disposition.get("filename")
        state.in_file = disposition.get("name") == FILE_FIELD and filename is not None
        if state.in_file:
            state.files += 1
            if state.files > 1:
                raise InputError("send one deck per request")
            state.filename = clean_filename(filename or "")
        state.headers.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if not state.in_file:
            return
        state.written += end - start
        if state.written > state.limit:
            raise DeckTooLarge(f"the deck is larger than {state.limit} bytes", limit=state.limit)
        state.out.write(data[start:end])

    def on_part_end() -> None:
        state.in_file = False

    parser = MultipartParser(
        boundary,
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        with out:
            async for chunk in chunks:
                parser.write(chunk)
            parser.finalize()
        if state.files != 1:
            raise InputError(f"the form must carry the deck in a file field named {FILE_FIELD!r}")
    except MultipartParseError as error:
        path.unlink(missing_ok=True)
        raise InputError("malformed multipart body") from error
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, state.filename or "deck.pptx"
