"""Knowledge checks: the quiz file is validated with one-line reasons, and the player never gets
an answer in plain text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from estudio.errors import InvalidQuiz
from estudio.lms.quiz import answer_digest, parse_quiz, player_quiz, score_percent

QUIZ: dict[str, Any] = {
    "pass_percent": 70,
    "questions": [
        {
            "text": "Qual NR trata de eletricidade?",
            "choices": ["NR-6", "NR-10", "NR-35"],
            "answer": 1,
        },
        {
            "text": "Antes de intervir:",
            "choices": ["Energizar", "Desenergizar e bloquear"],
            "answer": 1,
        },
        {"text": "Reciclagem a cada:", "choices": ["2 anos", "10 anos"], "answer": 0},
    ],
}


def test_given_the_documented_quiz_when_parsed_then_it_keeps_every_question() -> None:
    quiz = parse_quiz(json.dumps(QUIZ).encode())
    assert quiz.pass_percent == 70
    assert [q.answer for q in quiz.questions] == [1, 1, 0]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (json.dumps({"questions": []}).encode(), "questions"),
        (json.dumps({**QUIZ, "pass_percent": 120}).encode(), "pass_percent"),
        (
            json.dumps({"questions": [{"text": "x", "choices": ["a", "b"], "answer": 2}]}).encode(),
            "answer 2 is not one of the 2 choices",
        ),
        (
            json.dumps({"questions": [{"text": "x", "choices": ["a"], "answer": 0}]}).encode(),
            "questions.0.choices",
        ),
        (
            json.dumps({"questions": [{"text": "x", "choices": ["a", "a"], "answer": 0}]}).encode(),
            "same text",
        ),
        (json.dumps({**QUIZ, "shuffle": True}).encode(), "shuffle"),
        (b" " * (300 * 1024), "larger than"),
    ],
)
def test_given_a_bad_quiz_when_parsed_then_invalid_quiz_says_why_in_one_line(
    document: bytes, reason: str
) -> None:
    with pytest.raises(InvalidQuiz) as caught:
        parse_quiz(document, "quiz.json")
    assert caught.value.code == "invalid_quiz"
    assert caught.value.user_error
    assert reason in caught.value.message
    assert "\n" not in caught.value.message


def test_given_a_quiz_when_prepared_for_the_player_then_no_answer_is_in_plain_text() -> None:
    quiz = parse_quiz(QUIZ)
    data = player_quiz(quiz, salt="s" * 32)
    text = json.dumps(data)
    assert '"answer"' not in text
    for number, question in enumerate(data["questions"]):
        right = QUIZ["questions"][number]["answer"]
        assert question["check"] == answer_digest(
            "s" * 32, number, right, question["choices"][right]
        )
        wrong = [
            answer_digest("s" * 32, number, c, text)
            for c, text in enumerate(question["choices"])
            if c != right
        ]
        assert question["check"] not in wrong


def test_given_two_packages_then_each_gets_its_own_salt() -> None:
    quiz = parse_quiz(QUIZ)
    first, second = player_quiz(quiz), player_quiz(quiz)
    assert first["salt"] != second["salt"]
    assert first["questions"][0]["check"] != second["questions"][0]["check"]


@pytest.mark.parametrize(("chosen", "score"), [([1, 1, 0], 100), ([1, 0, 0], 67), ([0, 0, 1], 0)])
def test_given_choices_then_the_score_is_the_share_right_rounded(
    chosen: list[int], score: int
) -> None:
    assert score_percent(parse_quiz(QUIZ), chosen) == score
