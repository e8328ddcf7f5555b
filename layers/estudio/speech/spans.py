"""Aligned spans between the written script and the spoken text a voice receives.

A span ``(written_start, written_end, spoken_start, spoken_end)`` maps one stretch of the written
text onto what is said for it. ``SpanBuilder`` accumulates the spoken text span by span (with the
pauses between), ``span_at`` finds the span a spoken position falls in. Pure: no I/O.
"""

from __future__ import annotations

import bisect
import unicodedata

from estudio.models import SpeechText
from estudio.speech.pauses import Pause, merge_pause

Span = tuple[int, int, int, int]

__all__ = ["Span", "SpanBuilder", "span_at"]


class SpanBuilder:
    def __init__(self, written: str) -> None:
        self.written = written
        self.parts: list[str] = []
        self.spans: list[Span] = []
        self.pauses: list[Pause] = []
        self.length = 0

    def add(self, w_start: int, w_end: int, spoken: str) -> None:
        spoken = unicodedata.normalize("NFC", spoken)
        if self.spans and self.spans[-1][1] != w_start:  # pragma: no cover - internal invariant
            raise AssertionError("spans must be contiguous")
        self.parts.append(spoken)
        self.spans.append((w_start, w_end, self.length, self.length + len(spoken)))
        self.length += len(spoken)

    def pause(self, seconds: float) -> None:
        """Silence at the current end of the spoken text."""
        merge_pause(self.pauses, self.length, seconds, "".join(self.parts))

    @property
    def tail(self) -> str:
        for part in reversed(self.parts):
            if part:
                return part
        return ""

    def result(self) -> SpeechText:
        return SpeechText(
            written=self.written, spoken="".join(self.parts), spans=self.spans, pauses=self.pauses
        )


def span_at(spans: list[Span], spoken_position: int) -> int:
    """Index of the span whose spoken range holds ``spoken_position`` (0-based).

    Spans with an empty spoken range are skipped; a position past the end maps to the last span.
    """
    filled = [i for i, s in enumerate(spans) if s[3] > s[2]]
    if not filled:
        return 0
    starts = [spans[i][2] for i in filled]
    return filled[max(bisect.bisect_right(starts, spoken_position) - 1, 0)]
