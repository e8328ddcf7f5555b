"""Long narration in pieces: split the spoken text at sentence boundaries within a provider's
character limit, synthesize each piece, stitch the WAVs with a short crossfade (no click) and
shift every piece's word timings and visemes by its exact sample offset in the result.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from estudio.errors import VoiceProviderError
from estudio.models import Speech, SpeechText, VisemeEvent, WordTiming
from estudio.observability import logger
from estudio.speech.alignment import TextMap
from estudio.speech.cloud import Samples, read_wav, write_wav
from estudio.speech.pauses import assign_pauses

ELEVENLABS_MAX_CHARS = 5000  # multilingual v2 accepts about this much per request
AZURE_MAX_CHARS = 6000  # well inside Azure's 10 minutes of audio per request
DEFAULT_CROSSFADE_S = 0.010

SynthesizeOne = Callable[[SpeechText, Path], Speech]

# Where a cut may go, best first: after a sentence, after a clause, at any space.
_CUTS = (
    re.compile(r"[.!?…]+[\"'”’»)\]]*\s+"),
    re.compile(r"[,;:–—]\s+"),
    re.compile(r"\s+"),
)


def split_spoken(
    spoken: str, max_chars: int, is_boundary: Callable[[int], bool] | None = None
) -> list[tuple[int, int]]:
    """Ranges of ``spoken`` (whitespace trimmed) of at most ``max_chars`` each, cut at the last
    sentence end that fits, else a clause end, else a space, else anywhere ``is_boundary``
    allows (a word longer than the limit)."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    allowed = is_boundary or (lambda _position: True)
    ranges: list[tuple[int, int]] = []
    start = _skip_space(spoken, 0)
    while start < len(spoken):
        end = len(spoken.rstrip())
        if end - start > max_chars:
            end = _best_cut(spoken, start, start + max_chars, allowed)
        piece_end = start + len(spoken[start:end].rstrip())
        if piece_end > start:
            ranges.append((start, piece_end))
        start = _skip_space(spoken, end)
    return ranges


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _best_cut(spoken: str, start: int, limit: int, allowed: Callable[[int], bool]) -> int:
    window = spoken[start:limit]
    for pattern in _CUTS:
        cuts = [start + m.end() for m in pattern.finditer(window)]
        # the piece must end inside the limit once trimmed; the cut must not split a substitution
        good = [c for c in cuts if c > start and allowed(c) and allowed(_trim_end(spoken, c))]
        if good:
            return good[-1]
    for cut in range(limit, start, -1):
        if allowed(cut):
            return cut
    raise VoiceProviderError("cannot split the text within the provider's limit", limit=limit)


def _trim_end(text: str, position: int) -> int:
    while position > 0 and text[position - 1].isspace():
        position -= 1
    return position


def stitch_wavs(
    parts: Sequence[Path], out_wav: Path, crossfade_s: float = DEFAULT_CROSSFADE_S
) -> tuple[list[int], int, int]:
    """Join mono WAVs with an equal-length linear crossfade; returns each part's start sample,
    the total sample count and the sample rate."""
    loaded = [read_wav(path) for path in parts]
    if not loaded:
        raise VoiceProviderError("nothing to stitch")
    rates = {rate for _samples, rate in loaded}
    if len(rates) != 1:
        raise VoiceProviderError("pieces have different sample rates", rates=sorted(rates))
    rate = rates.pop()
    pieces: list[Samples] = [samples for samples, _rate in loaded]
    overlap = round(crossfade_s * rate)
    if len(pieces) > 1:
        overlap = max(0, min(overlap, *(len(p) // 2 for p in pieces)))
    offsets: list[int] = []
    result = np.zeros(sum(len(p) for p in pieces), dtype=np.int16)
    position = 0
    for i, piece in enumerate(pieces):
        start = position - overlap if i > 0 else 0
        result[position : start + len(piece)] = piece[position - start :]
        if i > 0 and overlap:  # only the overlap needs arithmetic
            ramp = np.linspace(0.0, 1.0, overlap + 2)[1:-1]
            mixed = result[start:position] * (1.0 - ramp) + piece[:overlap] * ramp
            result[start:position] = np.clip(np.rint(mixed), -32768, 32767).astype(np.int16)
        offsets.append(start)
        position = start + len(piece)
    result = result[:position]
    write_wav(out_wav, result, rate)
    return offsets, position, rate


def synthesize_in_chunks(
    synthesize_one: SynthesizeOne,
    text: SpeechText,
    out_wav: Path,
    max_chars: int,
    *,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
) -> Speech:
    """Speak ``text`` in pieces of at most ``max_chars`` spoken characters; one piece is spoken
    directly. Word offsets stay relative to ``text.written``; times to the stitched audio."""
    if len(text.spoken) <= max_chars:
        return synthesize_one(text, out_wav)
    text_map = TextMap.from_text(text)
    ranges = split_spoken(text.spoken, max_chars, text_map.is_boundary)
    shares = assign_pauses(text.pauses, ranges)
    with tempfile.TemporaryDirectory(prefix=".chunks-", dir=out_wav.parent) as folder:
        results: list[tuple[Speech, int]] = []
        paths: list[Path] = []
        for number, (start, end) in enumerate(ranges):
            piece, written_offset = text_map.slice(start, end)
            if shares[number]:  # each piece makes the pauses that fall in it
                piece = piece.model_copy(update={"pauses": shares[number]})
            path = Path(folder) / f"{number:04d}.wav"
            results.append((synthesize_one(piece, path), written_offset))
            paths.append(path)
        offsets, total, rate = stitch_wavs(paths, out_wav, crossfade_s)
    logger.info("speech stitched", pieces=len(ranges), chars=len(text.spoken), samples=total)
    words: list[WordTiming] = []
    visemes: list[VisemeEvent] = []
    for number, ((speech, written_offset), offset) in enumerate(zip(results, offsets, strict=True)):
        shift = offset / rate
        next_start = offsets[number + 1] / rate if number + 1 < len(offsets) else None
        for word in speech.words:
            words.append(
                word.model_copy(
                    update={
                        "start_s": word.start_s + shift,
                        "end_s": word.end_s + shift,
                        "char_start": word.char_start + written_offset,
                        "char_end": word.char_end + written_offset,
                    }
                )
            )
        for event in speech.visemes:
            time_s = event.time_s + shift
            if next_start is not None and time_s >= next_start:
                break  # the next piece speaks from here on
            if visemes and visemes[-1].viseme == event.viseme:
                continue
            visemes.append(VisemeEvent(time_s=time_s, viseme=event.viseme))
    first = results[0][0]
    return Speech(
        voice=first.voice,
        language=first.language,
        written=text.written,
        spoken=text.spoken,
        duration_s=total / rate,
        sample_rate=rate,
        words=words,
        visemes=visemes,
    )
