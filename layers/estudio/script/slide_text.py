"""Translating the text on a slide (its paragraphs, table cells included) through the LLM writer.

One request per slide: the slide's paragraphs go as a JSON list, and the answer must be strict
JSON, ``{"translations": [...]}``, one string per paragraph in the same order. The answer is
checked (JSON, count, a string where a paragraph had text, not absurdly long, in the target
language); anything else is ``WriterAnswerRejected`` and the caller keeps the slide's original
text with a warning. Never faked: without an LLM writer there is no translator at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from estudio.deck.language import detect_language
from estudio.errors import WriterAnswerRejected
from estudio.script.base import LLMWriter
from estudio.script.llm import LANGUAGE_NAMES

SYSTEM = (
    "You translate the text shown on the slides of a training presentation. You receive one "
    'slide\'s paragraphs as JSON and answer with JSON only: {"translations": [...]}, exactly '
    "one string per paragraph, in the same order, nothing before or after. Translate each "
    "paragraph on its own; never merge, split, add or drop paragraphs. Keep line breaks "
    "(\\n) where the original has them. Keep numbers, units, code, commands, URLs, e-mail "
    "addresses, product names and the glossary terms exactly as written. Keep each "
    "translation about as short as the original: it must fit the same box on the slide."
)
MAX_GROWTH = 4.0  # a translation longer than this many times its original (+40 chars) is wrong
MIN_WORDS_TO_JUDGE = 8  # fewer words than this: too little text to tell its language
UNSURE_WORDS = 20  # below this, the detector's "pt" may only mean it could not tell
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def _name(language: str) -> str:
    return LANGUAGE_NAMES.get(language.split("-")[0].lower(), language)


def build_request(
    texts: Sequence[str],
    source: str,
    target: str,
    glossary: Sequence[str] = (),
    slide_number: int | None = None,
) -> str:
    parts = [f"Translate from {_name(source)} ({source}) into {_name(target)} ({target})."]
    if slide_number is not None:
        parts.append(f"Slide {slide_number}.")
    if glossary:
        parts.append("Glossary terms (keep as written): " + ", ".join(glossary[:100]))
    payload = json.dumps({"paragraphs": list(texts)}, ensure_ascii=False)
    parts.append("Paragraphs (JSON): " + payload)
    return "\n\n".join(parts)


def parse_answer(answer: str, texts: Sequence[str], target: str) -> list[str]:
    """The translations in ``answer``, one per text, or ``WriterAnswerRejected`` saying why."""
    raw = answer.strip()
    fenced = _FENCE.match(raw)
    if fenced:
        raw = fenced.group(1)
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise WriterAnswerRejected("the answer was not JSON") from error
    translations = data.get("translations") if isinstance(data, dict) else None
    if not isinstance(translations, list) or not all(isinstance(t, str) for t in translations):
        raise WriterAnswerRejected('the answer had no "translations" list of strings')
    if len(translations) != len(texts):
        raise WriterAnswerRejected(
            f"the answer had {len(translations)} translations for {len(texts)} paragraphs",
            expected=len(texts),
            found=len(translations),
        )
    out: list[str] = []
    for original, translated in zip(texts, translations, strict=True):
        translated = translated.strip()
        if original.strip() and not translated:
            raise WriterAnswerRejected("the answer left a paragraph empty")
        if len(translated) > MAX_GROWTH * len(original) + 40:
            raise WriterAnswerRejected("a translation was far longer than its paragraph")
        out.append(translated)
    worded = [(o, t) for o, t in zip(texts, out, strict=True) if len(o.split()) >= 2]
    if worded and sum(o.strip() == t for o, t in worded) * 2 > len(worded):
        raise WriterAnswerRejected("the answer was not translated (most paragraphs came back)")
    joined = " ".join(out)
    words = len(joined.split())
    expected = target.split("-")[0].lower()
    if expected in ("pt", "en", "es", "fr", "de") and words >= MIN_WORDS_TO_JUDGE:
        found = detect_language(joined).split("-")[0].lower()
        # "pt" is also the detector's answer when unsure: short text is judged by the rest
        if found != expected and not (found == "pt" and words < UNSURE_WORDS):
            raise WriterAnswerRejected(
                f"the answer was in another language ({found}, not {expected})", found=found
            )
    return out


class SlideTextTranslator:
    """Translates one slide's paragraphs per call through an LLM writer's ``complete``."""

    def __init__(self, llm: LLMWriter, glossary: Sequence[str] = ()) -> None:
        self.llm = llm
        self.glossary = list(glossary)

    @property
    def name(self) -> str:
        return self.llm.name

    def translate(
        self, texts: Sequence[str], source: str, target: str, slide_number: int | None = None
    ) -> list[str]:
        """``texts`` in ``target``, same count and order. Raises ``WriterFailed`` (its
        ``WriterAnswerRejected`` when the answer is unusable)."""
        if not texts:
            return []
        user = build_request(texts, source, target, self.glossary, slide_number)
        chars = sum(len(t) for t in texts)
        max_tokens = min(4096, 256 + chars)  # ~4 chars a token, and JSON around them
        return parse_answer(self.llm.complete(SYSTEM, user, max_tokens), texts, target)
