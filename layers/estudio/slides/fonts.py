"""Which of a deck's fonts the slide renderer lacks, and what it draws them with.

Asked of fontconfig (``fc-match``), which LibreOffice uses to pick substitutes, on the host that
draws the slides. Families with a metric-compatible substitute installed (Calibri → Carlito, Arial
→ Liberation Sans, …) are not reported: their text keeps its line breaks.
"""

from __future__ import annotations

import shutil
import subprocess

from estudio.deck.parse import KNOWN_FONTS

MAX_FONTS = 24  # a deck naming more families than this is reported on the first ones


def substitute(family: str, timeout_s: float = 10) -> str | None:
    """The family fontconfig draws ``family`` with; None when fc-match is unavailable."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "-f", "%{family}", family],
            capture_output=True,
            timeout=timeout_s,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").strip() or None


def font_warnings(families: list[str]) -> list[str]:
    """One ``fonts:`` warning per family that is neither installed nor metric-compatible."""
    out: list[str] = []
    for family in families[:MAX_FONTS]:
        if family.lower() in KNOWN_FONTS:
            continue
        found = substitute(family)
        if found is None:
            continue
        names = [n.strip().lower() for n in found.split(",")]
        if family.lower() in names:
            continue
        drawn = found.split(",")[0].strip()
        out.append(f"fonts: {family!r} is not installed; drawn with {drawn!r} (text may re-wrap)")
    return out
