"""Pause markup in scripts: parsed into ``SpeechText.pauses``, kept out of the spoken text and the
captions, carried through glossary aliases and long-text chunks, and written the way each voice
expects (SSML breaks for Azure, break tags for ElevenLabs)."""

from __future__ import annotations

import pytest

from estudio.models import WordTiming
from estudio.speech.alignment import TimedToken, apply_aliases
from estudio.speech.azure import build_ssml
from estudio.speech.captions import build_cues
from estudio.speech.elevenlabs import with_break_tags, without_tags
from estudio.speech.glossary import Glossary, GlossaryEntry
from estudio.speech.pauses import (
    MAX_PAUSE_S,
    PAUSE_MARKUP,
    assign_pauses,
    pause_seconds,
    strip_pause_markup,
)
from estudio.speech.text import to_spoken


@pytest.mark.parametrize(
    ("markup", "seconds"),
    [
        ("[pausa]", 0.7),
        ("[pause]", 0.7),
        ("[PAUSA]", 0.7),
        ("[pausa 2s]", 2.0),
        ("[pausa 1,5s]", 1.5),
        ("[pause 1.5 s]", 1.5),
        ("[pausa 500ms]", 0.5),
        ("[pausa 3 segundos]", 3.0),
        ("[pause 2 seconds]", 2.0),
        ("[pausa 90s]", MAX_PAUSE_S),
    ],
)
def test_given_pause_markup_when_read_then_its_length_is_known(markup: str, seconds: float) -> None:
    match = PAUSE_MARKUP.fullmatch(markup)

    assert match is not None
    assert pause_seconds(match) == pytest.approx(seconds)


def test_given_brackets_that_are_not_a_pause_when_read_then_they_are_left_alone() -> None:
    assert PAUSE_MARKUP.search("sudo airmon-ng start [NOME DA INTERFACE]") is None
    assert PAUSE_MARKUP.search("[pausas] e [pause here]") is None


def test_given_a_pause_when_made_spoken_then_it_is_silent_and_sits_between_the_words() -> None:
    text = to_spoken("Antes [pausa] depois.", "pt-BR")

    assert text.spoken == "Antes depois."
    assert text.pauses == [(len("Antes "), 0.7)]
    assert text.written == "Antes [pausa] depois."


def test_given_markup_glued_to_words_when_made_spoken_then_the_words_stay_apart() -> None:
    text = to_spoken("um[pause 2s]dois", "pt-BR")

    assert text.spoken == "um dois"
    assert text.pauses == [(3, 2.0)]


def test_given_a_blank_line_when_made_spoken_then_it_is_a_short_pause() -> None:
    text = to_spoken("Primeiro parágrafo.\n\nSegundo parágrafo.", "pt-BR")

    assert text.pauses == [(len("Primeiro parágrafo. "), 0.4)]
    assert "\n" not in text.spoken


def test_given_a_pause_and_a_blank_line_together_when_made_spoken_then_one_longer_pause() -> None:
    text = to_spoken("Fim do tema. [pausa 2s]\n\nNovo tema.", "pt-BR")

    assert [seconds for _, seconds in text.pauses] == [2.0]
    assert text.spoken[text.pauses[0][0] :] == "Novo tema."


def test_given_a_single_line_break_when_made_spoken_then_there_is_no_pause() -> None:
    assert to_spoken("Um item\noutro item", "pt-BR").pauses == []


def test_given_captions_when_the_script_has_markup_then_the_markup_is_never_shown() -> None:
    script = "Olhe o painel.[pausa] Agora [pausa 2s] o disjuntor."

    def word(text: str, start_s: float, end_s: float, after: int = 0) -> WordTiming:
        at = script.index(text, after)
        return WordTiming(
            text=text, start_s=start_s, end_s=end_s, char_start=at, char_end=at + len(text)
        )

    words = [
        word("Olhe", 0.0, 0.3),
        word("o", 0.3, 0.4, 4),
        # a provider that widens words to whitespace tokens takes the glued markup along
        word("painel.[pausa]", 0.4, 0.9),
        word("Agora", 1.6, 2.0),
        word("o", 4.0, 4.1, script.index("2s]")),
        word("disjuntor.", 4.1, 4.8),
    ]

    cues = build_cues(words, script)

    shown = " ".join(line for cue in cues for line in cue.lines)
    assert "[" not in shown and "pausa" not in shown
    assert shown == "Olhe o painel. Agora o disjuntor."
    # the two-second pause ends a cue: "o disjuntor." is not on screen during the silence
    assert [cue.lines for cue in cues][-1] == ["o disjuntor."]
    assert cues[-1].start_s == pytest.approx(4.0)


