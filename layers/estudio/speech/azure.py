"""Azure neural voices through the official Speech SDK.

The request is SSML (``<speak><voice>``, ``<lang>`` when the voice's own locale differs); the
glossary becomes ``<phoneme alphabet="ipa">`` (entries with IPA) or ``<sub alias>``, and the
script's pauses ``<break time="700ms"/>``. Word
boundary events carry ``text_offset``/``word_length`` into the SSML string: ``SsmlDocument``
remembers which spoken characters each SSML character came from, so they map back to the
written script. Viseme events (ids 0-21) map through ``AZURE_VISEMES``.

``AzureEvents`` is the pure part: it takes the SDK's event objects (or anything with the same
attributes), so it is tested by feeding event sequences.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape, quoteattr

from estudio.errors import (
    EstudioError,
    VoiceProviderAuthError,
    VoiceProviderError,
    VoiceProviderUnavailable,
)
from estudio.models import Speech, SpeechText, VisemeEvent, WordTiming
from estudio.observability import logger
from estudio.speech.alignment import TextMap, TimedToken, find_terms, word_timings
from estudio.speech.base import VoiceInfo
from estudio.speech.chunking import AZURE_MAX_CHARS, synthesize_in_chunks
from estudio.speech.cloud import (
    RetryPolicy,
    Sleep,
    call_with_retry,
    read_wav,
    synthesized,
    write_wav,
)
from estudio.speech.glossary import Glossary
from estudio.speech.visemes import AZURE_VISEMES, SILENCE

NAME = "azure"
NO_KEY = "no AZURE_SPEECH_KEY"
NO_REGION = "no AZURE_SPEECH_REGION"
OUTPUT_FORMAT = "Riff24Khz16BitMonoPcm"
TICKS_PER_SECOND = 10_000_000

# pt-BR neural voices (listed when the service cannot be asked), then a few for other languages.
KNOWN_VOICES: tuple[tuple[str, str], ...] = (
    ("pt-BR-FranciscaNeural", "female"),
    ("pt-BR-AntonioNeural", "male"),
    ("pt-BR-ThalitaNeural", "female"),
    ("pt-BR-BrendaNeural", "female"),
    ("pt-BR-DonatoNeural", "male"),
    ("pt-BR-ElzaNeural", "female"),
    ("pt-BR-FabioNeural", "male"),
    ("pt-BR-GiovannaNeural", "female"),
    ("pt-BR-HumbertoNeural", "male"),
    ("pt-BR-JulioNeural", "male"),
    ("pt-BR-LeilaNeural", "female"),
    ("pt-BR-LeticiaNeural", "female"),
    ("pt-BR-ManuelaNeural", "female"),
    ("pt-BR-NicolauNeural", "male"),
    ("pt-BR-ValerioNeural", "male"),
    ("pt-BR-YaraNeural", "female"),
    ("pt-PT-RaquelNeural", "female"),
    ("pt-PT-DuarteNeural", "male"),
    ("en-US-JennyNeural", "female"),
    ("en-US-GuyNeural", "male"),
    ("es-ES-ElviraNeural", "female"),
    ("es-ES-AlvaroNeural", "male"),
)

# CancellationErrorCode names -> our errors.
_AUTH_CODES = frozenset({"AuthenticationFailure", "Forbidden"})
_TRANSIENT_CODES = frozenset(
    {"TooManyRequests", "ConnectionFailure", "ServiceTimeout", "ServiceError", "ServiceUnavailable"}
)


def voice_name(voice: VoiceInfo) -> str:
    """``azure:pt-BR-FranciscaNeural`` -> ``pt-BR-FranciscaNeural``."""
    prefix, _, rest = voice.id.partition(":")
    return rest if prefix == NAME and rest else voice.id


def voice_locale(name: str) -> str:
    """``pt-BR-FranciscaNeural`` -> ``pt-BR``."""
    parts = name.split("-")
    return "-".join(parts[:2]) if len(parts) >= 3 else ""


def error_for_cancellation(code: object, details: str = "") -> EstudioError:
    """A Canceled result's ``CancellationErrorCode`` (enum or its name) -> our error class."""
    name = getattr(code, "name", str(code)).rsplit(".", 1)[-1]
    if name in _AUTH_CODES:
        return VoiceProviderAuthError("Azure Speech refused the key", code=name)
    if name in _TRANSIENT_CODES:
        return VoiceProviderUnavailable("Azure Speech is unavailable", code=name)
    return VoiceProviderError("Azure Speech failed", code=name, details=details[:300])


