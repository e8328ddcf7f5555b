"""Suite-wide rules. A skip is allowed only for a reason of the environment (no shared corpus,
no live keys, a tool or browser not installed here); a skip because one of the project's own
modules or fields "is not written yet" is a failure: the test must run, or be deleted."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

# Reasons a test may skip: something this machine lacks, never something the project lacks.
ALLOWED_SKIP_REASONS = re.compile(
    "|".join(
        [
            r"shared (deck |legacy )?corpus not present",
            r"\bno [A-Z_]+_KEY\b",  # live voice keys
            r"chromium is not installed",
            r"could not import 'playwright",
            r"ffprobe (is )?not installed",
            r"LibreOffice and poppler-utils are needed",
            r"util-linux \w+ is not installed",
            r"cfn-lint is not installed",
            r"no face environment",
            r"the face environment has no matplotlib sample portrait",
            r"MediaPipe is importable here",
            r"a GPU is present here",
            r"this machine has a (GPU|working NVENC)",
            r"\b(is|are) not installed\b",  # a system program or font
            r"\bis needed\b",  # fontconfig, poppler
            r"this ffmpeg has no \w+ decoder",
            r"npm packages are missing",
            # Corpus-driven cases: what a real deck turns out to be, never what the project lacks.
            r"is not in the corpus",
            r"the deck is refused at parse",
            r"the rules writer does not speak this language",
        ]
    ),
    re.IGNORECASE,
)


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def allowed_skip(reason: str) -> bool:
    return ALLOWED_SKIP_REASONS.search(reason) is not None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = skip_reason(report)
        if not allowed_skip(reason):
            report.outcome = "failed"
            report.longrepr = (
                f"unexpected skip: {reason!r}. Only a missing piece of the environment may skip "
                "a test (see ALLOWED_SKIP_REASONS in tests/conftest.py)."
            )


SLIDES_AT_UPLOAD_ENV = "ESTUDIO_SLIDES_AT_UPLOAD"


@pytest.fixture(autouse=True)
def _slides_at_upload(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deck upload draws its slide images with LibreOffice (seconds): only the tests marked
    ``slides`` (and the browser flows) pay for it; the other uploads parse the deck only."""
    marked = request.node.get_closest_marker
    if marked("slides") is None and marked("browser") is None:
        monkeypatch.setenv(SLIDES_AT_UPLOAD_ENV, "false")
