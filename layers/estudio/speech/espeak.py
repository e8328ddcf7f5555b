"""The offline voice: espeak-ng, driven in a child process (``estudio.speech.espeak_worker``).

Word events come back as 1-based *character* positions in the spoken text; they are mapped to
spans of ``SpeechText`` and from there to the written script. A written word runs from its
event's span to the next event's span, so a hyphenated word that espeak reports with a short
length ("bem-vindos") still gets its whole text. Phoneme events (IPA) become visemes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from estudio.errors import StageTimeout, UnknownVoice, VoiceProviderError
from estudio.models import Speech, SpeechText, VisemeEvent, WordTiming
from estudio.observability import logger
from estudio.sandbox import bounded
from estudio.speech.base import VoiceInfo
from estudio.speech.spans import span_at
from estudio.speech.visemes import SILENCE, espeak_viseme

__all__ = [
    "ESPEAK_VOICES",
    "EspeakProvider",
    "PhonemeEvent",
    "WordEvent",
    "visemes_from_events",
    "words_from_events",
]

ESPEAK_SAMPLE_RATE = 22050

# (espeak voice name, BCP-47 language, display name)
ESPEAK_VOICES: tuple[tuple[str, str, str], ...] = (
    ("pt-br", "pt-BR", "Português (Brasil) — espeak-ng"),
    ("pt", "pt-PT", "Português (Portugal) — espeak-ng"),
    ("en-us", "en-US", "English (US) — espeak-ng"),
    ("en", "en-GB", "English (UK) — espeak-ng"),
    ("es", "es-ES", "Español (España) — espeak-ng"),
    ("es-419", "es-419", "Español (Latinoamérica) — espeak-ng"),
    ("fr", "fr-FR", "Français — espeak-ng"),
    ("de", "de-DE", "Deutsch — espeak-ng"),
    ("it", "it-IT", "Italiano — espeak-ng"),
    ("nl", "nl-NL", "Nederlands — espeak-ng"),
    ("pl", "pl-PL", "Polski — espeak-ng"),
    ("ru", "ru-RU", "Русский — espeak-ng"),
    ("uk", "uk-UA", "Українська — espeak-ng"),
    ("el", "el-GR", "Ελληνικά — espeak-ng"),
    ("he", "he-IL", "עברית — espeak-ng"),
    ("ar", "ar", "العربية — espeak-ng"),
    ("tr", "tr-TR", "Türkçe — espeak-ng"),
    ("hi", "hi-IN", "हिन्दी — espeak-ng"),
    ("cmn", "zh-CN", "中文 (普通话) — espeak-ng"),
    ("ja", "ja-JP", "日本語 — espeak-ng"),
    ("ko", "ko-KR", "한국어 — espeak-ng"),
    ("th", "th-TH", "ไทย — espeak-ng"),
)


@dataclass(frozen=True)
class WordEvent:
    position: int  # espeak's 1-based character position in the spoken text
    sample: int


@dataclass(frozen=True)
class PhonemeEvent:
    sample: int
    ipa: str  # "" for a pause


def words_from_events(
    text: SpeechText,
    events: Sequence[WordEvent],
    pauses: Sequence[int],
    sample_rate: int,
    total_samples: int,
) -> list[WordTiming]:
    """Word events -> timed words of the written script.

    Events that fall in one span (a number read as several words, a spelled acronym) make one
    written word. A word ends where the voice pauses after it (``pauses``: samples where a pause
    phoneme starts) or where the next word starts, whichever comes first.
    """
    if not events or not text.spans:
        return []
    groups: list[tuple[int, int]] = []  # (first span index, start sample)
    last_span = -1
    for event in sorted(events, key=lambda e: (e.sample, e.position)):
        index = span_at(text.spans, max(event.position - 1, 0))
        if index <= last_span:
            continue  # another spoken word of the same written word
        groups.append((index, event.sample))
        last_span = index
    pause_list = sorted(pauses)
    words: list[WordTiming] = []
    for k, (first, start) in enumerate(groups):
        next_first, next_start = (
            groups[k + 1] if k + 1 < len(groups) else (len(text.spans), total_samples)
        )
        ws, we = text.spans[first][0], text.spans[first][1]
        for span in text.spans[first + 1 : next_first]:
            if text.spoken[span[2] : span[3]].strip():
                we = span[1]
        while ws < we and text.written[ws].isspace():
            ws += 1
        while we > ws and text.written[we - 1].isspace():
            we -= 1
        if we <= ws:
            continue
        end = next_start
        for pause in pause_list:
            if start < pause <= next_start:
                end = pause
                break
        words.append(
            WordTiming(
                text=text.written[ws:we],
                start_s=start / sample_rate,
                end_s=max(end, start) / sample_rate,
                char_start=ws,
                char_end=we,
            )
        )
    return words


def visemes_from_events(
    phonemes: Sequence[PhonemeEvent], sample_rate: int, duration_s: float
) -> list[VisemeEvent]:
    """Phoneme events -> visemes: ``sil`` first, one event per change, ``sil`` at the end."""
    events = [VisemeEvent(time_s=0.0, viseme=SILENCE)]
    for phoneme in sorted(phonemes, key=lambda p: p.sample):
        shape = espeak_viseme(phoneme.ipa)
        time_s = min(phoneme.sample / sample_rate, duration_s)
        if shape == events[-1].viseme:
            continue
        if time_s <= events[-1].time_s and len(events) > 1:
            events[-1] = VisemeEvent(time_s=events[-1].time_s, viseme=shape)
            if len(events) > 1 and events[-2].viseme == shape:
                events.pop()
            continue
        events.append(VisemeEvent(time_s=max(time_s, events[-1].time_s), viseme=shape))
    if events[-1].viseme != SILENCE or len(events) == 1:
        events.append(VisemeEvent(time_s=duration_s, viseme=SILENCE))
    elif events[-1].time_s > duration_s:  # pragma: no cover - clamped above
        events[-1] = VisemeEvent(time_s=duration_s, viseme=SILENCE)
    return events


def _write_silence(out_wav: Path, sample_rate: int) -> None:
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".espeak-", suffix=".wav", dir=out_wav.parent)
    try:
        with os.fdopen(fd, "wb") as raw, wave.open(raw, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
        os.replace(temp, out_wav)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class EspeakProvider:
    """espeak-ng voices, offline. Always available: the library and its data ship in a wheel."""

    name = "espeak"

    def __init__(
        self,
        rate_wpm: int = 165,
        timeout_s: float = 120.0,
        python: str | None = None,
        library: str | None = None,
        data: str | None = None,
    ) -> None:
        self.rate_wpm = rate_wpm
        self.timeout_s = timeout_s
        self.python = python or sys.executable
        self.library = library
        self.data = data

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo(id=f"espeak:{name}", provider=self.name, name=display, language=language)
            for name, language, display in ESPEAK_VOICES
        ]

    def synthesize(self, text: SpeechText, voice: VoiceInfo, out_wav: Path) -> Speech:
        provider, _, name = voice.id.partition(":")
        if provider != self.name or name not in {v[0] for v in ESPEAK_VOICES}:
            raise UnknownVoice(f"not an espeak voice: {voice.id}", voice=voice.id)
        started = time.perf_counter()
        if not text.spoken.strip():
            _write_silence(out_wav, ESPEAK_SAMPLE_RATE)
            return Speech(
                voice=voice.id,
                language=voice.language,
                written=text.written,
                spoken=text.spoken,
                duration_s=0.0,
                sample_rate=ESPEAK_SAMPLE_RATE,
                visemes=[VisemeEvent(time_s=0.0, viseme=SILENCE)],
            )
        request = {
            "text": text.spoken,
            "voice": name,
            "out_wav": str(out_wav),
            "rate_wpm": self.rate_wpm,
            "library": self.library,
            "data": self.data,
            "pauses": [[offset, seconds] for offset, seconds in text.pauses],
        }
        stdout = self._run_worker(json.dumps(request, ensure_ascii=False))
        words, phonemes, pauses, sample_rate, samples = self._parse(stdout)
        duration_s = samples / sample_rate
        speech = Speech(
            voice=voice.id,
            language=voice.language,
            written=text.written,
            spoken=text.spoken,
            duration_s=duration_s,
            sample_rate=sample_rate,
            words=words_from_events(text, words, pauses, sample_rate, samples),
            visemes=visemes_from_events(phonemes, sample_rate, duration_s),
        )
        elapsed = time.perf_counter() - started
        logger.info(
            "tts synthesized",
            provider=self.name,
            voice=voice.id,
            chars=len(text.spoken),
            duration_s=round(duration_s, 3),
            seconds=round(elapsed, 3),
        )
        return speech

    def _run_worker(self, request: str) -> str:
        argv = [self.python, "-m", "estudio.speech.espeak_worker"]
        try:
            done = subprocess.run(
                bounded(argv),
                input=request.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired as e:
            raise StageTimeout(
                f"espeak-ng did not finish in {self.timeout_s:g} s", timeout_s=self.timeout_s
            ) from e
        except OSError as e:
            raise VoiceProviderError(f"cannot start the espeak worker: {e}") from e
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise VoiceProviderError(
                f"espeak worker failed (exit {done.returncode}): {reason[0][:300]}",
                exit_code=done.returncode,
            )
        return done.stdout.decode("utf-8")

    @staticmethod
    def _parse(
        stdout: str,
    ) -> tuple[list[WordEvent], list[PhonemeEvent], list[int], int, int]:
        words: list[WordEvent] = []
        phonemes: list[PhonemeEvent] = []
        sample_rate, samples = 0, -1
        for line in stdout.splitlines():
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError as e:
                raise VoiceProviderError("espeak worker wrote an unreadable event") from e
            kind = event.get("type")
            if kind == "word":
                words.append(WordEvent(position=int(event["pos"]), sample=int(event["sample"])))
            elif kind == "phoneme":
                phonemes.append(PhonemeEvent(sample=int(event["sample"]), ipa=str(event["ipa"])))
            elif kind == "done":
                sample_rate, samples = int(event["sample_rate"]), int(event["samples"])
        if sample_rate <= 0 or samples < 0:
            raise VoiceProviderError("espeak worker ended without audio")
        pauses = [p.sample for p in phonemes if espeak_viseme(p.ipa) == SILENCE]
        return words, phonemes, pauses, sample_rate, samples
