"""One render with LMS packages through the real CLI, shared by the package and browser tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "examples" / "nr10-seguranca-eletrica.pptx"
# Answers: NR-10, desenergizar e bloquear, a cada dois anos.
QUIZ: dict[str, Any] = {
    "pass_percent": 70,
    "questions": [
        {
            "text": "Qual norma trata da segurança em eletricidade?",
            "choices": ["NR-6", "NR-10", "NR-35"],
            "answer": 1,
        },
        {
            "text": "Antes de intervir num circuito, ele deve ser:",
            "choices": ["Mantido energizado", "Desenergizado e bloqueado"],
            "answer": 1,
        },
        {
            "text": "A reciclagem do curso básico é feita:",
            "choices": ["A cada dois anos", "Só uma vez"],
            "answer": 0,
        },
    ],
}


def render_with_packages(base: Path, deck: Path, *options: str) -> tuple[Path, dict[str, Any]]:
    """``estudio render deck --package scorm12,scorm2004 --package storyboard --quiz …`` at 720p;
    returns the output folder and the ``--json`` summary."""
    quiz = base / "quiz.json"
    quiz.write_text(json.dumps(QUIZ, ensure_ascii=False), encoding="utf-8")
    out = base / "out"
    argv = [
        sys.executable,
        "-m",
        "estudio.cli",
        "render",
        str(deck),
        "--out",
        str(out),
        "--preset",
        "720p",
        "--package",
        "scorm12,scorm2004",
        "--package",
        "storyboard",
        "--quiz",
        str(quiz),
        "--json",
        *options,
    ]
    env = {**os.environ, "ESTUDIO_DATA": str(base / "data")}
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    return out, json.loads(result.stdout)
