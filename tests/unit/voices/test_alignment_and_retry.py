"""Pure helpers: spoken->written mapping, aliases, character times, letter visemes, retries."""

from __future__ import annotations

import itertools

import pytest

from estudio.errors import VoiceProviderAuthError, VoiceProviderUnavailable
from estudio.models import SpeechText
from estudio.speech.alignment import (
    TextMap,
    TimedToken,
    apply_aliases,
    coarse_visemes,
    letter_visemes,
    tokens_from_char_times,
    word_timings,
)
from estudio.speech.chunking import split_spoken
from estudio.speech.cloud import RetryPolicy, call_with_retry
from estudio.speech.glossary import Glossary, GlossaryEntry


def test_given_spans_when_mapping_a_spoken_range_then_the_written_range_follows() -> None:
    text = SpeechText(
        written="Use 2 luvas",
        spoken="Use duas luvas",
        spans=[(0, 4, 0, 4), (4, 5, 4, 8), (5, 11, 8, 14)],
    )
    mapped = TextMap.from_text(text)

    assert mapped.written_range(4, 8) == (4, 5)  # "duas" -> "2"
    assert mapped.written_range(9, 14) == (6, 11)  # "luvas" exact inside an identity span
    assert mapped.is_boundary(8) and not mapped.is_boundary(6)


def test_given_no_spans_and_different_texts_when_mapping_then_a_diff_aligns_them() -> None:
    mapped = TextMap.from_text(SpeechText(written="São 10 horas", spoken="São dez horas"))

    assert mapped.written_range(4, 7) == (4, 6)
    assert mapped.written_range(8, 13) == (7, 12)


def test_given_glossary_terms_when_aliasing_then_spoken_changes_and_spans_stay_consistent() -> None:
    glossary = Glossary(
        entries=[
            GlossaryEntry(term="EPI", spoken="é pê í"),
            GlossaryEntry(term="NR", spoken="ene erre"),
            GlossaryEntry(term="NR-10", spoken="ene erre dez"),
        ]
    )
    text = SpeechText(written="Use EPI (NR-10), epi e NR.", spoken="Use EPI (NR-10), epi e NR.")

    aliased = apply_aliases(text, glossary)

    assert aliased.spoken == "Use é pê í (ene erre dez), é pê í e ene erre."
    assert aliased.written == text.written
    for ws, we, ss, se in aliased.spans:  # spans cover both strings in order
        assert 0 <= ws <= we <= len(aliased.written) and 0 <= ss <= se <= len(aliased.spoken)
    mapped = TextMap.from_text(aliased)
    dez = aliased.spoken.index("dez")
    assert mapped.written_range(dez, dez + 3) == (9, 14)  # "NR-10"


def test_given_a_word_inside_a_term_when_aliasing_then_only_whole_words_change() -> None:
    glossary = Glossary(entries=[GlossaryEntry(term="EPI", spoken="é pê í")])
    text = SpeechText(written="EPIs e EPICENTRO", spoken="EPIs e EPICENTRO")

    assert apply_aliases(text, glossary).spoken == text.spoken


def test_given_character_times_that_differ_from_the_text_when_aligning_then_words_still_time() -> (
    None
):
    spoken = "Bom dia, equipe"
    heard = "Bom dia equipe"  # the service dropped the comma
    starts = [i * 0.1 for i in range(len(heard))]
    ends = [s + 0.1 for s in starts]

    tokens = tokens_from_char_times(spoken, list(heard), starts, ends)

    assert [(spoken[t.start : t.end], round(t.start_s, 3), round(t.end_s, 3)) for t in tokens] == [
        ("Bom", 0.0, 0.3),
        ("dia,", 0.4, 0.7),
        ("equipe", 0.8, 1.4),
    ]


def test_given_tokens_of_one_written_word_when_timing_then_they_merge() -> None:
    text = SpeechText(
        written="A NR-10 vale",
        spoken="A ene erre dez vale",
        spans=[(0, 2, 0, 2), (2, 7, 2, 14), (7, 12, 14, 19)],
    )
    tokens = [
        TimedToken(0, 1, 0.0, 0.1),
        TimedToken(2, 5, 0.2, 0.4),
        TimedToken(6, 10, 0.45, 0.7),
        TimedToken(11, 14, 0.75, 0.9),
        TimedToken(15, 19, 1.0, 1.3),
    ]

    words = word_timings(TextMap.from_text(text), tokens)

    assert [(w.text, w.start_s, w.end_s) for w in words] == [
        ("A", 0.0, 0.1),
        ("NR-10", 0.2, 0.9),
        ("vale", 1.0, 1.3),
    ]


