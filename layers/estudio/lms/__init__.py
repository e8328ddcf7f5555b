"""Courses an LMS can track: SCORM 1.2 and 2004 packages with an offline player and a knowledge
check, and the storyboard a client signs off. Pure builders over files; the pipeline's package
stage (``estudio.pipeline.package_stage``) feeds them a finished render."""

from estudio.lms.manifest import validate_manifest
from estudio.lms.quiz import Quiz, parse_quiz
from estudio.lms.scorm import CourseSource, build_scorm_package
from estudio.lms.storyboard import StoryScene, build_storyboard

__all__ = [
    "CourseSource",
    "Quiz",
    "StoryScene",
    "build_scorm_package",
    "build_storyboard",
    "parse_quiz",
    "validate_manifest",
]
