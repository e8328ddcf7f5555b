"""Which voices exist and which one speaks: the registry over every voice provider.

``default_registry`` always has espeak-ng (offline); the cloud providers join when their modules
are installed (``estudio.speech.elevenlabs.ElevenLabsProvider``,
``estudio.speech.azure.AzureProvider``).
A cloud voice without its key is listed as unavailable, never hidden.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from pydantic import SecretStr

from estudio.errors import UnknownVoice
from estudio.observability import logger
from estudio.settings import Settings
from estudio.speech.base import VoiceInfo, VoiceProvider
from estudio.speech.espeak import EspeakProvider

__all__ = ["OFFLINE_PROVIDER", "VoiceRegistry", "default_registry", "language_matches"]

OFFLINE_PROVIDER = "espeak"


def language_matches(voice_language: str, wanted: str) -> int:
    """How well a voice's language fits: 2 exact, 1 same primary language, 0 not at all."""
    have, want = voice_language.casefold(), wanted.casefold()
    if have == want:
        return 2
    return 1 if have.split("-")[0] == want.split("-")[0] else 0


class VoiceRegistry:
    def __init__(self, providers: Sequence[VoiceProvider]) -> None:
        self.providers: dict[str, VoiceProvider] = {p.name: p for p in providers}

    def list_voices(self, language: str | None = None) -> list[VoiceInfo]:
        """Every voice of every provider (unavailable ones included), best language fit first."""
        voices = [v for p in self.providers.values() for v in p.voices()]
        if language is None:
            return voices
        scored = [(language_matches(v.language, language), i, v) for i, v in enumerate(voices)]
        return [v for score, _, v in sorted(scored, key=lambda t: (-t[0], t[1])) if score > 0]

    def resolve(self, voice_id: str | None, language: str) -> tuple[VoiceProvider, VoiceInfo]:
        """The provider and voice that will speak.

        ``None`` picks the offline default for ``language`` (exact locale first, then the same
        primary language). An unknown id, or a known voice that cannot speak now (no key), raises
        ``UnknownVoice``.
        """
        if voice_id is None:
            return self._default(language)
        provider_name, _, _ = voice_id.partition(":")
        provider = self.providers.get(provider_name)
        if provider is None:
            raise UnknownVoice(f"unknown voice provider in {voice_id!r}", voice=voice_id)
        for voice in provider.voices():
            if voice.id == voice_id:
                if not voice.available:
                    raise UnknownVoice(
                        f"voice {voice_id} is unavailable: {voice.reason or 'no reason given'}",
                        voice=voice_id,
                    )
                return provider, voice
        raise UnknownVoice(f"unknown voice {voice_id!r}", voice=voice_id)

    def _default(self, language: str) -> tuple[VoiceProvider, VoiceInfo]:
        provider = self.providers.get(OFFLINE_PROVIDER)
        if provider is None:
            raise UnknownVoice("no offline voice provider is registered", language=language)
        candidates = [v for v in provider.voices() if v.available]
        ranked = sorted(
            (v for v in candidates if language_matches(v.language, language)),
            key=lambda v: -language_matches(v.language, language),
        )
        if not ranked:
            raise UnknownVoice(f"no voice for language {language!r}", language=language)
        return provider, ranked[0]


def _optional_provider(module: str, cls: str, **kwargs: object) -> VoiceProvider | None:
    """Build a cloud provider when its module exists; its absence is not an error."""
    try:
        loaded = importlib.import_module(module)
    except ImportError:
        return None
    factory = getattr(loaded, cls, None)
    if factory is None:
        logger.warning("voice provider class missing", module=module, cls=cls)
        return None
    provider: VoiceProvider = factory(**kwargs)
    return provider


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def default_registry(settings: Settings) -> VoiceRegistry:
    """espeak-ng always; ElevenLabs and Azure when their modules are installed."""
    providers: list[VoiceProvider] = [EspeakProvider(timeout_s=settings.limits.stage_timeout_s)]
    eleven = _optional_provider(
        "estudio.speech.elevenlabs",
        "ElevenLabsProvider",
        api_key=_secret(settings.elevenlabs_api_key),
        base_url=settings.elevenlabs_base_url,
    )
    azure = _optional_provider(
        "estudio.speech.azure",
        "AzureProvider",
        key=_secret(settings.azure_speech_key),
        region=settings.azure_speech_region,
    )
    providers.extend(p for p in (eleven, azure) if p is not None)
    return VoiceRegistry(providers)
