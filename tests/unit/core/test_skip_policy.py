"""The suite's skip policy: environment reasons may skip, the project's own gaps may not."""

from __future__ import annotations

import pytest

from tests.conftest import allowed_skip

pytest_plugins = ["pytester"]


@pytest.mark.parametrize(
    "reason",
    [
        "shared corpus not present",
        "no ELEVENLABS_API_KEY",
        "chromium is not installed",
        "could not import 'playwright.sync_api': No module named 'playwright'",
        "ffprobe is not installed",
    ],
)
def test_given_an_environment_reason_then_the_skip_is_allowed(reason: str) -> None:
    assert allowed_skip(reason)


@pytest.mark.parametrize(
    "reason",
    [
        "estudio.media.render (render_still_segment) is not written yet",
        "needs the parse stage hook JobInput.scene_overrides (asked of the pipeline)",
        "no cloud provider modules installed",
        "",
    ],
)
def test_given_a_gap_of_the_project_then_the_skip_is_refused(reason: str) -> None:
    assert not allowed_skip(reason)


def test_given_a_suite_when_a_test_skips_for_a_missing_module_then_the_run_fails(
    pytester: pytest.Pytester,
) -> None:
    from pathlib import Path

    pytester.makeconftest(Path(__file__).parents[2].joinpath("conftest.py").read_text())
    pytester.makepyfile(
        """
        import pytest

        def test_not_written():
            pytest.skip("estudio.thing is not written yet")

        def test_no_corpus():
            pytest.skip("shared corpus not present")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, skipped=1)
