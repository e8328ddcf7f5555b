"""Pauses an author writes into a script: ``[pausa]`` / ``[pause]`` (0.7 s), ``[pausa 2s]``
(``1,5s``, ``500ms``, ``2 segundos``…), and a blank line between paragraphs (0.4 s).

The markup is never spoken and never shown in captions. ``estudio.speech.text`` turns it into
``SpeechText.pauses`` (offsets into the spoken text); each voice makes the silence its own way:
inserted silence for espeak-ng, SSML ``<break>`` for Azure, the ``<break>`` tag for ElevenLabs.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "MAX_PAUSE_S",
    "PARAGRAPH_PAUSE_S",
    "PAUSE_MARKUP",
    "PAUSE_S",
    "Pause",
    "assign_pauses",
    "merge_pause",
    "pause_seconds",
    "strip_pause_markup",
]

PAUSE_S = 0.7  # ``[pausa]`` / ``[pause]``
PARAGRAPH_PAUSE_S = 0.4  # a blank line between paragraphs
MAX_PAUSE_S = 10.0  # longer asks are cut to this

Pause = tuple[int, float]  # (offset in the spoken text, seconds of silence there)

PAUSE_MARKUP = re.compile(
    r"\[\s*(?:pausa|pause)"
    r"(?:\s+(?P<amount>\d+(?:[.,]\d+)?)\s*"
    r"(?P<unit>ms|s|seg(?:undos?)?|sec(?:onds?)?|segundos?)?)?\s*\]",
    re.IGNORECASE,
)
BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


def pause_seconds(match: re.Match[str]) -> float:
    """How long the pause a ``PAUSE_MARKUP`` match asks for is (0.7 s when no length is given)."""
    amount = match.group("amount")
    if amount is None:
        return PAUSE_S
    value = float(amount.replace(",", "."))
    if (match.group("unit") or "s").lower() == "ms":
        value /= 1000.0
    return max(0.0, min(value, MAX_PAUSE_S))


def strip_pause_markup(text: str) -> str:
    """``text`` without pause markup (captions, prompts); spaces around it collapse to one."""
    return re.sub(r"[^\S\n]{2,}", " ", PAUSE_MARKUP.sub(" ", text)).strip(" ")


def merge_pause(pauses: list[Pause], offset: int, seconds: float, spoken: str) -> None:
    """Add a pause at ``offset``; one that follows the previous pause with nothing but spaces or
    punctuation between them merges into it (the longer wins, at the later offset)."""
    if seconds <= 0:
        return
    if pauses:
        last_offset, last_seconds = pauses[-1]
        if not re.search(r"\w", spoken[last_offset:offset]):
            pauses[-1] = (offset, max(last_seconds, seconds))
            return
    pauses.append((offset, seconds))


def assign_pauses(pauses: Sequence[Pause], ranges: Sequence[tuple[int, int]]) -> list[list[Pause]]:
    """Share pauses out among pieces of the spoken text (``ranges``, in order), re-based to each
    piece: a pause inside a piece, or at its end, belongs to it; one in the gap between two
    pieces goes to the end of the piece before (the first piece when before every range)."""
    shares: list[list[Pause]] = [[] for _ in ranges]
    if not ranges:
        return shares
    for offset, seconds in pauses:
        owner = 0
        for number, (start, _end) in enumerate(ranges):
            if start <= offset:
                owner = number
        start, end = ranges[owner]
        shares[owner].append((min(max(offset - start, 0), end - start), seconds))
    return shares


def carry_pauses(
    before_spans: Sequence[tuple[int, int, int, int]],
    pauses: Sequence[Pause],
    after_spans: Sequence[tuple[int, int, int, int]],
    after_length: int,
) -> list[Pause]:
    """The same pauses after the spoken text was rewritten (glossary aliases): each offset goes
    to the written text through the old spans and comes back through the new ones."""
    carried: list[Pause] = []
    for offset, seconds in pauses:
        written = next((s[0] for s in before_spans if s[2] >= offset), None)
        if written is None:
            carried.append((after_length, seconds))
            continue
        spoken = next((s[2] for s in after_spans if s[0] >= written), after_length)
        carried.append((spoken, seconds))
    return carried
