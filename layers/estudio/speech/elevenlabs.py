"""ElevenLabs voices through the official SDK.

``convert_with_timestamps`` returns raw PCM (no decoder needed) plus per-character times; those
become word timings on the written script through ``SpeechText.spans``. The service sends no
visemes: they are derived from the spoken words (espeak phonemes when that aligner exists,
else spelling). The glossary is applied as alias substitution (phoneme tags only work for the
English models). The script's pauses go out as ``<break time="0.7s" />`` tags (at most 3 s each:
a longer pause is several), which the timings skip.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from elevenlabs.client import ElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.core.parse_error import ParsingError

from estudio.errors import (
    EstudioError,
    VoiceProviderAuthError,
    VoiceProviderError,
    VoiceProviderUnavailable,
)
from estudio.models import Speech, SpeechText, VisemeEvent
from estudio.observability import logger
from estudio.speech.alignment import (
    TextMap,
    TimedToken,
    apply_aliases,
    coarse_visemes,
    tokens_from_char_times,
    word_timings,
)
from estudio.speech.base import VoiceInfo
from estudio.speech.chunking import ELEVENLABS_MAX_CHARS, synthesize_in_chunks
from estudio.speech.cloud import RetryPolicy, Sleep, call_with_retry, synthesized, write_wav
from estudio.speech.glossary import Glossary

NAME = "elevenlabs"
NO_KEY = "no ELEVENLABS_API_KEY"
DEFAULT_OUTPUT_FORMAT = "pcm_22050"
# Models that pick the language from the text and reject ``language_code``.
_NO_LANGUAGE_CODE = ("eleven_multilingual_v2", "eleven_monolingual_v1", "eleven_multilingual_v1")

# Premade voices that speak Portuguese with the multilingual models (listed without a key).
KNOWN_VOICES: tuple[tuple[str, str, str], ...] = (
    ("EXAVITQu4vr4xnSDxMaL", "Sarah", "female"),
    ("9BWtsMINqrJLrRacOk9x", "Aria", "female"),
    ("FGY2WhTYpPnrIDTdsKH5", "Laura", "female"),
    ("XrExE9yKIg1WjnnlVkGX", "Matilda", "female"),
    ("JBFqnCBsd6RMkjVDRZzb", "George", "male"),
    ("CwhRBWXzGAHq8TQ4Fs17", "Roger", "male"),
    ("IKne3meq5aSn9XLyUdCD", "Charlie", "male"),
    ("nPczCjzI2devNBz1zQrb", "Brian", "male"),
)

MAX_BREAK_S = 3.0  # the longest break one tag may ask for

# (spoken word, language, start_s, end_s) -> visemes for that word.
VisemeDeriver = Callable[[str, str, float, float], list[VisemeEvent]]


def letter_viseme_deriver(
    word: str, language: str, start_s: float, end_s: float
) -> list[VisemeEvent]:
    """Visemes from spelling, spread over the word (the fallback deriver)."""
    return coarse_visemes([(word, start_s, end_s)], end_s)[1:-1]


def default_viseme_deriver() -> VisemeDeriver:
    """The espeak phoneme aligner when it is installed, else spelling."""
    try:
        espeak = importlib.import_module("estudio.speech.espeak")
    except ImportError:
        return letter_viseme_deriver
    derive = getattr(espeak, "phoneme_visemes", None)
    return derive if callable(derive) else letter_viseme_deriver


def with_break_tags(
    spoken: str, pauses: Sequence[tuple[int, float]]
) -> tuple[str, list[tuple[int, int]]]:
    """The text to send (break tags at the pauses) and where each tag sits in it."""
    parts: list[str] = []
    tags: list[tuple[int, int]] = []
    position, length = 0, 0
    for offset, seconds in sorted(pauses):
        offset = min(max(offset, position), len(spoken))
        parts.append(spoken[position:offset])
        length += offset - position
        position = offset
        left = seconds
        while left > 0.0005:
            step = min(left, MAX_BREAK_S)
            tag = f'<break time="{step:.2f}s" /> '
            parts.append(tag)
            tags.append((length, length + len(tag)))
            length += len(tag)
            left -= step
    parts.append(spoken[position:])
    return "".join(parts), tags


def without_tags(tokens: Sequence[TimedToken], tags: Sequence[tuple[int, int]]) -> list[TimedToken]:
    """Tokens of the sent text -> tokens of the spoken text (those inside a tag dropped)."""
    kept: list[TimedToken] = []
    for token in tokens:
        if any(a < token.end and token.start < b for a, b in tags):
            continue
        shift = sum(b - a for a, b in tags if b <= token.start)
        kept.append(TimedToken(token.start - shift, token.end - shift, token.start_s, token.end_s))
    return kept


def provider_voice_id(voice: VoiceInfo) -> str:
    """``elevenlabs:abc`` -> ``abc``."""
    prefix, _, rest = voice.id.partition(":")
    return rest if prefix == NAME and rest else voice.id


def iso639_1(language: str) -> str:
    return language.split("-")[0].lower()


def translate_error(error: Exception) -> EstudioError:
    """SDK / transport failures -> our errors (401/403 auth; 408/409/429/5xx and transport
    transient; anything else permanent)."""
    if isinstance(error, ApiError):
        status = error.status_code or 0
        if status in (401, 403):
            return VoiceProviderAuthError("ElevenLabs refused the API key", status=status)
        if status in (408, 409, 429) or status >= 500:
            return VoiceProviderUnavailable("ElevenLabs is unavailable", status=status)
        return VoiceProviderError("ElevenLabs rejected the request", status=status)
    if isinstance(error, httpx.TimeoutException | httpx.TransportError):
        return VoiceProviderUnavailable(f"ElevenLabs unreachable: {type(error).__name__}")
    return VoiceProviderError(f"ElevenLabs answered something unreadable: {type(error).__name__}")


class ElevenLabsProvider:
    name = NAME

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None = None,
        model_id: str = "eleven_multilingual_v2",
        *,
        output_format: str = DEFAULT_OUTPUT_FORMAT,
        glossary: Glossary | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        timeout_s: float = 120.0,
        max_chars: int = ELEVENLABS_MAX_CHARS,
        viseme_deriver: VisemeDeriver | None = None,
    ) -> None:
        if not output_format.startswith("pcm_"):
            raise ValueError("output_format must be a raw PCM format such as pcm_22050")
        self.api_key = api_key or None
        self.base_url = base_url
        self.model_id = model_id
        self.output_format = output_format
        self.sample_rate = int(output_format.removeprefix("pcm_"))
        self.glossary = glossary
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.timeout_s = timeout_s
        self.max_chars = max_chars
        self.viseme_deriver = viseme_deriver or default_viseme_deriver()
        self._client: ElevenLabs | None = None
        self._listed: list[VoiceInfo] | None = None  # a successful listing, kept for the run

    def with_glossary(self, glossary: Glossary | None) -> ElevenLabsProvider:
        """The same provider reading ``glossary`` (per tenant/project)."""
        clone = ElevenLabsProvider(
            self.api_key,
            self.base_url,
            self.model_id,
            output_format=self.output_format,
            glossary=glossary,
            retry=self.retry,
            sleep=self.sleep,
            timeout_s=self.timeout_s,
            max_chars=self.max_chars,
            viseme_deriver=self.viseme_deriver,
        )
        clone._client = self._client
        return clone

    @property
    def client(self) -> ElevenLabs:
        if self.api_key is None:
            raise VoiceProviderAuthError(NO_KEY)
        if self._client is None:
            self._client = ElevenLabs(
                api_key=self.api_key, base_url=self.base_url, timeout=self.timeout_s
            )
        return self._client

    @property
    def _request_options(self) -> Any:
        # Retries are ours (bounded, with jitter, transient only): switch the SDK's off.
        return {"max_retries": 0, "timeout_in_seconds": self.timeout_s}

    # --- voices ---------------------------------------------------------------------------------
    def voices(self) -> list[VoiceInfo]:
        if self.api_key is None:
            return self._known(available=False, reason=NO_KEY)
        if self._listed is not None:
            return list(self._listed)
        try:
            listed = self.client.voices.get_all(request_options=self._request_options)
        except (ApiError, ParsingError, httpx.HTTPError) as error:
            failure = translate_error(error)
            logger.warning("voice listing failed", provider=NAME, error=type(failure).__name__)
            return self._known(available=False, reason=f"listing failed: {failure.message}")
        self._listed = [self._info(voice) for voice in listed.voices]
        return list(self._listed)

    def _known(self, available: bool, reason: str | None) -> list[VoiceInfo]:
        return [
            VoiceInfo(
                id=f"{NAME}:{voice_id}",
                provider=NAME,
                name=f"{name} (multilingual)",
                language="pt-BR",
                gender=gender,
                available=available,
                reason=reason,
            )
            for voice_id, name, gender in KNOWN_VOICES
        ]

    @staticmethod
    def _info(voice: Any) -> VoiceInfo:
        labels: dict[str, str] = dict(voice.labels or {})
        locales = [v.locale or v.language for v in (voice.verified_languages or []) if v]
        portuguese = [loc for loc in locales if loc and loc.lower().startswith("pt")]
        language = (portuguese or locales or ["pt-BR"])[0]
        if language.lower() in ("pt", "pt-br", "pt_br"):
            language = "pt-BR"
        return VoiceInfo(
            id=f"{NAME}:{voice.voice_id}",
            provider=NAME,
            name=voice.name or voice.voice_id,
            language=language.replace("_", "-"),
            gender=labels.get("gender"),
        )

    # --- speech ---------------------------------------------------------------------------------
    def synthesize(self, text: SpeechText, voice: VoiceInfo, out_wav: Path) -> Speech:
        if self.api_key is None:
            raise VoiceProviderAuthError(NO_KEY)
        aliased = apply_aliases(text, self.glossary)
        speech = synthesize_in_chunks(
            lambda piece, path: self._synthesize_one(piece, voice, path),
            aliased,
            out_wav,
            self.max_chars,
        )
        # Offsets index the written text, which aliasing leaves alone; report the caller's text.
        return speech.model_copy(update={"spoken": aliased.spoken, "written": text.written})

    def _synthesize_one(self, text: SpeechText, voice: VoiceInfo, out_wav: Path) -> Speech:
        sent, tags = with_break_tags(text.spoken, text.pauses)
        response = call_with_retry(
            lambda: self._request(sent, voice), self.retry, sleep=self.sleep, what=NAME
        )
        try:
            pcm = base64.b64decode(response.audio_base_64, validate=True)
        except (binascii.Error, ValueError) as error:
            raise VoiceProviderError("ElevenLabs sent audio that is not base64") from error
        write_wav(out_wav, pcm, self.sample_rate)
        duration_s = len(pcm) / 2 / self.sample_rate
        alignment = response.alignment or response.normalized_alignment
        tokens: list[TimedToken] = []
        if alignment is None:
            logger.warning("no alignment in response", provider=NAME)
        else:
            tokens = tokens_from_char_times(
                sent,
                alignment.characters,
                alignment.character_start_times_seconds,
                alignment.character_end_times_seconds,
            )
            tokens = without_tags(tokens, tags)
        words = word_timings(TextMap.from_text(text), tokens)
        visemes = self._visemes(text.spoken, tokens, voice.language, duration_s)
        return synthesized(NAME, voice, text, duration_s, self.sample_rate, words, visemes)

    def _request(self, spoken: str, voice: VoiceInfo) -> Any:
        extra: dict[str, Any] = {}
        if not self.model_id.startswith(_NO_LANGUAGE_CODE):
            extra["language_code"] = iso639_1(voice.language)
        try:
            return self.client.text_to_speech.convert_with_timestamps(
                provider_voice_id(voice),
                text=spoken,
                model_id=self.model_id,
                output_format=self.output_format,
                request_options=self._request_options,
                **extra,
            )
        except (ApiError, ParsingError, httpx.HTTPError) as error:
            raise translate_error(error) from error

    def _visemes(
        self, spoken: str, tokens: Sequence[TimedToken], language: str, duration_s: float
    ) -> list[VisemeEvent]:
        events: list[VisemeEvent] = [VisemeEvent(time_s=0.0, viseme="sil")]
        previous_end = 0.0
        for token in tokens:
            if token.start_s - previous_end > 0.08 and events[-1].viseme != "sil":
                events.append(VisemeEvent(time_s=previous_end, viseme="sil"))
            for event in self.viseme_deriver(
                spoken[token.start : token.end], language, token.start_s, token.end_s
            ):
                if event.viseme == events[-1].viseme:
                    continue
                time_s = max(event.time_s, events[-1].time_s)
                if time_s == events[-1].time_s:
                    events[-1] = VisemeEvent(time_s=time_s, viseme=event.viseme)
                else:
                    events.append(VisemeEvent(time_s=time_s, viseme=event.viseme))
            previous_end = max(previous_end, token.end_s)
        if events[-1].viseme != "sil":
            events.append(VisemeEvent(time_s=min(previous_end, duration_s), viseme="sil"))
        return events
