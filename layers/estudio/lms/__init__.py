"""Courses an LMS can track: SCORM 1.2 and 2004 packages with an offline player and a knowledge
check, and the storyboard a client signs off. Pure builders over files; the pipeline's package
stage (``estudio.pipeline.package_stage``) feeds them a finished render.

Names load on first use: the API's schemas read the quiz model only, and must not pull in the
package builders' lxml (the API functions have no lxml in their layers).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from estudio.lms.manifest import validate_manifest
    from estudio.lms.quiz import Quiz, parse_quiz
    from estudio.lms.scorm import CourseSource, build_scorm_package
    from estudio.lms.storyboard import StoryScene, build_storyboard

_WHERE = {
    "validate_manifest": "manifest",
    "Quiz": "quiz",
    "parse_quiz": "quiz",
    "CourseSource": "scorm",
    "build_scorm_package": "scorm",
    "StoryScene": "storyboard",
    "build_storyboard": "storyboard",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CourseSource",
    "Quiz",
    "StoryScene",
    "build_scorm_package",
    "build_storyboard",
    "parse_quiz",
    "validate_manifest",
]
