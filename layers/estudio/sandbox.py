"""Bounds on the programs the stages run (LibreOffice, pdftoppm, ffmpeg, espeak-ng).

Each child gets a data-segment limit through util-linux ``prlimit`` (thread-safe, unlike a
``preexec_fn``), so a hostile deck that makes a tool balloon fails that stage with an error
instead of taking the machine down. Time is bounded by each caller's timeout.
"""

from __future__ import annotations

import shutil
from functools import cache

MEMORY_LIMIT_BYTES = 3 * 1024**3


@cache
def _prlimit() -> str | None:
    return shutil.which("prlimit")


def bounded(argv: list[str], memory_bytes: int = MEMORY_LIMIT_BYTES) -> list[str]:
    """``argv`` wrapped so the child cannot allocate more than ``memory_bytes`` of data."""
    tool = _prlimit()
    if tool is None:  # not Linux/util-linux: run unbounded rather than not at all
        return argv
    if shutil.which(argv[0]) is None:  # let the caller's "program missing" error surface as is
        return argv
    return [tool, f"--data={memory_bytes}", "--", *argv]
