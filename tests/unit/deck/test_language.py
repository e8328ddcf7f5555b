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


def test_given_mostly_hebrew_with_a_few_english_words_when_detected_then_hebrew() -> None:
    text = "מעבדה הכנה לבחינת הבגרות " * 40 + " the and of"

    assert detect_language(text) == "he-IL"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Привет, это курс по охране труда", "ru-RU"),
        ("السلامة في العمل مهمة جدا", "ar"),
        ("安全第一、作業の前に確認してください", "ja-JP"),
        ("电气安全培训课程", "zh-CN"),
        ("Die Sicherheit bei der Arbeit ist wichtig und wird nicht vergessen", "de"),
        ("La sécurité au travail est très importante pour les employés et pour nous", "fr"),
    ],
)
def test_given_other_languages_when_detected_then_their_voice_language(
    text: str, language: str
) -> None:
    assert detect_language(text) == language


def test_given_a_tie_between_portuguese_and_english_when_detected_then_portuguese_wins() -> None:
    assert detect_language("não você também the and of") == "pt-BR"