def test_given_text_with_markup_when_stripped_then_spacing_is_clean() -> None:
    assert strip_pause_markup("Antes [pausa] depois [pause 2s].") == "Antes depois ."


def test_given_aliases_when_applied_then_the_pause_follows_the_moved_text() -> None:
    glossary = Glossary(entries=[GlossaryEntry(term="EPI", spoken="equipamento de proteção")])
    text = to_spoken("Use o EPI [pausa] sempre.", "pt-BR")

    aliased = apply_aliases(text, glossary)

    [(offset, seconds)] = aliased.pauses
    assert seconds == 0.7
    assert aliased.spoken[:offset].rstrip().endswith("equipamento de proteção")
    assert aliased.spoken[offset:].startswith("sempre")


def test_given_pieces_when_pauses_are_shared_then_each_goes_to_its_piece_rebased() -> None:
    shares = assign_pauses([(3, 0.7), (12, 1.0), (25, 2.0)], [(0, 10), (11, 20), (22, 30)])

    assert shares == [[(3, 0.7)], [(1, 1.0)], [(3, 2.0)]]
    # a pause in the gap between two pieces ends the piece before it
    assert assign_pauses([(10, 0.7)], [(0, 9), (11, 20)]) == [[(9, 0.7)], []]


def test_given_pauses_when_ssml_is_built_then_breaks_sit_at_the_pauses() -> None:
    text = to_spoken("Antes [pausa] depois.\n\nFim [pausa 8s]", "pt-BR")

    doc = build_ssml(text.spoken, "pt-BR-FranciscaNeural", "pt-BR", None, text.pauses)

    assert 'Antes <break time="700ms"/>depois. <break time="400ms"/>Fim ' in doc.text
    assert doc.text.count("<break") == 4  # 8 s: 5 s + 3 s, each break within Azure's limit
    assert doc.text.endswith('<break time="5000ms"/><break time="3000ms"/></voice></speak>')
    # a word boundary reported on "depois" still maps to the spoken text
    at = doc.text.index("depois")
    assert doc.spoken_range(at, len("depois")) == (6, 12)


def test_given_pauses_when_sent_to_elevenlabs_then_break_tags_are_skipped_by_timings() -> None:
    spoken = "Antes depois."
    sent, tags = with_break_tags(spoken, [(6, 4.0)])

    assert sent == 'Antes <break time="3.00s" /> <break time="1.00s" /> depois.'
    tokens = [
        TimedToken(0, 5, 0.0, 0.3),
        TimedToken(6, 12, 0.3, 0.3),  # "<break" inside the first tag
        TimedToken(sent.index("depois"), len(sent), 4.4, 4.9),
    ]
    kept = without_tags(tokens, tags)

    assert [(t.start, t.end) for t in kept] == [(0, 5), (6, 13)]
    assert spoken[kept[1].start : kept[1].end] == "depois."
    assert kept[1].start_s == 4.4


def test_given_a_pause_when_the_cache_key_is_made_then_it_differs_and_others_keep_theirs() -> None:
    from estudio.speech.cache import speech_cache_key

    plain = to_spoken("Antes depois.", "pt-BR")
    paused = to_spoken("Antes [pausa] depois.", "pt-BR")
    longer = to_spoken("Antes [pausa 2s] depois.", "pt-BR")

    keys = {speech_cache_key("espeak", "espeak:pt-br", t) for t in (plain, paused, longer)}

    assert len(keys) == 3
    # speech without pauses keeps the key it always had (no re-synthesis after an upgrade)
    import hashlib
    import json

    before = {
        "v": 1, "provider": "espeak", "voice": "espeak:pt-br", "spoken": plain.spoken,
        "written": plain.written, "spans": [list(s) for s in plain.spans], "glossary": "",
        "settings": {},
    }  # fmt: skip
    encoded = json.dumps(before, sort_keys=True, ensure_ascii=False, default=str).encode()
    assert speech_cache_key("espeak", "espeak:pt-br", plain) == hashlib.sha256(encoded).hexdigest()
