"""Captions from word timings: cues, then WebVTT, SubRip and ASS (for libass burn-in).

Cue rules: at most ``MAX_LINE`` characters per line and ``MAX_LINES`` lines, 1 to 7 seconds on
screen, breaks preferably after a sentence, then after a clause; cues never overlap. Cue text is
sliced from the written script, so the author's punctuation stays.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from estudio.models import CaptionCue, WordTiming
from estudio.speech.pauses import strip_pause_markup

__all__ = [
    "MAX_CUE_S",
    "MAX_LINE",
    "MAX_LINES",
    "MIN_CUE_S",
    "ass_font_size",
    "build_cues",
    "format_timestamp",
    "to_ass",
    "to_srt",
    "to_vtt",
    "wrap_lines",
]

MAX_LINE = 42
MAX_LINES = 2
MIN_CUE_S = 1.0
MAX_CUE_S = 7.0
PAUSE_GAP_S = 0.6  # silence between two words that ends a cue (a "[pausa]" in the script)
_SENTENCE_END = (".", "!", "?", "…", '."', '!"', '?"', ".)", "!)", "?)")
_CLAUSE_END = (",", ";", ":", "—", "–", ")")
_DROPPED = "•◦▪▫■□►▶▸➢➤✓✔✗✘→⇒➔●○·"


# --- text ----------------------------------------------------------------------------------------
def _clean_gap(gap: str) -> str:
    """What shows between two words: their separator, minus bullets and emoji."""
    kept = "".join(
        ch
        for ch in gap
        if ch not in _DROPPED
        and unicodedata.category(ch) not in ("So", "Cf", "Co", "Cs", "Cn")
        and ch not in "\ufe0f\ufe0e"
    )
    collapsed = re.sub(r"\s+", " ", kept)
    return collapsed if collapsed.strip() else " "


def _cue_text(words: Sequence[WordTiming], script: str) -> str:
    parts: list[str] = []
    for i, word in enumerate(words):
        if i:
            parts.append(_clean_gap(script[words[i - 1].char_end : word.char_start]))
        parts.append(re.sub(r"\s+", " ", script[word.char_start : word.char_end]))
    return strip_pause_markup("".join(parts)).strip()  # "[pausa]" is heard, never shown


def wrap_lines(text: str, width: int = MAX_LINE) -> list[str]:
    """One line when it fits; else two balanced lines (a break after punctuation preferred);
    else as many greedy lines as it takes (the caller then splits the cue)."""
    text = text.strip()
    if len(text) <= width:
        return [text] if text else []
    best: tuple[float, int] | None = None
    for m in re.finditer(r" ", text):
        first, second = text[: m.start()], text[m.end() :]
        if len(first) > width or len(second) > width:
            continue
        score = float(abs(len(first) - len(second)))
        if first.endswith(_CLAUSE_END + _SENTENCE_END):
            score -= 8.0
        if best is None or score < best[0]:
            best = (score, m.start())
    if best is not None:
        return [text[: best[1]], text[best[1] + 1 :]]
    lines: list[str] = []
    current = ""
    for token in _split_long(text.split(" "), width):
        if current and len(current) + 1 + len(token) > width:
            lines.append(current)
            current = token
        else:
            current = f"{current} {token}" if current else token
    if current:
        lines.append(current)
    return lines


def _split_long(tokens: list[str], width: int) -> list[str]:
    """Tokens longer than a line (URLs) cut into line-sized pieces, after a '/' or '.' if near."""
    pieces: list[str] = []
    for token in tokens:
        while len(token) > width:
            cut = max(token.rfind("/", 0, width), token.rfind(".", 0, width)) + 1
            if cut < width // 2:
                cut = width
            pieces.append(token[:cut])
            token = token[cut:]
        pieces.append(token)
    return pieces


def _fit_lines(text: str) -> list[str]:
    """Lines for one cue: a cue that cannot be split further (one long word) is shortened."""
    lines = wrap_lines(text)
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], lines[MAX_LINES - 1][: MAX_LINE - 1] + "…"]
    return lines


def _fits(text: str) -> bool:
    return len(wrap_lines(text)) <= MAX_LINES


# --- cues ----------------------------------------------------------------------------------------
def _ends(word: WordTiming, script: str, endings: tuple[str, ...]) -> bool:
    return script[word.char_start : word.char_end].rstrip().endswith(endings)


def _acceptable(words: list[WordTiming], script: str) -> bool:
    return _fits(_cue_text(words, script)) and words[-1].end_s - words[0].start_s <= MAX_CUE_S


def _best_cut(current: list[WordTiming], script: str) -> int:
    """Break after the last clause past the first third of the cue, else after all of it."""
    for k in range(len(current) - 2, len(current) // 3 - 1, -1):
        if _ends(current[k], script, _CLAUSE_END + _SENTENCE_END):
            return k + 1
    return len(current)


def _group(words: list[WordTiming], script: str) -> list[list[WordTiming]]:
    groups: list[list[WordTiming]] = []
    current: list[WordTiming] = []
    for word in words:
        if current and word.start_s - current[-1].end_s >= PAUSE_GAP_S:
            groups.append(current)  # a pause in the script ends the cue
            current = []
        while current and not _acceptable([*current, word], script):
            cut = _best_cut(current, script)
            groups.append(current[:cut])
            current = current[cut:]
        current.append(word)
        spoken_s = current[-1].end_s - current[0].start_s
        if _ends(word, script, _SENTENCE_END) and spoken_s >= MIN_CUE_S:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def build_cues(words: list[WordTiming], script: str, offset_s: float = 0.0) -> list[CaptionCue]:
    """Caption cues for one scene's words.

    ``offset_s`` moves them to the scene's place in the video.
    """
    ordered = sorted((w for w in words if w.char_end > w.char_start), key=lambda w: w.start_s)
    groups = _group(ordered, script)
    cues: list[CaptionCue] = []
    for i, group in enumerate(groups):
        start = group[0].start_s
        end = max(w.end_s for w in group)
        next_start = groups[i + 1][0].start_s if i + 1 < len(groups) else None
        end = max(end, start + MIN_CUE_S)  # short cues linger to stay readable
        if next_start is not None:
            end = min(end, next_start)
        end = min(end, start + MAX_CUE_S)
        lines = _fit_lines(_cue_text(group, script))
        if not lines:
            continue
        cues.append(CaptionCue(start_s=start + offset_s, end_s=end + offset_s, lines=lines))
    return cues


# --- formats -------------------------------------------------------------------------------------
def format_timestamp(seconds: float, separator: str = ".") -> str:
    """``HH:MM:SS.mmm`` (VTT) or ``HH:MM:SS,mmm`` (SRT); negative times clamp to zero."""
    total_ms = max(0, round(seconds * 1000))
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def _vtt_escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[CaptionCue]) -> str:
    blocks = ["WEBVTT\n"]
    for cue in cues:
        timing = f"{format_timestamp(cue.start_s)} --> {format_timestamp(cue.end_s)}"
        blocks.append("\n".join([timing, *(_vtt_escape(line) for line in cue.lines)]) + "\n")
    return "\n".join(blocks)


def to_srt(cues: Sequence[CaptionCue]) -> str:
    blocks: list[str] = []
    for number, cue in enumerate(cues, start=1):
        timing = f"{format_timestamp(cue.start_s, ',')} --> {format_timestamp(cue.end_s, ',')}"
        blocks.append("\n".join([str(number), timing, *cue.lines]) + "\n")
    return "\n".join(blocks)


def _ass_time(seconds: float) -> str:
    total_cs = max(0, round(seconds * 100))
    hours, rest = divmod(total_cs, 360_000)
    minutes, rest = divmod(rest, 6000)
    secs, cs = divmod(rest, 100)
    return f"{hours:d}:{minutes:02d}:{secs:02d}.{cs:02d}"


def _ass_escape(line: str) -> str:
    # ASS reads "{...}" as override tags and "\" as an escape: show them as harmless look-alikes.
    return line.replace("\\", "/").replace("{", "(").replace("}", ")")


def ass_font_size(width: int, height: int) -> int:
    """Readable on the video: 5 % of the height, narrowed so 42 characters fit the width."""
    return max(12, round(min(0.05 * height, 0.043 * width)))


def to_ass(cues: Sequence[CaptionCue], width: int, height: int, font: str = "Noto Sans") -> str:
    """An ASS script for libass (ffmpeg ``subtitles=``): bottom-centred lines on a dark box."""
    size = ass_font_size(width, height)
    margin_v = round(height * 0.05)
    margin_h = round(width * 0.05)
    header = "\n".join(
        [
            "[Script Info]",
            "ScriptType: v4.00+",
            f"PlayResX: {width}",
            f"PlayResY: {height}",
            "WrapStyle: 2",
            "ScaledBorderAndShadow: yes",
            "",
            "[V4+ Styles]",
            "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
            "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
            "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
            f"Style: Default,{font},{size},&H00FFFFFF,&H00FFFFFF,&H60000000,&H60000000,"
            f"0,0,0,0,100,100,0,0,3,{max(2, round(size * 0.18))},0,2,"
            f"{margin_h},{margin_h},{margin_v},1",
            "",
            "[Events]",
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
        ]
    )
    events = [
        f"Dialogue: 0,{_ass_time(c.start_s)},{_ass_time(c.end_s)},Default,,0,0,0,,"
        + "\\N".join(_ass_escape(line) for line in c.lines)
        for c in cues
    ]
    return header + "\n" + "\n".join(events) + "\n"
