"""The voice fallback chain: ``elevenlabs:X -> azure:pt-BR-FranciscaNeural -> espeak:pt-br``.

Each voice is tried in order. A transient failure (``VoiceProviderUnavailable``) is retried with
backoff, then the chain moves on; an auth failure moves on at once; any other voice failure moves
on too (the next provider may well manage). The returned ``Speech.voice`` names the voice that
spoke. When every voice fails, the last error is raised.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from estudio.errors import (
    EstudioError,
    UnknownVoice,
    VoiceProviderAuthError,
    VoiceProviderError,
    VoiceProviderUnavailable,
)
from estudio.models import Speech, SpeechText
from estudio.observability import logger
from estudio.speech.base import VoiceInfo, VoiceProvider
from estudio.speech.cache import SpeechCache
from estudio.speech.cloud import RetryPolicy, Sleep, call_with_retry

DEFAULT_CHAIN_RETRY = RetryPolicy(attempts=2, base_delay_s=1.0, max_delay_s=8.0)
_FALLBACK_ERRORS = (VoiceProviderUnavailable, VoiceProviderAuthError, VoiceProviderError)


def split_voice_id(voice_id: str) -> tuple[str, str]:
    provider, _, voice = voice_id.partition(":")
    if not provider or not voice:
        raise UnknownVoice(f"voice id must be '<provider>:<voice>': {voice_id!r}")
    return provider, voice


class VoiceChain:
    def __init__(
        self,
        voice_ids: Sequence[str],
        providers: Mapping[str, VoiceProvider],
        *,
        retry: RetryPolicy = DEFAULT_CHAIN_RETRY,
        sleep: Sleep = time.sleep,
        cache: SpeechCache | None = None,
        cache_settings: Mapping[str, Any] | None = None,
    ) -> None:
        if not voice_ids:
            raise UnknownVoice("the voice chain is empty")
        for voice_id in voice_ids:
            provider, _voice = split_voice_id(voice_id)
            if provider not in providers:
                raise UnknownVoice(f"no provider for voice {voice_id!r}")
        self.voice_ids = list(voice_ids)
        self.providers = dict(providers)
        self.retry = retry
        self.sleep = sleep
        self.cache = cache
        self.cache_settings = cache_settings

    def voice_info(self, voice_id: str, language: str) -> VoiceInfo:
        provider, voice = split_voice_id(voice_id)
        return VoiceInfo(id=voice_id, provider=provider, name=voice, language=language)

    def synthesize(self, text: SpeechText, out_wav: Path, language: str) -> Speech:
        last_error: EstudioError | None = None
        for position, voice_id in enumerate(self.voice_ids):
            provider = self.providers[split_voice_id(voice_id)[0]]
            voice = self.voice_info(voice_id, language)
            try:
                speech = call_with_retry(
                    lambda p=provider, v=voice: self._speak(p, v, text, out_wav),  # type: ignore[misc]
                    self.retry,
                    sleep=self.sleep,
                    what=f"voice {voice_id}",
                )
            except _FALLBACK_ERRORS as error:
                last_error = error
                logger.warning(
                    "voice failed, falling back",
                    voice=voice_id,
                    error=type(error).__name__,
                    remaining=len(self.voice_ids) - position - 1,
                )
                continue
            if position:
                logger.info("fallback voice used", voice=voice_id, wanted=self.voice_ids[0])
            return speech.model_copy(update={"voice": voice_id})
        assert last_error is not None  # the chain is never empty
        raise last_error

    def _speak(
        self, provider: VoiceProvider, voice: VoiceInfo, text: SpeechText, out_wav: Path
    ) -> Speech:
        if self.cache is None:
            return provider.synthesize(text, voice, out_wav)
        return self.cache.get_or_synthesize(
            provider, voice, text, out_wav, settings=self.cache_settings
        )
