"""Narration written for listening: the script writer port, the offline ``rules`` writer, the
``openai`` and ``bedrock`` LLM writers, and the choice of each scene's script per script mode."""

from estudio.script.base import ScriptWriter, SlideBrief, Task, WriterName
from estudio.script.brief import slide_briefs
from estudio.script.factory import Writers, default_writers
from estudio.script.rules import RulesWriter
from estudio.script.service import write_scene, write_scripts

__all__ = [
    "RulesWriter",
    "ScriptWriter",
    "SlideBrief",
    "Task",
    "WriterName",
    "Writers",
    "default_writers",
    "slide_briefs",
    "write_scene",
    "write_scripts",
]
