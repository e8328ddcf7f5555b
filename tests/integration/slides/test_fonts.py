"""Font warnings come from fontconfig on the host that draws the slides, with the substitute."""

from __future__ import annotations

import shutil

import pytest

from estudio.slides.fonts import font_warnings, substitute

pytestmark = pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig is needed")


def test_given_a_font_nobody_has_when_checked_then_the_warning_names_its_substitute() -> None:
    drawn = substitute("Estudio Inexistente Sans")
    assert drawn
    warnings = font_warnings(["Estudio Inexistente Sans"])
    assert warnings == [
        f"fonts: 'Estudio Inexistente Sans' is not installed; drawn with "
        f"{drawn.split(',')[0].strip()!r} (text may re-wrap)"
    ]


def test_given_installed_or_metric_compatible_fonts_when_checked_then_no_warning() -> None:
    installed = (substitute("DejaVu Sans") or "").split(",")[0].strip()
    assert font_warnings(["Calibri", "Arial", installed]) == []
