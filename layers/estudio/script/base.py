"""The script writer port: what a writer is given about one slide, and what it must answer.

A writer turns a ``SlideBrief`` into narration written for listening, in the brief's language.
``rules`` is offline and always there; ``openai`` and ``bedrock`` are LLM writers built at the
edges from settings and passed in (like the voices). Writers raise ``WriterFailed`` (or its
subclasses) and nothing else; the script stage falls back to ``rules`` when they do.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from estudio.models import TextBlock

WriterName = Literal["rules", "openai", "bedrock"]
# write from the slide; rewrite the author's notes; translate ``draft`` into the brief's language
Task = Literal["write", "rewrite", "translate"]


class SlideBrief(BaseModel):
    """One slide as a writer sees it: repeated headers and footers and slide numbers already
    taken out, its neighbours' titles for context."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    count: int  # scenes in the deck
    language: str  # BCP-47 of the narration
    deck_title: str | None = None
    title: str | None = None
    blocks: list[TextBlock] = []
    pictures: int = 0
    notes: str = ""  # the author's speaker notes ("" when none)
    previous_title: str | None = None
    next_title: str | None = None
    same_title_as_previous: bool = False
    glossary: list[str] = []  # terms to keep exactly as written

    @property
    def is_first(self) -> bool:
        return self.index == 0

    @property
    def primary_language(self) -> str:
        return self.language.split("-")[0].lower()


class ScriptWriter(Protocol):
    name: WriterName

    def write(self, brief: SlideBrief, task: Task, draft: str) -> str:
        """Narration for ``brief``. ``draft`` is the rules writer's script for the slide (a length
        and content guide for an LLM); for ``rewrite`` the brief's notes are the text to polish.
        Raises ``WriterFailed`` (``WriterBusy`` when a retry may help)."""
        ...


class LLMWriter(ScriptWriter, Protocol):
    """An LLM writer (``openai``, ``bedrock``): it also answers a raw prompt, which the slide
    text translator (``estudio.script.slide_text``) asks for strict JSON and checks itself."""

    def complete(self, system: str, user: str, max_tokens: int) -> str:
        """The answer's text. Raises ``WriterFailed`` (``WriterBusy`` after retries)."""
        ...