# --- SSML ----------------------------------------------------------------------------------------
@dataclass
class SsmlDocument:
    """SSML text plus, per SSML character, the spoken range it came from (None for markup)."""

    text: str = ""
    sources: list[tuple[int, int] | None] = field(default_factory=list)

    def markup(self, piece: str) -> None:
        self.text += piece
        self.sources.extend([None] * len(piece))

    def verbatim(self, spoken: str, start: int) -> None:
        for offset, char in enumerate(spoken):
            escaped = escape(char, {'"': "&quot;", "'": "&apos;"})
            self.text += escaped
            self.sources.extend([(start + offset, start + offset + 1)] * len(escaped))

    def term(self, piece: str, start: int, end: int) -> None:
        self.text += piece
        self.sources.extend([(start, end)] * len(piece))

    def spoken_range(self, offset: int, length: int) -> tuple[int, int] | None:
        ranges = [r for r in self.sources[max(0, offset) : offset + max(length, 1)] if r]
        if offset < 0 or not ranges:
            return None
        return min(r[0] for r in ranges), max(r[1] for r in ranges)


MAX_BREAK_MS = 5000  # one <break> at most this long; a longer pause is several


def _breaks(doc: SsmlDocument, seconds: float) -> None:
    left = round(seconds * 1000)
    while left > 0:
        step = min(left, MAX_BREAK_MS)
        doc.markup(f'<break time="{step}ms"/>')
        left -= step


def _verbatim(
    doc: SsmlDocument, spoken: str, start: int, end: int, pauses: Sequence[tuple[int, float]]
) -> None:
    """``spoken[start:end]`` as text, with a break at each pause that falls inside it."""
    position = start
    for offset, seconds in pauses:
        if start <= offset < end or (offset == end == len(spoken)):
            doc.verbatim(spoken[position:offset], position)
            _breaks(doc, seconds)
            position = offset
    doc.verbatim(spoken[position:end], position)


def build_ssml(
    spoken: str,
    voice: str,
    language: str,
    glossary: Glossary | None = None,
    pauses: Sequence[tuple[int, float]] = (),
) -> SsmlDocument:
    doc = SsmlDocument()
    doc.markup(
        '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" '
        'xmlns:mstts="https://www.w3.org/2001/mstts" '
        f"xml:lang={quoteattr(language)}><voice name={quoteattr(voice)}>"
    )
    own_locale = voice_locale(voice)
    switch = bool(own_locale) and own_locale.lower() != language.lower()
    if switch:
        doc.markup(f"<lang xml:lang={quoteattr(language)}>")
    position = 0
    ordered = sorted(pauses)
    for match in find_terms(spoken, glossary):
        _verbatim(doc, spoken, position, match.start, ordered)
        term = escape(spoken[match.start : match.end])
        if match.entry.ipa:
            element = f'<phoneme alphabet="ipa" ph={quoteattr(match.entry.ipa)}>{term}</phoneme>'
        else:
            element = f"<sub alias={quoteattr(match.entry.spoken)}>{term}</sub>"
        doc.term(element, match.start, match.end)
        for offset, seconds in ordered:  # a pause inside a term (never, normally): after it
            if match.start < offset < match.end:
                _breaks(doc, seconds)
        position = match.end
    _verbatim(doc, spoken, position, len(spoken), ordered)
    if switch:
        doc.markup("</lang>")
    doc.markup("</voice></speak>")
    return doc


# --- events --------------------------------------------------------------------------------------
class WordBoundaryEvent(Protocol):
    """The attributes of ``SpeechSynthesisWordBoundaryEventArgs`` we read."""

    @property
    def audio_offset(self) -> int: ...
    @property
    def duration(self) -> timedelta | int: ...
    @property
    def text_offset(self) -> int: ...
    @property
    def word_length(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def boundary_type(self) -> object: ...


class VisemeReceivedEvent(Protocol):
    """The attributes of ``SpeechSynthesisVisemeEventArgs`` we read."""

    @property
    def audio_offset(self) -> int: ...
    @property
    def viseme_id(self) -> int: ...


def _seconds(value: timedelta | int | float) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value) / TICKS_PER_SECOND


