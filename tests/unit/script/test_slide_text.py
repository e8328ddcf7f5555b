"""The slide-text translator's answer check: strict JSON, one translation per paragraph, none
empty or runaway, in the target language; anything else is rejected (never patched up)."""

from __future__ import annotations

import json

import pytest

from estudio.errors import WriterAnswerRejected
from estudio.script.slide_text import build_request, parse_answer

TEXTS = ["Bloqueio e etiquetagem", "Desligue o disjuntor geral", "12 V"]
GOOD = ["Lockout and tagging", "Switch off the main breaker", "12 V"]
SPANISH = ["Bloqueo y etiquetado del panel", "Apague el interruptor y el candado del panel", "12 V"]


def test_given_a_good_answer_when_parsed_then_one_translation_per_paragraph() -> None:
    assert parse_answer(json.dumps({"translations": GOOD}), TEXTS, "en") == GOOD
    fenced = "```json\n" + json.dumps({"translations": GOOD}) + "\n```"
    assert parse_answer(fenced, TEXTS, "en") == GOOD


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Lockout and tagging", "not JSON"),
        (json.dumps(GOOD), 'no "translations"'),
        (json.dumps({"translations": [1, 2, 3]}), 'no "translations"'),
        (json.dumps({"translations": GOOD[:2]}), "2 translations for 3 paragraphs"),
        (json.dumps({"translations": ["", *GOOD[1:]]}), "empty"),
        (json.dumps({"translations": [GOOD[0], "word " * 60, "12 V"]}), "far longer"),
        (json.dumps({"translations": [TEXTS[0], TEXTS[1], "12 V"]}), "not translated"),
        (json.dumps({"translations": SPANISH}), "another language"),
    ],
)
def test_given_an_unusable_answer_when_parsed_then_rejected_saying_why(
    answer: str, reason: str
) -> None:
    with pytest.raises(WriterAnswerRejected, match=reason):
        parse_answer(answer, TEXTS, "en")


def test_given_paragraphs_when_asked_then_the_request_carries_them_as_json_and_the_glossary() -> (
    None
):
    request = build_request(TEXTS, "pt-BR", "en", ["LOTO"], slide_number=3)
    assert "from Brazilian Portuguese (pt-BR) into English (en)" in request
    assert "Slide 3." in request and "LOTO" in request
    payload = request.split("Paragraphs (JSON): ", 1)[1]
    assert json.loads(payload) == {"paragraphs": TEXTS}
