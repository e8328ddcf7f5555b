"""The *parse* stage: hostile-input checks (``safety``), ``.pptx`` → ``Deck`` (``parse``), a
language guess (``language``) and the decks the project generates itself (``samples``)."""

from estudio.deck.language import detect_language
from estudio.deck.parse import parse_deck
from estudio.deck.safety import inspect_package

__all__ = ["detect_language", "inspect_package", "parse_deck"]
