"""From a parsed deck to one ``SlideBrief`` per scene.

Deck-wide facts are settled here, once, for every writer: text repeated in the same band at the
top or bottom of many slides (an event name, a logo caption, "Confidencial") is a header or
footer and is kept only where it first appears; a bare slide number is never kept; each brief
knows its neighbours' titles and whether it continues the previous slide's title.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from estudio.models import Deck, Scene, TextBlock
from estudio.script.base import SlideBrief

EDGE_BAND = 0.15  # top or bottom share of the slide where headers and footers sit
_SLIDE_NUMBER = re.compile(
    r"^\s*(?:(?:slide|diapositivo|diapositiva|página|pagina|page|p\.)\s*)?"
    r"\d{1,4}(?:\s*(?:/|de|of)\s*\d{1,4})?\s*$",
    re.IGNORECASE,
)


def _key(block: TextBlock) -> str:
    """What makes two blocks "the same text": case, spacing and digits (page numbers) ignored."""
    text = " ".join(block.paragraphs) if block.kind == "text" else ""
    return re.sub(r"\d+", "#", " ".join(text.casefold().split()))


def _at_edge(block: TextBlock) -> bool:
    top = block.top if block.top is not None else 0.5
    bottom = block.bottom if block.bottom is not None else top
    return top >= 1 - EDGE_BAND - 0.05 or bottom <= EDGE_BAND + 0.05 or top >= 0.85


def repeated_edges(scenes: Sequence[Scene]) -> set[str]:
    """Keys of blocks that repeat at the slides' edges: on at least three slides and a quarter
    of them, or on half the slides when the text is short."""
    slides: Counter[str] = Counter()
    short: dict[str, bool] = {}
    for scene in scenes:
        seen: set[str] = set()
        for block in scene.content.blocks:
            key = _key(block)
            if key and key not in seen:
                seen.add(key)
                if _at_edge(block):
                    slides[key] += 1
                    short[key] = len(key.split()) <= 10
    count = len(scenes)
    needed = max(3, math.ceil(count / 4))
    return {key for key, n in slides.items() if n >= needed or (short[key] and n >= 3)}


def is_slide_number(block: TextBlock) -> bool:
    return block.kind == "text" and all(_SLIDE_NUMBER.match(p) for p in block.paragraphs)


def slide_briefs(deck: Deck, language: str, glossary_terms: Sequence[str] = ()) -> list[SlideBrief]:
    """One brief per scene, in order."""
    edges = repeated_edges(deck.scenes)
    first_seen: set[str] = set()
    briefs: list[SlideBrief] = []
    titles = [scene.title for scene in deck.scenes]
    for position, scene in enumerate(deck.scenes):
        blocks: list[TextBlock] = []
        for block in scene.content.blocks:
            key = _key(block)
            if is_slide_number(block):
                continue
            if key in edges:
                if key in first_seen:
                    continue  # a header or footer: said once, where it first appears
                first_seen.add(key)
            blocks.append(block)
        previous = titles[position - 1] if position else None
        briefs.append(
            SlideBrief(
                index=scene.index,
                count=len(deck.scenes),
                language=language,
                deck_title=deck.title,
                title=scene.title,
                blocks=blocks,
                pictures=scene.content.pictures,
                notes=scene.script if scene.script_source == "notes" else "",
                previous_title=previous,
                next_title=titles[position + 1] if position + 1 < len(titles) else None,
                same_title_as_previous=bool(
                    scene.title and previous and _same(scene.title, previous)
                ),
                glossary=_terms_in(scene, glossary_terms),
            )
        )
    return briefs


def _terms_in(scene: Scene, terms: Sequence[str]) -> list[str]:
    """The glossary terms this slide uses (the prompt carries no others)."""
    pieces = [scene.title or "", scene.script]
    for block in scene.content.blocks:
        pieces += block.paragraphs + [cell for row in block.rows for cell in row]
    text = " ".join(pieces).casefold()
    return [term for term in dict.fromkeys(terms) if term.casefold() in text]


def _same(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return re.sub(r"[\W_]+", " ", text.casefold()).strip()

    return norm(a) == norm(b)
