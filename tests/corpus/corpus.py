"""Where the shared deck corpus lives, beside the project, and what its probe recorded."""

from __future__ import annotations

import csv
from pathlib import Path

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus"
DECKS = CORPUS / "decks"
PROBE = CORPUS / "PROBE.tsv"


def deck_paths() -> list[Path]:
    return sorted(DECKS.glob("*.pptx")) if DECKS.is_dir() else []


def probe_rows() -> dict[str, dict[str, str]]:
    """PROBE.tsv by file name (python-pptx's own view of each deck); empty when absent."""
    if not PROBE.is_file():
        return {}
    with PROBE.open(newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}