@dataclass(frozen=True)
class _Boundary:
    start_s: float
    duration_s: float
    text_offset: int
    length: int
    text: str


class AzureEvents:
    """Collects one synthesis' events; turns them into word timings and visemes."""

    def __init__(self) -> None:
        self.boundaries: list[_Boundary] = []
        self.visemes: list[tuple[float, int]] = []

    def on_word_boundary(self, event: WordBoundaryEvent) -> None:
        kind = getattr(event.boundary_type, "name", str(event.boundary_type)).rsplit(".", 1)[-1]
        if kind != "Word":
            return  # punctuation and sentence boundaries carry no word
        self.boundaries.append(
            _Boundary(
                start_s=_seconds(event.audio_offset),
                duration_s=_seconds(event.duration),
                text_offset=int(event.text_offset),
                length=int(event.word_length),
                text=str(event.text),
            )
        )

    def on_viseme(self, event: VisemeReceivedEvent) -> None:
        self.visemes.append((_seconds(event.audio_offset), int(event.viseme_id)))

    def tokens(self, doc: SsmlDocument, spoken: str) -> list[TimedToken]:
        """Word boundaries -> timed ranges of the spoken text.

        ``text_offset`` indexes the SSML; when it does not point at the reported word, the word
        is looked up in the spoken text after the previous one.
        """
        tokens: list[TimedToken] = []
        cursor = 0
        for number, boundary in enumerate(self.boundaries):
            found = self._locate(boundary, doc, spoken, cursor)
            if found is None:
                continue
            start, end = found
            end_s = boundary.start_s + boundary.duration_s
            if boundary.duration_s <= 0 and number + 1 < len(self.boundaries):
                end_s = self.boundaries[number + 1].start_s
            tokens.append(TimedToken(start, end, boundary.start_s, max(end_s, boundary.start_s)))
            cursor = max(cursor, end)
        return tokens

    @staticmethod
    def _locate(
        boundary: _Boundary, doc: SsmlDocument, spoken: str, cursor: int
    ) -> tuple[int, int] | None:
        reported = doc.text[boundary.text_offset : boundary.text_offset + boundary.length]
        if boundary.text_offset >= 0 and (
            not boundary.text or reported.casefold() == boundary.text.casefold()
        ):
            mapped = doc.spoken_range(boundary.text_offset, boundary.length)
            if mapped is not None:
                return mapped
        if not boundary.text:
            return None
        at = spoken.casefold().find(boundary.text.casefold(), cursor)
        if at < 0:
            return None
        return at, at + len(boundary.text)

    def viseme_events(self, duration_s: float) -> list[VisemeEvent]:
        events: list[VisemeEvent] = []
        for time_s, viseme_id in sorted(self.visemes):
            shape = AZURE_VISEMES.get(viseme_id, SILENCE)
            if events and events[-1].viseme == shape:
                continue
            if events and events[-1].time_s == time_s:
                events[-1] = VisemeEvent(time_s=time_s, viseme=shape)
                continue
            events.append(VisemeEvent(time_s=min(time_s, duration_s), viseme=shape))
        if not events or events[0].time_s > 0:
            events.insert(0, VisemeEvent(time_s=0.0, viseme=SILENCE))
        return events

    def words(self, doc: SsmlDocument, text: SpeechText) -> list[WordTiming]:
        return word_timings(TextMap.from_text(text), self.tokens(doc, text.spoken))


def _gender(value: object) -> str | None:
    name = str(getattr(value, "name", "")).lower()
    return name if name in ("female", "male", "neutral") else None


