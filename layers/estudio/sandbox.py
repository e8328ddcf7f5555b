"""Bounds on the programs the stages run (LibreOffice, pdftoppm, ffmpeg, espeak-ng).

Each child is wrapped with util-linux tools (thread-safe, unlike a ``preexec_fn``):
``prlimit`` caps its data segment, so a hostile deck that makes a tool balloon fails that stage
with an error instead of taking the machine down; ``setpriv --pdeathsig KILL`` ends it when the
process that started it dies, so a killed render leaves no encoder running. Time is bounded by
each caller's timeout.
"""

from __future__ import annotations

import shutil
from functools import cache

MEMORY_LIMIT_BYTES = 3 * 1024**3


@cache
def _tool(name: str) -> str | None:
    return shutil.which(name)


def bounded(argv: list[str], memory_bytes: int = MEMORY_LIMIT_BYTES) -> list[str]:
    """``argv`` wrapped so the child cannot allocate more than ``memory_bytes`` of data and
    dies with its parent. Where the tools are missing (not Linux) it runs unwrapped."""
    if shutil.which(argv[0]) is None:  # let the caller's "program missing" error surface as is
        return argv
    wrapped = list(argv)
    prlimit = _tool("prlimit")
    if prlimit is not None:
        wrapped = [prlimit, f"--data={memory_bytes}", "--", *wrapped]
    setpriv = _tool("setpriv")
    if setpriv is not None:
        wrapped = [setpriv, "--pdeathsig", "KILL", "--", *wrapped]
    return wrapped
