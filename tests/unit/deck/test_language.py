from __future__ import annotations

import pytest

from estudio.deck.language import DEFAULT_LANGUAGE, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Antes de qualquer intervenção, desligue o circuito e use os equipamentos de "
            "proteção. A segurança é responsabilidade de todos nós.",
            "pt-BR",
        ),
        (
            "Before any work on the circuit, switch it off and check that there is no voltage. "
            "Safety is the responsibility of all of us.",
            "en",
        ),
        (
            "Antes de cualquier trabajo, desconecte el circuito y use los equipos de protección. "
            "La seguridad es responsabilidad de todos nosotros.",
            "es",
        ),
        ("Você não pode começar sem a ordem de serviço", "pt-BR"),
        ("¿Dónde está el extintor? Está junto a la puerta del laboratorio.", "es"),
    ],
)
def test_given_text_in_a_language_when_detected_then_that_language_is_returned(
    text: str, expected: str
) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "NR-10", "13,8 kV 220 V 75%", "Slide 1"])
def test_given_too_little_evidence_when_detected_then_the_default_is_returned(text: str) -> None:
    assert detect_language(text) == DEFAULT_LANGUAGE == "pt-BR"


def test_given_mostly_foreign_script_with_a_few_english_words_when_detected_then_default() -> None:
    text = "מעבדה הכנה לבחינת הבגרות " * 40 + " the and of"

    assert detect_language(text) == DEFAULT_LANGUAGE


def test_given_a_tie_between_portuguese_and_english_when_detected_then_portuguese_wins() -> None:
    assert detect_language("não você também the and of") == "pt-BR"
