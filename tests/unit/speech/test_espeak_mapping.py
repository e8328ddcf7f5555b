"""espeak-ng events -> written words and visemes (pure mapping, no synthesis)."""

from __future__ import annotations

import pytest

from estudio.speech.espeak import PhonemeEvent, WordEvent, visemes_from_events, words_from_events
from estudio.speech.glossary import default_glossary
from estudio.speech.text import to_spoken
from estudio.speech.visemes import ALPHABET, SILENCE, espeak_viseme

RATE = 22050


def _event_at(spoken: str, needle: str, sample: int, occurrence: int = 0) -> WordEvent:
    index = -1
    for _ in range(occurrence + 1):
        index = spoken.index(needle, index + 1)
    return WordEvent(position=index + 1, sample=sample)  # espeak positions are 1-based


def test_given_hyphenated_word_with_one_event_when_mapped_then_whole_word_is_kept() -> None:
    text = to_spoken("Bem-vindos à aula.", "pt-BR")
    events = [
        _event_at(text.spoken, "Bem", 0),
        _event_at(text.spoken, "à", 14000),
        _event_at(text.spoken, "aula", 16000),
    ]
    words = words_from_events(text, events, [], RATE, 30000)
    assert [w.text for w in words] == ["Bem-vindos", "à", "aula."]
    assert words[0].char_start == 0 and words[0].char_end == 10


def test_given_number_read_as_several_words_when_mapped_then_one_written_word() -> None:
    text = to_spoken("Custa R$ 1.500,00 hoje", "pt-BR")
    spoken = text.spoken  # "Custa mil e quinhentos reais hoje"
    events = [
        _event_at(spoken, "Custa", 0),
        _event_at(spoken, "mil", 5000),
        _event_at(spoken, " e ", 9000),
        _event_at(spoken, "quinhentos", 10000),
        _event_at(spoken, "reais", 15000),
        _event_at(spoken, "hoje", 20000),
    ]
    words = words_from_events(text, events, [], RATE, 26000)
    assert [w.text for w in words] == ["Custa", "R$ 1.500,00", "hoje"]
    assert words[1].start_s == pytest.approx(5000 / RATE)
    assert words[1].end_s == pytest.approx(20000 / RATE)


def test_given_glossary_acronym_when_mapped_then_written_acronym_is_the_word() -> None:
    text = to_spoken("Use EPI sempre", "pt-BR", default_glossary())
    spoken = text.spoken  # "Use é pê í sempre"
    events = [
        _event_at(spoken, "Use", 0),
        _event_at(spoken, "é", 3000),
        _event_at(spoken, "pê", 4000),
        _event_at(spoken, "í", 5000),
        _event_at(spoken, "sempre", 6000),
    ]
    words = words_from_events(text, events, [], RATE, 9000)
    assert [(w.text, w.char_start, w.char_end) for w in words] == [
        ("Use", 0, 3),
        ("EPI", 4, 7),
        ("sempre", 8, 14),
    ]


def test_given_pause_after_word_when_mapped_then_word_ends_at_the_pause() -> None:
    text = to_spoken("Atenção: agora", "pt-BR")
    events = [_event_at(text.spoken, "Atenção", 0), _event_at(text.spoken, "agora", 18000)]
    words = words_from_events(text, events, [13600, 18000], RATE, 25000)
    assert words[0].text == "Atenção:"
    assert words[0].end_s == pytest.approx(13600 / RATE)
    assert words[1].end_s == pytest.approx(25000 / RATE)


def test_given_dropped_emoji_and_bullet_when_mapped_then_words_exclude_them() -> None:
    text = to_spoken("Olá 😀\n• mundo", "pt-BR")
    events = [_event_at(text.spoken, "Olá", 0), _event_at(text.spoken, "mundo", 8000)]
    words = words_from_events(text, events, [], RATE, 12000)
    assert [w.text for w in words] == ["Olá", "mundo"]


def test_given_no_events_when_mapped_then_no_words() -> None:
    assert words_from_events(to_spoken("Olá", "pt-BR"), [], [], RATE, 100) == []


@pytest.mark.parametrize(
    ("ipa", "viseme"),
    [
        ("", "sil"),
        ("p", "PP"),
        ("b", "PP"),
        ("m", "PP"),
        ("f", "FF"),
        ("v", "FF"),
        ("t", "DD"),
        ("l", "DD"),
        ("n", "nn"),
        ("ŋ", "nn"),
        ("ɲ", "nn"),
        ("k", "kk"),
        ("ɡ", "kk"),
        ("ʃ", "CH"),
        ("tʃ", "CH"),
        ("dʒ", "CH"),
        ("s", "SS"),
        ("z", "SS"),
        ("ɾ", "RR"),
        ("x", "RR"),
        ("ˈa", "aa"),
        ("ˌa", "aa"),
        ("ˈɐ̃ʊ", "aa"),
        ("ɛ", "E"),
        ("ˈeɪ", "E"),
        ("i", "I"),
        ("j", "I"),
        ("ˈoɪ", "O"),
        ("ɔ", "O"),
        ("u", "U"),
        ("ʊ", "U"),
        ("w", "U"),
        ("θ", "TH"),
        ("ð", "TH"),
        ("ː", "sil"),
        ("ʘ", "DD"),
    ],
)
def test_given_espeak_ipa_when_mapped_then_viseme(ipa: str, viseme: str) -> None:
    assert espeak_viseme(ipa) == viseme
    assert viseme in ALPHABET


def test_given_phonemes_when_visemes_built_then_sil_first_and_last_and_no_repeats() -> None:
    phonemes = [
        PhonemeEvent(0, "ˌa"),
        PhonemeEvent(2932, "t"),
        PhonemeEvent(3420, "eɪ"),
        PhonemeEvent(5340, "ŋ"),
        PhonemeEvent(7024, "s"),
        PhonemeEvent(7500, "s"),
        PhonemeEvent(8627, "ˈɐ̃ʊ"),
        PhonemeEvent(13626, ""),
        PhonemeEvent(18609, ""),
    ]
    duration = 20000 / RATE
    visemes = visemes_from_events(phonemes, RATE, duration)
    assert visemes[0].viseme == SILENCE and visemes[0].time_s == 0.0
    assert visemes[-1].viseme == SILENCE
    assert visemes[-1].time_s <= duration
    shapes = [v.viseme for v in visemes]
    assert shapes == ["sil", "aa", "DD", "E", "nn", "SS", "aa", "sil"]
    times = [v.time_s for v in visemes]
    assert times == sorted(times)


def test_given_no_phonemes_when_visemes_built_then_silence_to_the_end() -> None:
    visemes = visemes_from_events([], RATE, 1.5)
    assert [(v.time_s, v.viseme) for v in visemes] == [(0.0, "sil"), (1.5, "sil")]
