"""A child program cannot allocate past its memory bound."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from estudio.sandbox import bounded


@pytest.mark.skipif(shutil.which("prlimit") is None, reason="util-linux prlimit is not installed")
def test_a_child_that_balloons_fails_instead_of_taking_the_machine() -> None:
    hog = [sys.executable, "-c", "x = bytearray(400 * 1024 * 1024)"]
    assert subprocess.run(hog, capture_output=True).returncode == 0
    limited = subprocess.run(bounded(hog, memory_bytes=100 * 1024 * 1024), capture_output=True)
    assert limited.returncode != 0 and b"MemoryError" in limited.stderr
