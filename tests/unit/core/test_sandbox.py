"""A child program cannot allocate past its memory bound."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from estudio.sandbox import bounded


@pytest.mark.skipif(shutil.which("prlimit") is None, reason="util-linux prlimit is not installed")
def test_a_child_that_balloons_fails_instead_of_taking_the_machine() -> None:
    hog = [sys.executable, "-c", "x = bytearray(400 * 1024 * 1024)"]
    assert subprocess.run(hog, capture_output=True).returncode == 0
    limited = subprocess.run(bounded(hog, memory_bytes=100 * 1024 * 1024), capture_output=True)
    assert limited.returncode != 0 and b"MemoryError" in limited.stderr


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="util-linux setpriv is not installed")
def test_a_child_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    parent = (
        "import subprocess, sys\n"
        "from estudio.sandbox import bounded\n"
        f"child = subprocess.Popen(bounded(['sleep', '30']))\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        "import time; time.sleep(30)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", parent])
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(marker.read_text())
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"
