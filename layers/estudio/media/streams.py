"""What a video segment's decoder must be told before its first frame, read from the MP4 itself.

The concat demuxer with ``-c copy`` writes ONE sample description for the whole video: the first
segment's. A later segment whose encoder wrote different parameter sets (SPS/PPS: profile, level,
reference frames, entropy coder, chroma QP offset, ...) would then be decoded with the wrong ones
and its picture broken, although ffmpeg reports no error. ``StreamConfig`` is what has to be
byte-identical across segments for the copy to be correct (docs/adr/0007).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from estudio.errors import RenderError

_VISUAL_SAMPLE_ENTRY_BYTES = 78  # ISO/IEC 14496-12 VisualSampleEntry fields before its boxes
_CONTAINERS = ("mdia", "minf", "stbl")  # boxes on the way from trak to stsd


@dataclass(frozen=True)
class StreamConfig:
    """A segment's video sample description: what the decoder is configured with."""

    codec: str  # sample entry type, e.g. "avc1"
    width: int
    height: int
    timescale: int  # the track's ticks per second (mdhd)
    decoder_config: bytes  # the avcC record: profile, level, SPS and PPS, byte for byte

    def describe(self) -> str:
        profile, level = (
            (self.decoder_config[1], self.decoder_config[3])
            if len(self.decoder_config) > 3
            else (0, 0)
        )
        return (
            f"{self.codec} {self.width}x{self.height} profile {profile} level {level} "
            f"timescale {self.timescale} config {len(self.decoder_config)} bytes"
        )


def _boxes(f: BinaryIO, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(type, payload offset, payload size) of each box between ``start`` and ``end``."""
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        size, kind = struct.unpack(">I4s", f.read(8))
        head = 8
        if size == 1:
            size = struct.unpack(">Q", f.read(8))[0]
            head = 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            raise RenderError("malformed MP4 box")
        yield kind.decode("latin-1"), pos + head, size - head
        pos += size


Spans = dict[str, tuple[int, int]]  # box type -> (payload offset, payload size)


def _tracks(f: BinaryIO, start: int, end: int) -> Iterator[Spans]:
    """For each ``trak`` under ``moov``, the spans of the boxes this module reads."""
    for kind, off, size in _boxes(f, start, end):
        if kind == "trak":
            found: Spans = {}
            _collect(f, off, off + size, found)
            yield found


def _collect(f: BinaryIO, start: int, end: int, found: Spans) -> None:
    for kind, off, size in _boxes(f, start, end):
        if kind in _CONTAINERS:
            _collect(f, off, off + size, found)
        elif kind in ("mdhd", "hdlr", "stsd"):
            found.setdefault(kind, (off, size))


def _timescale(f: BinaryIO, off: int) -> int:
    f.seek(off)
    version = f.read(1)[0]
    f.seek(off + (20 if version == 1 else 12))
    return int(struct.unpack(">I", f.read(4))[0])


def _sample_entry(f: BinaryIO, off: int, size: int) -> tuple[str, int, int, bytes]:
    """(type, width, height, avcC/hvcC payload) of the first entry of an ``stsd`` box."""
    entries = list(_boxes(f, off + 8, off + size))  # after version/flags and the entry count
    if not entries:
        raise RenderError("MP4 video track has no sample description")
    codec, eoff, esize = entries[0]
    f.seek(eoff + 24)
    width, height = struct.unpack(">HH", f.read(4))
    config = b""
    for kind, coff, csize in _boxes(f, eoff + _VISUAL_SAMPLE_ENTRY_BYTES, eoff + esize):
        if kind in ("avcC", "hvcC"):
            f.seek(coff)
            config = f.read(csize)
            break
    return codec, width, height, config


def video_stream_config(path: Path) -> StreamConfig:
    """The first video track's sample description. Raises ``RenderError`` when there is none."""
    try:
        with path.open("rb") as f:
            total = path.stat().st_size
            for kind, off, size in _boxes(f, 0, total):
                if kind != "moov":
                    continue
                for track in _tracks(f, off, off + size):
                    if not {"mdhd", "hdlr", "stsd"} <= track.keys():
                        continue
                    f.seek(track["hdlr"][0] + 8)
                    if f.read(4) != b"vide":
                        continue
                    codec, width, height, config = _sample_entry(f, *track["stsd"])
                    return StreamConfig(
                        codec=codec,
                        width=width,
                        height=height,
                        timescale=_timescale(f, track["mdhd"][0]),
                        decoder_config=config,
                    )
    except (OSError, struct.error, IndexError) as e:
        raise RenderError(f"cannot read the video track of {path.name}: {e}") from e
    raise RenderError(f"no video track in {path.name}")