# --- provider ------------------------------------------------------------------------------------
class AzureProvider:
    name = NAME

    def __init__(
        self,
        key: str | None,
        region: str | None,
        *,
        endpoint: str | None = None,
        glossary: Glossary | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        max_chars: int = AZURE_MAX_CHARS,
    ) -> None:
        self.key = key or None
        self.region = region or None
        self.endpoint = endpoint  # a custom websocket endpoint instead of the region's
        self.glossary = glossary
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.max_chars = max_chars
        self._listed: list[VoiceInfo] | None = None  # a successful listing, kept for the run

    def with_glossary(self, glossary: Glossary | None) -> AzureProvider:
        return AzureProvider(
            self.key,
            self.region,
            endpoint=self.endpoint,
            glossary=glossary,
            retry=self.retry,
            sleep=self.sleep,
            max_chars=self.max_chars,
        )

    def _missing(self) -> str | None:
        if self.key is None:
            return NO_KEY
        if self.region is None and self.endpoint is None:
            return NO_REGION
        return None

    def _config(self) -> Any:
        import azure.cognitiveservices.speech as speechsdk

        if self.endpoint:
            config = speechsdk.SpeechConfig(subscription=self.key, endpoint=self.endpoint)
        else:
            config = speechsdk.SpeechConfig(subscription=self.key, region=self.region)
        config.set_speech_synthesis_output_format(
            getattr(speechsdk.SpeechSynthesisOutputFormat, OUTPUT_FORMAT)
        )
        return config

    # --- voices ---------------------------------------------------------------------------------
    def voices(self) -> list[VoiceInfo]:
        missing = self._missing()
        if missing:
            return self._known(available=False, reason=missing)
        if self._listed is not None:
            return list(self._listed)
        import azure.cognitiveservices.speech as speechsdk

        synthesizer = speechsdk.SpeechSynthesizer(speech_config=self._config(), audio_config=None)
        result = synthesizer.get_voices_async("").get()
        if result.reason != speechsdk.ResultReason.VoicesListRetrieved:
            logger.warning("voice listing failed", provider=NAME)
            return self._known(available=False, reason="listing failed")
        self._listed = [
            VoiceInfo(
                id=f"{NAME}:{voice.short_name}",
                provider=NAME,
                name=voice.local_name or voice.short_name,
                language=voice.locale,
                gender=_gender(voice.gender),
            )
            for voice in result.voices
        ]
        return list(self._listed)

    def _known(self, available: bool, reason: str | None) -> list[VoiceInfo]:
        return [
            VoiceInfo(
                id=f"{NAME}:{name}",
                provider=NAME,
                name=name.split("-")[-1].removesuffix("Neural"),
                language=voice_locale(name),
                gender=gender,
                available=available,
                reason=reason,
            )
            for name, gender in KNOWN_VOICES
        ]

    # --- speech ---------------------------------------------------------------------------------
    def synthesize(self, text: SpeechText, voice: VoiceInfo, out_wav: Path) -> Speech:
        missing = self._missing()
        if missing:
            raise VoiceProviderAuthError(missing)
        return synthesize_in_chunks(
            lambda piece, path: call_with_retry(
                lambda: self._synthesize_one(piece, voice, path),
                self.retry,
                sleep=self.sleep,
                what=NAME,
            ),
            text,
            out_wav,
            self.max_chars,
        )

    def _synthesize_one(self, text: SpeechText, voice: VoiceInfo, out_wav: Path) -> Speech:
        import azure.cognitiveservices.speech as speechsdk

        name = voice_name(voice)
        doc = build_ssml(text.spoken, name, voice.language, self.glossary, text.pauses)
        events = AzureEvents()
        synthesizer = speechsdk.SpeechSynthesizer(speech_config=self._config(), audio_config=None)
        synthesizer.synthesis_word_boundary.connect(events.on_word_boundary)
        synthesizer.viseme_received.connect(events.on_viseme)
        result = synthesizer.speak_ssml_async(doc.text).get()
        if result.reason == speechsdk.ResultReason.Canceled:
            details = result.cancellation_details
            raise error_for_cancellation(details.error_code, details.error_details or "")
        if result.reason != speechsdk.ResultReason.SynthesizingAudioCompleted:
            raise VoiceProviderError("Azure Speech ended unexpectedly", reason=str(result.reason))
        samples, rate = read_wav(bytes(result.audio_data))
        write_wav(out_wav, samples, rate)
        duration_s = len(samples) / rate
        return synthesized(
            NAME,
            voice,
            text,
            duration_s,
            rate,
            events.words(doc, text),
            events.viseme_events(duration_s),
        )
