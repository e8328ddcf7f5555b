"""The studio app's pure JavaScript modules (SSE parser, spoken-duration estimate, PKCE, chapters,
stage words, the two string tables) under ``node --test``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from estudio.services.scenes import duration_estimate_s

TESTS = Path(__file__).with_name("app_modules.test.mjs")
SPEECH = Path(__file__).parents[3] / "layers" / "estudio" / "api" / "static" / "js" / "speech.js"
SCRIPTS = [
    "Olá! Bem-vindos ao treinamento de segurança em instalações e serviços em eletricidade.",
    "A NR-10 define os requisitos mínimos:\ndos 220 V de uma tomada aos 13,8 kV da rede.",
    "Desenergização, passo a passo.\n\nSeccionamento do circuito. [pausa 1,5s] Bloqueio.",
    "Use os EPI, como luvas isolantes… e os EPC [pause] — sinalização?  Sim; sempre",
    "[pausa]",
    "",
]


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    return node


def test_given_the_app_modules_when_node_runs_their_tests_then_all_pass() -> None:
    result = subprocess.run(
        [node_or_skip(), "--test", str(TESTS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout


def test_given_scripts_when_the_app_estimates_them_then_it_says_what_the_api_says() -> None:
    program = (
        f"import({json.dumps(SPEECH.as_uri())}).then(m => console.log(JSON.stringify("
        f"{json.dumps(SCRIPTS)}.map(m.estimateSeconds))))"
    )
    result = subprocess.run(
        [node_or_skip(), "--input-type=module", "-e", program],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert json.loads(result.stdout) == [duration_estimate_s(s) for s in SCRIPTS]
