"""The voice port. Every provider (espeak-ng offline, ElevenLabs, Azure) implements it.

Voice ids are ``"<provider>:<voice>"``: ``espeak:pt-br``, ``azure:pt-BR-FranciscaNeural``,
``elevenlabs:<voice_id>``. A provider writes mono 16-bit PCM WAV and returns timings relative to
the start of that audio; word offsets index ``SpeechText.written`` (the caption text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from estudio.models import Speech, SpeechText


class VoiceInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str  # "<provider>:<voice>"
    provider: str
    name: str
    language: str  # BCP-47: "pt-BR", "en-US", "es-ES"
    gender: str | None = None
    available: bool = True
    reason: str | None = None  # why unavailable ("no ELEVENLABS_API_KEY")


class VoiceProvider(Protocol):
    name: str

    def voices(self) -> list[VoiceInfo]:
        """Never raises for a missing key: lists the voices as unavailable with a reason."""
        ...

    def synthesize(self, text: SpeechText, voice: VoiceInfo, out_wav: Path) -> Speech:
        """Speak ``text.spoken``; map word timings back onto ``text.written`` via ``text.spans``.

        Raises ``VoiceProviderUnavailable`` (transient: 429/5xx/timeouts),
        ``VoiceProviderAuthError``
        (401/403), ``VoiceProviderError`` (anything else).
        """
        ...
