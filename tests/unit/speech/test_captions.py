"""Caption cues and their formats, from hand-made word timings."""

from __future__ import annotations

import itertools
import re

import pytest

from estudio.models import CaptionCue, WordTiming
from estudio.speech.captions import (
    MAX_CUE_S,
    MAX_LINE,
    MAX_LINES,
    ass_font_size,
    build_cues,
    format_timestamp,
    to_ass,
    to_srt,
    to_vtt,
    wrap_lines,
)


def _timed(script: str, seconds_per_char: float = 0.06, gap_s: float = 0.05) -> list[WordTiming]:
    """Words of ``script`` (punctuation attached) timed by their length."""
    words: list[WordTiming] = []
    t = 0.0
    for m in re.finditer(r"\S+", script):
        duration = len(m.group(0)) * seconds_per_char
        words.append(
            WordTiming(
                text=m.group(0),
                start_s=t,
                end_s=t + duration,
                char_start=m.start(),
                char_end=m.end(),
            )
        )
        t += duration + gap_s
    return words


LONG = (
    "Bem-vindos ao treinamento de segurança em instalações e serviços com eletricidade, "
    "conforme a NR-10. Nesta aula, vamos estudar os riscos elétricos, as medidas de controle "
    "e o uso correto do EPI e do EPC. A tensão de 13,8 kV exige cuidado redobrado; nunca "
    "trabalhe sozinho! Antes de qualquer intervenção, desenergize, bloqueie, sinalize e teste "
    "a ausência de tensão, sempre com o equipamento adequado."
)


@pytest.mark.parametrize(
    ("seconds", "separator", "expected"),
    [
        (0.0, ".", "00:00:00.000"),
        (1.5, ".", "00:00:01.500"),
        (61.0015, ".", "00:01:01.002"),
        (3600 + 62.25, ",", "01:01:02,250"),
        (59.9996, ".", "00:01:00.000"),
        (-0.2, ".", "00:00:00.000"),
        (36000.0, ",", "10:00:00,000"),
    ],
)
def test_given_seconds_when_formatted_then_vtt_and_srt_timestamps(
    seconds: float, separator: str, expected: str
) -> None:
    assert format_timestamp(seconds, separator) == expected


def test_given_short_text_when_wrapped_then_one_line() -> None:
    assert wrap_lines("Use o EPI.") == ["Use o EPI."]


def test_given_text_over_one_line_when_wrapped_then_two_balanced_lines() -> None:
    text = "Nesta aula vamos estudar os riscos elétricos e as medidas de controle"
    lines = wrap_lines(text)
    assert len(lines) == 2
    assert all(len(line) <= MAX_LINE for line in lines)
    assert " ".join(lines) == text
    assert abs(len(lines[0]) - len(lines[1])) < 15


def test_given_a_clause_near_the_middle_when_wrapped_then_breaks_after_it() -> None:
    lines = wrap_lines("Antes de qualquer intervenção, desenergize e bloqueie o circuito")
    assert lines[0].endswith(",")


def test_given_long_script_when_cues_built_then_line_and_duration_limits_hold() -> None:
    words = _timed(LONG)
    cues = build_cues(words, LONG)
    assert len(cues) >= 5
    for cue in cues:
        assert 1 <= len(cue.lines) <= MAX_LINES
        assert all(len(line) <= MAX_LINE for line in cue.lines)
        assert 1.0 - 1e-9 <= cue.end_s - cue.start_s <= MAX_CUE_S + 1e-9
    for previous, following in itertools.pairwise(cues):
        assert previous.end_s <= following.start_s


def test_given_long_script_when_cues_built_then_text_is_the_script_in_order() -> None:
    cues = build_cues(_timed(LONG), LONG)
    assert " ".join(" ".join(c.lines) for c in cues) == LONG


def test_given_sentences_when_cues_built_then_they_break_at_sentence_ends() -> None:
    cues = build_cues(_timed(LONG), LONG)
    texts = [" ".join(c.lines) for c in cues]
    assert "conforme a NR-10." in texts[0] + " " + texts[1]
    assert sum(t.endswith((".", "!")) for t in texts) >= 3


def test_given_slow_speech_when_cues_built_then_no_cue_exceeds_seven_seconds() -> None:
    script = "um dois três quatro cinco seis sete oito nove dez"
    cues = build_cues(_timed(script, seconds_per_char=0.4), script)
    assert len(cues) >= 2
    assert all(c.end_s - c.start_s <= MAX_CUE_S for c in cues)


