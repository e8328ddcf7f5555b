"""``speak``: normalise the script, pick the voice, synthesize. The one call the speech stage makes
(the voice fallback chain and the cache wrap it)."""

from __future__ import annotations

from pathlib import Path

from estudio.models import Speech
from estudio.speech.glossary import Glossary
from estudio.speech.registry import VoiceRegistry
from estudio.speech.text import to_spoken

__all__ = ["speak"]


def speak(
    text: str,
    voice_id: str | None,
    language: str,
    out_wav: Path,
    registry: VoiceRegistry,
    glossary: Glossary | None = None,
) -> Speech:
    """Speak ``text`` (the written script) into ``out_wav``; timings index ``text``."""
    provider, voice = registry.resolve(voice_id, language)
    speech_text = to_spoken(text, language, glossary)
    return provider.synthesize(speech_text, voice, out_wav)
