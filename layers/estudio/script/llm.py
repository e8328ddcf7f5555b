"""What an LLM writer is asked and how its answer is judged, whichever service answers.

The prompt carries this slide only (its title, text, notes), its neighbours' titles, the glossary
terms and a target length; never a key, never another tenant's or another deck's text. The
answer must be plain prose (no markdown, lists, URLs or pause markup the author did not write),
of a length near the target, in the slide's language; anything else is ``WriterAnswerRejected``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from estudio.deck.language import detect_language
from estudio.errors import WriterAnswerRejected
from estudio.script.base import SlideBrief, Task
from estudio.speech.pauses import PAUSE_MARKUP

LANGUAGE_NAMES = {
    "pt": "Brazilian Portuguese",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
}
MIN_WORDS = 8
MAX_ANSWER_CHARS = 4000

SYSTEM = (
    "You write the narration for one slide of a training video. It will be read aloud by a "
    "text-to-speech voice, so write for listening: plain spoken prose, complete sentences, no "
    "markdown, no bullet points, no headings, no emoji. Never spell out URLs, e-mail addresses, "
    "code, commands or file paths: say 'the address on the slide' or the bare domain, or "
    "'the command on the slide'. Summarise tables, never read them cell by cell. Do not read "
    "repeated headers, footers or slide numbers. Keep the glossary terms exactly as written. "
    "Answer with the narration only."
)


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str
    target_words: int
    max_tokens: int


def target_words(brief: SlideBrief, task: Task, draft: str) -> int:
    basis = brief.notes if task == "rewrite" and brief.notes else draft
    if task == "translate":
        return max(MIN_WORDS * 2, min(400, len(draft.split())))
    words = len(basis.split())
    return max(25, min(180, round(words * 1.1) or 40))


def _slide_text(brief: SlideBrief) -> str:
    lines: list[str] = []
    for block in brief.blocks:
        if block.kind == "table":
            lines += [" | ".join(row) for row in block.rows]
        else:
            levels = block.levels or [0] * len(block.paragraphs)
            lines += [
                "  " * level + "- " + text
                for text, level in zip(block.paragraphs, levels, strict=False)
            ]
    return "\n".join(lines)


def build_prompt(brief: SlideBrief, task: Task, draft: str) -> Prompt:
    language = LANGUAGE_NAMES.get(brief.primary_language, brief.language)
    target = target_words(brief, task, draft)
    parts = [
        f"Language of the narration: {language} ({brief.language}).",
        f"Slide {brief.index + 1} of {brief.count}"
        + (f' in the presentation "{brief.deck_title}".' if brief.deck_title else "."),
    ]
    if brief.previous_title:
        parts.append(f"Previous slide's title: {brief.previous_title}")
    if brief.next_title:
        parts.append(f"Next slide's title: {brief.next_title}")
    parts.append(f"Slide title: {brief.title or '(none)'}")
    parts.append("Slide text:\n" + (_slide_text(brief) or "(none)"))
    if brief.pictures:
        parts.append(f"The slide shows {brief.pictures} picture(s).")
    if brief.glossary:
        parts.append("Glossary terms (keep as written): " + ", ".join(brief.glossary[:100]))
    if task == "translate":
        parts.append(
            f"Translate this narration into {language}, for listening, keeping its meaning, "
            "its pause markup ([pausa], [pause 2s]) and the glossary terms exactly:\n" + draft
        )
    elif task == "rewrite":
        parts.append("Speaker notes to polish for listening (keep their meaning):\n" + brief.notes)
    else:
        parts.append("A plain draft of the narration, for content and length:\n" + draft)
    parts.append(f"Write about {target} words.")
    return Prompt(
        system=SYSTEM,
        user="\n\n".join(parts),
        target_words=target,
        max_tokens=min(1024, target * 4 + 64),
    )


_MARKDOWN = (
    re.compile(r"(^|\n)\s{0,3}(#{1,6}\s|[-*+•]\s|\d+[.)]\s|>\s)"),
    re.compile(r"\*\*|__|`|\[[^\]]*\]\([^)]*\)"),
    re.compile(r"(^|\n)\s*\|.*\|"),
)
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)


def validate_answer(answer: str, brief: SlideBrief, prompt: Prompt) -> str:
    """The answer as narration, or ``WriterAnswerRejected`` saying why it is unusable."""
    text = answer.strip().strip('"“”').strip()
    if not text:
        raise WriterAnswerRejected("the answer was empty")
    if len(text) > MAX_ANSWER_CHARS:
        raise WriterAnswerRejected("the answer was too long", chars=len(text))
    if any(pattern.search(text) for pattern in _MARKDOWN):
        raise WriterAnswerRejected("the answer was formatted (markdown), not plain prose")
    if _URL.search(text):
        raise WriterAnswerRejected("the answer spelled out a URL")
    if PAUSE_MARKUP.search(text) and not PAUSE_MARKUP.search(brief.notes + prompt.user):
        raise WriterAnswerRejected("the answer added pause markup")
    words = len(text.split())
    low = max(MIN_WORDS, round(prompt.target_words * 0.35))
    high = round(prompt.target_words * 2.5) + 20
    if not low <= words <= high:
        raise WriterAnswerRejected(
            f"the answer had {words} words; between {low} and {high} were expected", words=words
        )
    if brief.primary_language in ("pt", "en", "es", "fr", "de"):
        found = detect_language(text).split("-")[0].lower()
        expected = brief.primary_language
        if found != expected and not (found == "pt" and len(text.split()) < 20):
            raise WriterAnswerRejected(
                f"the answer was in another language ({found}, not {expected})", found=found
            )
    return text
