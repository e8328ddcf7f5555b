"""``speak``: normalise the script, pick the voices, synthesize.

The one call the speech stage makes.

The voices tried are the one asked for (or the configured chain), then the offline voice for the
language as the always-available fallback. ``Speech.voice`` says which voice actually spoke. With a
cache, an unchanged scene is never sent to a provider twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from estudio.errors import UnknownVoice
from estudio.models import Speech
from estudio.speech.cache import SpeechCache
from estudio.speech.chain import VoiceChain
from estudio.speech.glossary import Glossary
from estudio.speech.registry import VoiceRegistry
from estudio.speech.text import to_spoken

__all__ = ["speak", "voice_chain_for"]


def voice_chain_for(
    voice_id: str | None, language: str, registry: VoiceRegistry, configured: Sequence[str] = ()
) -> list[str]:
    """The voices to try, in order. An explicit voice must exist and be usable (else
    ``UnknownVoice``); configured chain entries that cannot speak now (no key) are skipped."""
    wanted: list[str] = []
    if voice_id is not None:
        registry.resolve(voice_id, language)
        wanted.append(voice_id)
    else:
        for candidate in configured:
            try:
                registry.resolve(candidate, language)
            except UnknownVoice:  # a configured voice that cannot speak now is skipped
                continue
            wanted.append(candidate)
    try:
        _, offline = registry.resolve(None, language)
    except UnknownVoice:
        if not wanted:
            raise
        return wanted  # no offline voice for this language: the chosen voices only
    if offline.id not in wanted:
        wanted.append(offline.id)
    return wanted


def speak(
    text: str,
    voice_id: str | None,
    language: str,
    out_wav: Path,
    registry: VoiceRegistry,
    glossary: Glossary | None = None,
    chain: Sequence[str] = (),
    cache: SpeechCache | None = None,
) -> Speech:
    """Speak ``text`` (the written script) into ``out_wav``; timings index ``text``."""
    voices = voice_chain_for(voice_id, language, registry, chain)
    speech_text = to_spoken(text, language, glossary)
    cache_settings = {"glossary": glossary.version if glossary else ""}
    return VoiceChain(
        voices, registry.providers, cache=cache, cache_settings=cache_settings
    ).synthesize(speech_text, out_wav, language)