def test_given_portuguese_words_when_deriving_visemes_then_letters_map_to_mouth_shapes() -> None:
    assert letter_visemes("bom") == ["PP", "O", "PP"]
    assert letter_visemes("chave") == ["CH", "aa", "FF", "E"]
    assert letter_visemes("cinco") == ["SS", "I", "nn", "kk", "O"]
    assert letter_visemes("12") == []


def test_given_timed_words_when_deriving_visemes_then_they_are_ordered_with_silence_between() -> (
    None
):
    events = coarse_visemes([("bom", 0.0, 0.3), ("dia", 1.0, 1.3)], duration_s=1.5)

    times = [e.time_s for e in events]
    assert times == sorted(times)
    assert events[0].viseme == "PP" and events[-1].viseme == "sil"
    assert [e.viseme for e in events if 0.3 <= e.time_s < 1.0] == ["sil"]
    assert all(a.viseme != b.viseme for a, b in itertools.pairwise(events))


def test_given_transient_failures_when_retrying_then_backoff_grows_and_success_returns() -> None:
    pauses: list[float] = []
    outcomes: list[Exception | str] = [
        VoiceProviderUnavailable("busy"),
        VoiceProviderUnavailable("busy"),
        "ok",
    ]

    def action() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    policy = RetryPolicy(attempts=3, base_delay_s=1.0, max_delay_s=10.0)
    assert call_with_retry(action, policy, sleep=pauses.append, rng=lambda: 1.0) == "ok"
    assert pauses == [1.0, 2.0]


def test_given_jitter_when_computing_delays_then_they_stay_within_half_to_full_cap() -> None:
    policy = RetryPolicy(attempts=5, base_delay_s=1.0, max_delay_s=4.0)

    assert policy.delay(0, rng=lambda: 0.0) == 0.5
    assert policy.delay(5, rng=lambda: 0.0) == 2.0
    assert policy.delay(5, rng=lambda: 1.0) == 4.0


def test_given_a_permanent_error_when_retrying_then_it_is_raised_at_once() -> None:
    calls: list[int] = []

    def action() -> None:
        calls.append(1)
        raise VoiceProviderAuthError("bad key")

    with pytest.raises(VoiceProviderAuthError):
        call_with_retry(action, RetryPolicy(attempts=5), sleep=lambda _s: None)
    assert calls == [1]


def test_given_a_long_text_when_splitting_then_pieces_end_at_sentences_within_the_limit() -> None:
    text = "Primeira frase curta. Segunda frase, com vírgula, mais longa. Terceira! Quarta?"

    ranges = split_spoken(text, 40)

    pieces = [text[a:b] for a, b in ranges]
    assert pieces == [
        "Primeira frase curta.",
        "Segunda frase, com vírgula, mais longa.",
        "Terceira! Quarta?",
    ]
    assert all(len(p) <= 40 for p in pieces)


def test_given_a_sentence_longer_than_the_limit_when_splitting_then_clauses_then_spaces() -> None:
    text = "uma frase sem ponto, mas com vírgula e muitas palavras seguidas"

    ranges = split_spoken(text, 25)

    pieces = [text[a:b] for a, b in ranges]
    assert pieces[0] == "uma frase sem ponto,"
    assert all(len(p) <= 25 for p in pieces)
    assert " ".join(pieces) == text


def test_given_a_substitution_across_the_cut_when_splitting_then_it_is_not_split() -> None:
    text = SpeechText(
        written="Leia a NR-10 hoje",
        spoken="Leia a ene erre dez hoje",
        spans=[(0, 7, 0, 7), (7, 12, 7, 19), (12, 17, 19, 24)],
    )
    mapped = TextMap.from_text(text)

    ranges = split_spoken(text.spoken, 14, mapped.is_boundary)

    assert [text.spoken[a:b] for a, b in ranges] == ["Leia a", "ene erre dez", "hoje"]
