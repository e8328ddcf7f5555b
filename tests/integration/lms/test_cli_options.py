"""``estudio render --package/--quiz`` refuse bad input before any work, with a stable code."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from estudio.cli import EXIT_INPUT, main
from tests.integration.lms.rendering import EXAMPLE, QUIZ


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """``main`` quiets the product's logger for the terminal; give other tests theirs back."""
    from estudio.observability import logger

    level, variable = logger.log_level, os.environ.get("POWERTOOLS_LOG_LEVEL")
    yield
    logger.setLevel(level)
    if variable is None:
        os.environ.pop("POWERTOOLS_LOG_LEVEL", None)
    else:
        os.environ["POWERTOOLS_LOG_LEVEL"] = variable


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *options: str) -> tuple[int, dict]:
    out, data = str(tmp_path / "out"), str(tmp_path)
    code = main(["render", str(EXAMPLE), "--out", out, "--data", data, "--json", *options])
    return code, json.loads(capsys.readouterr().out)


def test_given_a_bad_quiz_file_then_invalid_quiz_and_nothing_rendered(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    quiz = tmp_path / "quiz.json"
    quiz.write_text(json.dumps({"questions": [{"text": "?", "choices": ["a", "b"], "answer": 3}]}))
    code, result = run(capsys, tmp_path, "--package", "scorm12", "--quiz", str(quiz))
    assert code == EXIT_INPUT
    assert result["error"]["code"] == "invalid_quiz"
    assert "answer 3 is not one of the 2 choices" in result["error"]["message"]
    assert not (tmp_path / "out").exists()


def test_given_a_missing_quiz_file_then_invalid_quiz(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, result = run(capsys, tmp_path, "--package", "scorm2004", "--quiz", "nope.json")
    assert (code, result["error"]["code"]) == (EXIT_INPUT, "invalid_quiz")


def test_given_a_quiz_without_a_scorm_package_then_invalid_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    quiz = tmp_path / "quiz.json"
    quiz.write_text(json.dumps(QUIZ))
    code, result = run(capsys, tmp_path, "--package", "storyboard", "--quiz", str(quiz))
    assert (code, result["error"]["code"]) == (EXIT_INPUT, "invalid_options")


@pytest.mark.parametrize(
    "options",
    [("--package", "scorm12,xapi"), ("--package", "scorm12", "--completion-percent", "0")],
)
def test_given_an_unknown_package_or_share_then_invalid_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, options: tuple[str, ...]
) -> None:
    code, result = run(capsys, tmp_path, *options)
    assert (code, result["error"]["code"]) == (EXIT_INPUT, "invalid_options")
