"""The studio app's pure JavaScript modules (SSE parser, spoken-duration estimate, PKCE, chapters,
stage words, the two string tables) under ``node --test``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

TESTS = Path(__file__).with_name("app_modules.test.mjs")


def test_given_the_app_modules_when_node_runs_their_tests_then_all_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    result = subprocess.run(
        [node, "--test", str(TESTS)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
