"""Knowledge checks: the quiz file an author writes, its validation, and the form the player gets.

The player never receives an answer in plain text: for each question it gets a salted SHA-256 of
the right choice (``answer_digest``) and hashes the learner's choice the same way to compare. That
keeps answers out of "view source"; it is not a secure exam — the page runs on the learner's
machine, a question has few choices, and anyone with the developer tools can try each one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from estudio.errors import InvalidQuiz

MAX_QUIZ_BYTES = 256 * 1024

QuestionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
]
ChoiceText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class QuizQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: QuestionText
    choices: Annotated[list[ChoiceText], Field(min_length=2, max_length=10)]
    answer: Annotated[int, Field(ge=0, description="index of the right choice, 0-based")]

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> QuizQuestion:
        if self.answer >= len(self.choices):
            raise ValueError(
                f"answer {self.answer} is not one of the {len(self.choices)} choices (0-based)"
            )
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("two choices have the same text")
        return self


class Quiz(BaseModel):
    """``{"pass_percent": 70, "questions": [{"text", "choices", "answer"}]}``"""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pass_percent: Annotated[int, Field(ge=0, le=100)] = 70
    questions: Annotated[list[QuizQuestion], Field(min_length=1, max_length=100)]


def _reason(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "quiz"
    message = first["msg"].removeprefix("Value error, ")
    more = error.error_count() - 1
    return f"{where}: {message}" + (f" (and {more} more)" if more else "")


def parse_quiz(data: bytes | str | dict[str, Any], name: str = "quiz") -> Quiz:
    """The quiz, or ``InvalidQuiz`` with a one-line reason."""
    if isinstance(data, bytes | str):
        if len(data) > MAX_QUIZ_BYTES:
            raise InvalidQuiz(f"{name} is larger than {MAX_QUIZ_BYTES // 1024} KB")
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidQuiz(f"{name} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidQuiz(f"{name} must be a JSON object with pass_percent and questions")
    try:
        return Quiz.model_validate(data)
    except ValidationError as error:
        raise InvalidQuiz(f"{name}: {_reason(error)}") from None


def answer_digest(salt: str, question: int, choice: int, text: str) -> str:
    """What the player compares: the same function is written in ``player/player.js``."""
    return hashlib.sha256(f"{salt}\n{question}\n{choice}\n{text}".encode()).hexdigest()


def player_quiz(quiz: Quiz, salt: str | None = None) -> dict[str, Any]:
    """The quiz as the player gets it: texts and choices, the right answers only as digests."""
    salt = salt or secrets.token_hex(16)
    return {
        "pass_percent": quiz.pass_percent,
        "salt": salt,
        "questions": [
            {
                "text": question.text,
                "choices": list(question.choices),
                "check": answer_digest(
                    salt, number, question.answer, question.choices[question.answer]
                ),
            }
            for number, question in enumerate(quiz.questions)
        ],
    }


def score_percent(quiz: Quiz, chosen: list[int]) -> int:
    """The raw score 0-100 the player reports for these choices (rounded half up)."""
    right = sum(1 for q, c in zip(quiz.questions, chosen, strict=True) if q.answer == c)
    return (200 * right + len(quiz.questions)) // (2 * len(quiz.questions))
