"""Reading a segment's sample description: bad files give a one-line RenderError."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from estudio.errors import RenderError
from estudio.media.streams import video_stream_config


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not an mp4 at all", "malformed MP4 box"),
        (_box(b"ftyp", b"isom") + _box(b"mdat", b"\0" * 16), "no video track"),
        (_box(b"ftyp", b"isom") + _box(b"moov", _box(b"mvhd", b"\0" * 100)), "no video track"),
        (_box(b"moov", b"\0\0\0\x20trak"), "malformed MP4 box"),
    ],
)
def test_given_a_file_without_a_readable_video_track_then_render_error(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "segment.mp4"
    path.write_bytes(content)

    with pytest.raises(RenderError, match=reason):
        video_stream_config(path)


def test_given_a_missing_file_then_render_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="cannot read the video track"):
        video_stream_config(tmp_path / "absent.mp4")
