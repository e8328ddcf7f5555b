"""Pure helpers the cloud voices share: map spoken text back to the written script, turn
per-character or per-word times into ``WordTiming``, apply glossary aliases and derive coarse
visemes from letters when a provider gives none.

``TextMap`` is the working form of ``SpeechText.spans``: an ordered list of segments, each a
written range and the spoken string it became. Identity text is kept one character per segment,
so any whitespace in it is a safe place to cut (chunking) and offsets map exactly.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from estudio.models import SpeechText, VisemeEvent, WordTiming
from estudio.speech.glossary import Glossary, GlossaryEntry
from estudio.speech.pauses import carry_pauses
from estudio.speech.visemes import SILENCE

Span = tuple[int, int, int, int]


@dataclass(frozen=True)
class Segment:
    written_start: int
    written_end: int
    spoken: str
    identity: bool


@dataclass(frozen=True)
class TermMatch:
    """A glossary term found in the spoken text."""

    start: int
    end: int
    entry: GlossaryEntry


class TextMap:
    """Written script <-> spoken text, segment by segment."""

    def __init__(self, written: str, segments: Sequence[Segment]) -> None:
        self.written = written
        self.segments = list(segments)
        self.spoken = "".join(s.spoken for s in self.segments)
        self._starts: list[int] = []
        position = 0
        for segment in self.segments:
            self._starts.append(position)
            position += len(segment.spoken)

    # --- construction ---------------------------------------------------------------------------
    @classmethod
    def from_text(cls, text: SpeechText) -> TextMap:
        spans = list(text.spans) or _diff_spans(text.written, text.spoken)
        segments: list[Segment] = []
        written_at, spoken_at = 0, 0
        for ws, we, ss, se in sorted(spans, key=lambda s: (s[2], s[0])):
            if ws < written_at or ss < spoken_at:
                continue  # overlapping span: keep the first
            if ws > written_at or ss > spoken_at:  # a gap the spans left: keep it as one segment
                cls._add(segments, text.written, written_at, ws, text.spoken[spoken_at:ss])
            cls._add(segments, text.written, ws, we, text.spoken[ss:se])
            written_at, spoken_at = we, se
        if written_at < len(text.written) or spoken_at < len(text.spoken):
            cls._add(segments, text.written, written_at, len(text.written), text.spoken[spoken_at:])
        return cls(text.written, segments)

    @staticmethod
    def _add(segments: list[Segment], written: str, ws: int, we: int, spoken: str) -> None:
        if written[ws:we] == spoken:
            segments.extend(Segment(ws + i, ws + i + 1, ch, True) for i, ch in enumerate(spoken))
        elif we > ws or spoken:
            segments.append(Segment(ws, we, spoken, False))

    # --- queries --------------------------------------------------------------------------------
    def _index(self, position: int) -> int:
        """Index of the segment holding spoken offset ``position``."""
        return max(0, bisect.bisect_right(self._starts, position) - 1)

    def is_boundary(self, position: int) -> bool:
        """True where the spoken text may be cut without splitting a substitution."""
        if position <= 0 or position >= len(self.spoken):
            return True
        i = bisect.bisect_left(self._starts, position)
        return i < len(self._starts) and self._starts[i] == position

    def written_range(self, start: int, end: int) -> tuple[int, int] | None:
        """Written range behind spoken ``[start, end)``, trimmed of whitespace; None if empty."""
        if end <= start or not self.segments:
            return None
        first, last = self._index(start), self._index(end - 1)
        ws = min(s.written_start for s in self.segments[first : last + 1])
        we = max(s.written_end for s in self.segments[first : last + 1])
        while ws < we and self.written[ws].isspace():
            ws += 1
        while we > ws and self.written[we - 1].isspace():
            we -= 1
        return (ws, we) if we > ws else None

    def slice(self, start: int, end: int) -> tuple[SpeechText, int]:
        """The piece of text between two boundaries, re-based; plus its written offset."""
        first = self._index(start) if start < len(self.spoken) else len(self.segments)
        last = self._index(end - 1) + 1 if end > start else first
        chosen = self.segments[first:last]
        if not chosen:
            return SpeechText(written="", spoken="", spans=[]), 0
        ws = min(s.written_start for s in chosen)
        we = max(s.written_end for s in chosen)
        piece = TextMap(
            self.written[ws:we],
            [
                Segment(s.written_start - ws, s.written_end - ws, s.spoken, s.identity)
                for s in chosen
            ],
        )
        return piece.to_speech_text(), ws

    def to_speech_text(self) -> SpeechText:
        spans: list[Span] = []
        position = 0
        for segment in self.segments:
            end = position + len(segment.spoken)
            previous = spans[-1] if spans else None
            if (
                segment.identity
                and previous is not None
                and previous[1] == segment.written_start
                and previous[3] == position
                and self.written[previous[0] : previous[1]]
                == self.spoken[previous[2] : previous[3]]
            ):
                spans[-1] = (previous[0], segment.written_end, previous[2], end)
            else:
                spans.append((segment.written_start, segment.written_end, position, end))
            position = end
        return SpeechText(written=self.written, spoken=self.spoken, spans=spans)

    # --- edits ----------------------------------------------------------------------------------
    def substitute(self, replacements: Iterable[tuple[int, int, str]]) -> TextMap:
        """Replace spoken ranges (non-overlapping, any order); each maps to the written text the
        replaced segments came from."""
        segments: list[Segment] = []
        index = 0
        for start, end, replacement in sorted(replacements):
            first, last = self._index(start), self._index(max(start, end - 1))
            if first < index:
                continue  # overlaps the previous replacement
            segments.extend(self.segments[index:first])
            covered = self.segments[first : last + 1]
            prefix = self.spoken[self._starts[first] : start]
            suffix_end = self._starts[last] + len(self.segments[last].spoken)
            suffix = self.spoken[end:suffix_end]
            segments.append(
                Segment(
                    min(s.written_start for s in covered),
                    max(s.written_end for s in covered),
                    prefix + replacement + suffix,
                    False,
                )
            )
            index = last + 1
        segments.extend(self.segments[index:])
        return TextMap(self.written, segments)


def _diff_spans(written: str, spoken: str) -> list[Span]:
    """Spans for a text that came without them: identical text, else a character diff."""
    if written == spoken:
        return [(0, len(written), 0, len(spoken))]
    matcher = difflib.SequenceMatcher(None, written, spoken, autojunk=False)
    return [(i1, i2, j1, j2) for _tag, i1, i2, j1, j2 in matcher.get_opcodes()]


# --- glossary ------------------------------------------------------------------------------------
def find_terms(spoken: str, glossary: Glossary | None) -> list[TermMatch]:
    """Glossary terms in ``spoken`` at word boundaries, longest term first, non-overlapping."""
    if glossary is None or not glossary.entries:
        return []
    found: list[TermMatch] = []
    taken: list[tuple[int, int]] = []
    for entry in sorted(glossary.entries, key=lambda e: len(e.term), reverse=True):
        flags = 0 if entry.case_sensitive else re.IGNORECASE
        pattern = re.compile(rf"(?<!\w){re.escape(entry.term)}(?!\w)", flags)
        for match in pattern.finditer(spoken):
            a, b = match.span()
            if any(a < tb and ta < b for ta, tb in taken):
                continue
            taken.append((a, b))
            found.append(TermMatch(a, b, entry))
    return sorted(found, key=lambda m: m.start)


def apply_aliases(text: SpeechText, glossary: Glossary | None) -> SpeechText:
    """Replace glossary terms in the spoken text by how they are read; spans stay consistent."""
    matches = find_terms(text.spoken, glossary)
    if not matches:
        return text
    mapped = TextMap.from_text(text).substitute((m.start, m.end, m.entry.spoken) for m in matches)
    aliased = mapped.to_speech_text()
    if not text.pauses:
        return aliased
    spans = list(text.spans) or _diff_spans(text.written, text.spoken)
    pauses = carry_pauses(spans, text.pauses, aliased.spans, len(aliased.spoken))
    return aliased.model_copy(update={"pauses": pauses})


# --- timings -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimedToken:
    """A stretch of the spoken text and when it is heard."""

    start: int
    end: int
    start_s: float
    end_s: float


def spoken_tokens(spoken: str) -> list[tuple[int, int]]:
    """Whitespace-separated tokens of the spoken text, as ranges."""
    return [m.span() for m in re.finditer(r"\S+", spoken)]


def tokens_from_char_times(
    spoken: str, characters: Sequence[str], starts: Sequence[float], ends: Sequence[float]
) -> list[TimedToken]:
    """Per-character times (ElevenLabs' alignment) -> timed whitespace tokens of ``spoken``.

    The characters normally spell ``spoken`` exactly; when they do not (the service normalised
    something), a character diff carries the times across and gaps are interpolated.
    """
    count = min(len(characters), len(starts), len(ends))
    char_start: list[float | None] = [None] * len(spoken)
    char_end: list[float | None] = [None] * len(spoken)
    heard = "".join(characters[:count])
    if len(heard) == count and heard == spoken:
        pairs: Iterable[tuple[int, int]] = ((i, i) for i in range(count))
    else:
        # characters may be multi-char strings: index each char of ``heard`` back to its entry
        owner = [i for i, chars in enumerate(characters[:count]) for _ in chars]
        matcher = difflib.SequenceMatcher(None, heard, spoken, autojunk=False)
        pairs = (
            (owner[block.a + k], block.b + k)
            for block in matcher.get_matching_blocks()
            for k in range(block.size)
        )
    for source, target in pairs:
        char_start[target] = float(starts[source])
        char_end[target] = float(ends[source])
    tokens: list[TimedToken] = []
    for a, b in spoken_tokens(spoken):
        timed = [i for i in range(a, b) if char_start[i] is not None]
        letters = [i for i in timed if spoken[i].isalnum()] or timed
        if not letters:
            continue
        t0 = char_start[letters[0]]
        t1 = char_end[letters[-1]]
        if t0 is None or t1 is None:  # pragma: no cover - filtered above
            continue
        tokens.append(TimedToken(a, b, t0, max(t0, t1)))
    return tokens


def word_timings(text_map: TextMap, tokens: Sequence[TimedToken]) -> list[WordTiming]:
    """Timed spoken tokens -> words of the written script (whole whitespace-delimited tokens,
    punctuation included, as captions show them).

    Tokens that came from one written stretch ("NR-10" read as "ene erre dez") merge into one
    word; a token with no written counterpart extends the word before it.
    """
    words: list[WordTiming] = []
    for token in sorted(tokens, key=lambda t: (t.start_s, t.start)):
        written = text_map.written_range(token.start, token.end)
        if written is None:
            if words:
                last = words[-1]
                words[-1] = last.model_copy(update={"end_s": max(last.end_s, token.end_s)})
            continue
        ws, we = _whole_token(text_map.written, *written)
        if words and ws < words[-1].char_end:
            last = words[-1]
            ws, we = min(last.char_start, ws), max(last.char_end, we)
            words[-1] = WordTiming(
                text=text_map.written[ws:we],
                start_s=last.start_s,
                end_s=max(last.end_s, token.end_s),
                char_start=ws,
                char_end=we,
            )
            continue
        words.append(
            WordTiming(
                text=text_map.written[ws:we],
                start_s=token.start_s,
                end_s=max(token.start_s, token.end_s),
                char_start=ws,
                char_end=we,
            )
        )
    return words


def _whole_token(written: str, start: int, end: int) -> tuple[int, int]:
    """Widen a range to the whitespace-delimited token(s) around it ("sempre" -> "sempre.")."""
    while start > 0 and not written[start - 1].isspace():
        start -= 1
    while end < len(written) and not written[end].isspace():
        end += 1
    return start, end


# --- visemes from letters ------------------------------------------------------------------------
_DIGRAPHS: dict[str, str] = {"ch": "CH", "lh": "DD", "nh": "nn", "rr": "RR", "ss": "SS", "qu": "kk"}
_LETTERS: dict[str, str] = {
    **dict.fromkeys("aáàâã", "aa"),
    **dict.fromkeys("eéêë", "E"),
    **dict.fromkeys("iíîïy", "I"),
    **dict.fromkeys("oóôõö", "O"),
    **dict.fromkeys("uúûüw", "U"),
    **dict.fromkeys("pbm", "PP"),
    **dict.fromkeys("fv", "FF"),
    **dict.fromkeys("tdl", "DD"),
    "n": "nn",
    **dict.fromkeys("kgq", "kk"),
    **dict.fromkeys("szç", "SS"),
    **dict.fromkeys("xj", "CH"),
    "r": "RR",
}
_SILENT_GAP_S = 0.08


def letter_visemes(word: str) -> list[str]:
    """Coarse mouth shapes for a word from its spelling (pt-BR leaning, fine for Latin scripts)."""
    lower = word.casefold()
    shapes: list[str] = []
    i = 0
    while i < len(lower):
        pair = lower[i : i + 2]
        if pair in _DIGRAPHS:
            shape: str | None = _DIGRAPHS[pair]
            i += 2
        else:
            ch = lower[i]
            if ch == "c":
                following = lower[i + 1 : i + 2]
                shape = "SS" if following and following in "eéêiíy" else "kk"
            else:
                shape = _LETTERS.get(ch)
            i += 1
        if shape and (not shapes or shapes[-1] != shape):
            shapes.append(shape)
    return shapes


def coarse_visemes(
    words: Sequence[tuple[str, float, float]], duration_s: float
) -> list[VisemeEvent]:
    """Visemes from spelled words spread evenly over each word's time, silence between words."""
    events: list[VisemeEvent] = [VisemeEvent(time_s=0.0, viseme=SILENCE)]
    previous_end = 0.0
    for text, start_s, end_s in sorted(words, key=lambda w: w[1]):
        shapes = letter_visemes(text)
        if not shapes:
            continue
        if start_s - previous_end > _SILENT_GAP_S and events[-1].viseme != SILENCE:
            events.append(VisemeEvent(time_s=previous_end, viseme=SILENCE))
        step = max(end_s - start_s, 0.0) / len(shapes)
        for k, shape in enumerate(shapes):
            time_s = max(start_s + k * step, events[-1].time_s)
            if events[-1].viseme == shape:
                continue
            if events[-1].time_s == time_s:
                events[-1] = VisemeEvent(time_s=time_s, viseme=shape)
            else:
                events.append(VisemeEvent(time_s=time_s, viseme=shape))
        previous_end = max(previous_end, end_s)
    if events[-1].viseme != SILENCE:
        events.append(VisemeEvent(time_s=min(previous_end, duration_s), viseme=SILENCE))
    return events
