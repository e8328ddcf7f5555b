"""Azure: SSML building, word-boundary / viseme event handling and error mapping (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from xml.etree import ElementTree

import azure.cognitiveservices.speech as speechsdk
import pytest

from estudio.errors import VoiceProviderAuthError, VoiceProviderError, VoiceProviderUnavailable
from estudio.models import SpeechText
from estudio.speech.azure import (
    NO_KEY,
    AzureEvents,
    AzureProvider,
    build_ssml,
    error_for_cancellation,
)
from estudio.speech.glossary import Glossary, GlossaryEntry

SSML_NS = "{http://www.w3.org/2001/10/synthesis}"


@dataclass
class WordBoundary:
    """Same attributes as ``SpeechSynthesisWordBoundaryEventArgs`` (which needs a native handle)."""

    audio_offset: int
    duration: timedelta
    text_offset: int
    word_length: int
    text: str
    boundary_type: object = speechsdk.SpeechSynthesisBoundaryType.Word


@dataclass
class Viseme:
    audio_offset: int
    viseme_id: int


def ticks(seconds: float) -> int:
    return round(seconds * 10_000_000)


def boundaries_for(doc_text: str, words: list[str], start_s: float = 0.1) -> list[WordBoundary]:
    """What the service sends: offsets into the SSML, 300 ms per word."""
    events = []
    cursor = 0
    for n, word in enumerate(words):
        at = doc_text.index(word, cursor)
        cursor = at + len(word)
        events.append(
            WordBoundary(
                audio_offset=ticks(start_s + 0.3 * n),
                duration=timedelta(milliseconds=250),
                text_offset=at,
                word_length=len(word),
                text=word,
            )
        )
    return events


def test_given_text_with_markup_characters_when_building_ssml_then_it_is_valid_xml() -> None:
    doc = build_ssml('Use "luvas" & <óculos>', "pt-BR-FranciscaNeural", "pt-BR")

    root = ElementTree.fromstring(doc.text)
    voice = root.find(f"{SSML_NS}voice")
    assert voice is not None and voice.get("name") == "pt-BR-FranciscaNeural"
    assert "".join(voice.itertext()) == 'Use "luvas" & <óculos>'
    assert root.find(f".//{SSML_NS}lang") is None  # the voice speaks its own locale
    assert len(doc.sources) == len(doc.text)


def test_given_a_multilingual_voice_when_building_ssml_then_lang_switches_the_language() -> None:
    doc = build_ssml("Bom dia", "en-US-JennyMultilingualNeural", "pt-BR")

    lang = ElementTree.fromstring(doc.text).find(f".//{SSML_NS}lang")
    assert lang is not None
    assert lang.get("{http://www.w3.org/XML/1998/namespace}lang") == "pt-BR"


def test_given_a_glossary_when_building_ssml_then_terms_become_sub_and_phoneme() -> None:
    glossary = Glossary(
        entries=[
            GlossaryEntry(term="NR-10", spoken="ene erre dez"),
            GlossaryEntry(term="EPI", spoken="é pê í", ipa="ɛ pe ˈi"),
        ]
    )
    doc = build_ssml("A NR-10 exige EPI.", "pt-BR-AntonioNeural", "pt-BR", glossary)

    root = ElementTree.fromstring(doc.text)
    sub = root.find(f".//{SSML_NS}sub")
    phoneme = root.find(f".//{SSML_NS}phoneme")
    assert sub is not None and (sub.get("alias"), sub.text) == ("ene erre dez", "NR-10")
    assert phoneme is not None
    assert (phoneme.get("alphabet"), phoneme.get("ph"), phoneme.text) == ("ipa", "ɛ pe ˈi", "EPI")


def test_given_word_boundaries_with_ssml_offsets_when_collected_then_words_map_to_written() -> None:
    written = "Use o EPI 2 vezes & sempre."
    spoken = "Use o é pê í duas vezes & sempre."
    spans = [(0, 6, 0, 6), (6, 9, 6, 12), (9, 10, 12, 13), (10, 11, 13, 17), (11, 27, 17, 33)]
    text = SpeechText(written=written, spoken=spoken, spans=spans)
    doc = build_ssml(spoken, "pt-BR-FranciscaNeural", "pt-BR")
    events = AzureEvents()
    for event in boundaries_for(doc.text, ["Use", "o", "é", "pê", "í", "duas", "vezes", "sempre"]):
        events.on_word_boundary(event)
    amp = doc.text.index("&amp;")
    events.on_word_boundary(
        WordBoundary(
            ticks(2.3), timedelta(0), amp, 5, "&", speechsdk.SpeechSynthesisBoundaryType.Punctuation
        )
    )

    words = events.words(doc, text)

    assert [w.text for w in words] == ["Use", "o", "EPI", "2", "vezes", "sempre."]
    assert words[2].start_s == pytest.approx(0.1 + 0.3 * 2)
    assert words[2].end_s == pytest.approx(0.1 + 0.3 * 4 + 0.25)
    assert words[-1].text == written[words[-1].char_start : words[-1].char_end]


def test_given_offsets_that_do_not_point_at_the_word_when_collected_then_text_search_is_used() -> (
    None
):
    text = SpeechText(written="Atenção ao risco", spoken="Atenção ao risco")
    doc = build_ssml(text.spoken, "pt-BR-FranciscaNeural", "pt-BR")
    events = AzureEvents()
    for n, word in enumerate(["Atenção", "ao", "risco"]):
        # offsets into the plain text, not the SSML: must not be trusted blindly
        events.on_word_boundary(
            WordBoundary(
                ticks(0.3 * n), timedelta(milliseconds=200), [0, 8, 11][n], len(word), word
            )
        )

    words = events.words(doc, text)

    assert [(w.text, w.char_start) for w in words] == [("Atenção", 0), ("ao", 8), ("risco", 11)]


def test_given_a_sub_alias_when_its_boundaries_arrive_then_they_merge_into_the_term() -> None:
    glossary = Glossary(entries=[GlossaryEntry(term="NR-10", spoken="ene erre dez")])
    text = SpeechText(written="A NR-10 protege", spoken="A NR-10 protege")
    doc = build_ssml(text.spoken, "pt-BR-FranciscaNeural", "pt-BR", glossary)
    sub_at = doc.text.index("<sub")
    term_at = doc.text.index("NR-10")
    events = AzureEvents()
    events.on_word_boundary(
        WordBoundary(ticks(0.0), timedelta(milliseconds=100), doc.text.index(">A ") + 1, 1, "A")
    )
    events.on_word_boundary(
        WordBoundary(ticks(0.2), timedelta(milliseconds=700), term_at, 5, "NR-10")
    )
    events.on_word_boundary(
        WordBoundary(
            ticks(1.0), timedelta(milliseconds=400), doc.text.index("protege"), 7, "protege"
        )
    )

    words = events.words(doc, text)

    assert sub_at < term_at
    assert [(w.text, w.start_s, w.end_s) for w in words] == [
        ("A", 0.0, pytest.approx(0.1)),
        ("NR-10", pytest.approx(0.2), pytest.approx(0.9)),
        ("protege", pytest.approx(1.0), pytest.approx(1.4)),
    ]


def test_given_viseme_events_when_collected_then_they_map_to_the_common_alphabet() -> None:
    events = AzureEvents()
    for seconds, viseme_id in [(0.0, 0), (0.05, 21), (0.12, 2), (0.2, 2), (0.3, 4), (0.5, 0)]:
        events.on_viseme(Viseme(ticks(seconds), viseme_id))

    visemes = events.viseme_events(duration_s=0.6)

    assert [(v.time_s, v.viseme) for v in visemes] == [
        (0.0, "sil"),
        (pytest.approx(0.05), "PP"),
        (pytest.approx(0.12), "aa"),
        (pytest.approx(0.3), "E"),
        (pytest.approx(0.5), "sil"),
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (speechsdk.CancellationErrorCode.AuthenticationFailure, VoiceProviderAuthError),
        (speechsdk.CancellationErrorCode.Forbidden, VoiceProviderAuthError),
        (speechsdk.CancellationErrorCode.TooManyRequests, VoiceProviderUnavailable),
        (speechsdk.CancellationErrorCode.ServiceTimeout, VoiceProviderUnavailable),
        (speechsdk.CancellationErrorCode.ConnectionFailure, VoiceProviderUnavailable),
        (speechsdk.CancellationErrorCode.ServiceUnavailable, VoiceProviderUnavailable),
        (speechsdk.CancellationErrorCode.BadRequest, VoiceProviderError),
        (speechsdk.CancellationErrorCode.RuntimeError, VoiceProviderError),
    ],
)
def test_given_a_cancellation_code_when_mapped_then_our_error_class_follows(
    code: object, expected: type[Exception]
) -> None:
    error = error_for_cancellation(code, "details")
    assert type(error) is expected


def test_given_no_key_when_listing_then_pt_br_neural_voices_are_listed_unavailable() -> None:
    voices = AzureProvider(key=None, region="brazilsouth").voices()

    ids = {v.id for v in voices}
    assert {"azure:pt-BR-FranciscaNeural", "azure:pt-BR-AntonioNeural"} <= ids
    assert all(not v.available and v.reason == NO_KEY for v in voices)
    francisca = next(v for v in voices if v.id == "azure:pt-BR-FranciscaNeural")
    assert (francisca.language, francisca.gender) == ("pt-BR", "female")