def test_given_one_short_word_when_cues_built_then_it_lingers_one_second() -> None:
    cues = build_cues(_timed("Olá."), "Olá.")
    assert len(cues) == 1
    assert cues[0].end_s - cues[0].start_s == pytest.approx(1.0)


def test_given_offset_when_cues_built_then_times_move() -> None:
    plain = build_cues(_timed(LONG), LONG)
    moved = build_cues(_timed(LONG), LONG, offset_s=12.5)
    assert [c.start_s + 12.5 for c in plain] == pytest.approx([c.start_s for c in moved])


def test_given_emoji_and_bullets_between_words_when_cues_built_then_not_shown() -> None:
    script = "Atenção 😀\n• Use luvas."
    words = [
        WordTiming(text="Atenção", start_s=0.0, end_s=0.5, char_start=0, char_end=7),
        WordTiming(text="Use", start_s=0.6, end_s=0.8, char_start=12, char_end=15),
        WordTiming(text="luvas.", start_s=0.8, end_s=1.2, char_start=16, char_end=22),
    ]
    assert build_cues(words, script)[0].lines == ["Atenção Use luvas."]


def test_given_no_words_when_cues_built_then_none() -> None:
    assert build_cues([], "") == []


CUES = [
    CaptionCue(start_s=0.0, end_s=1.5, lines=["Use o EPI & o EPC", "<sempre>"]),
    CaptionCue(start_s=1.5, end_s=3.25, lines=["NR-10 {item} a\\b"]),
]


def test_given_cues_when_vtt_then_header_timings_and_escapes() -> None:
    vtt = to_vtt(CUES)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n")
    assert "Use o EPI &amp; o EPC\n&lt;sempre&gt;" in vtt
    assert "00:00:01.500 --> 00:00:03.250\nNR-10 {item} a\\b\n" in vtt


def test_given_cues_when_srt_then_numbered_blocks_with_commas() -> None:
    srt = to_srt(CUES)
    blocks = srt.strip().split("\n\n")
    assert blocks[0].splitlines() == [
        "1",
        "00:00:00,000 --> 00:00:01,500",
        "Use o EPI & o EPC",
        "<sempre>",
    ]
    assert blocks[1].splitlines()[:2] == ["2", "00:00:01,500 --> 00:00:03,250"]


def test_given_cues_when_ass_then_bottom_centred_box_style_and_escaped_dialogue() -> None:
    ass = to_ass(CUES, 1920, 1080)
    assert "PlayResX: 1920\nPlayResY: 1080" in ass
    style = next(line for line in ass.splitlines() if line.startswith("Style: Default"))
    fields = style.removeprefix("Style: ").split(",")
    assert fields[2] == "54"  # font size: 5 % of 1080
    assert fields[15] == "3"  # BorderStyle 3: opaque box
    assert fields[18] == "2"  # Alignment 2: bottom centre
    assert "Dialogue: 0,0:00:00.00,0:00:01.50,Default,,0,0,0,,Use o EPI & o EPC\\N<sempre>" in ass
    assert "NR-10 (item) a/b" in ass


@pytest.mark.parametrize(
    ("width", "height", "size"),
    [(1920, 1080, 54), (1280, 720, 36), (1080, 1920, 46), (1080, 1080, 46)],
)
def test_given_video_size_when_font_sized_then_42_characters_fit(
    width: int, height: int, size: int
) -> None:
    assert ass_font_size(width, height) == size
    assert MAX_LINE * size * 0.5 <= width * 0.95  # ~0.5 em per character


def test_given_a_url_longer_than_a_line_when_wrapped_then_cut_at_slashes() -> None:
    url = "http://www.example.com/home/fachwissen/uebersicht/richtlinien-normen-gesetze/2/"
    lines = wrap_lines(f"Fonte: {url}")
    assert all(len(line) <= MAX_LINE for line in lines)
    assert "".join(lines).replace(" ", "") == f"Fonte:{url}"


def test_given_one_huge_word_when_cues_built_then_two_lines_with_ellipsis() -> None:
    script = "x" * 200
    words = [WordTiming(text=script, start_s=0.0, end_s=3.0, char_start=0, char_end=200)]
    (cue,) = build_cues(words, script)
    assert len(cue.lines) == MAX_LINES
    assert all(len(line) <= MAX_LINE for line in cue.lines)
    assert cue.lines[-1].endswith("…")
