"""Fallback chain, speech cache and chunk stitching with providers that really write WAVs (test
doubles of the voice port) plus the real SDK against the local ElevenLabs server."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import pytest

from estudio.adapters.local.blobs import FolderBlobStore
from estudio.errors import (
    UnknownVoice,
    VoiceProviderAuthError,
    VoiceProviderError,
    VoiceProviderUnavailable,
)
from estudio.models import Speech, SpeechText, VisemeEvent, WordTiming
from estudio.speech.alignment import spoken_tokens
from estudio.speech.base import VoiceInfo
from estudio.speech.cache import SpeechCache
from estudio.speech.chain import VoiceChain
from estudio.speech.chunking import stitch_wavs, synthesize_in_chunks
from estudio.speech.cloud import RetryPolicy, read_wav, write_wav
from estudio.speech.elevenlabs import ElevenLabsProvider

from .conftest import FakeElevenLabs, SleepLog

RATE = 16000
WORD_S = 0.25


class ToneVoice:
    """A port double: speaks each spoken token as a 0.25 s tone (random phase at the ends, so a
    naive join would click), after ``failures`` raised errors."""

    def __init__(self, name: str, failures: list[Exception] | None = None) -> None:
        self.name = name
        self.failures = list(failures or [])
        self.calls = 0

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(id=f"{self.name}:v", provider=self.name, name="v", language="pt-BR")]

    def synthesize(self, text: SpeechText, voice: VoiceInfo, out_wav: Path) -> Speech:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        tokens = spoken_tokens(text.spoken)
        count = round(len(tokens) * WORD_S * RATE)
        t = np.arange(count) / RATE
        samples = (9000 * np.sin(2 * math.pi * 330 * t + 1.3)).astype(np.int16)
        write_wav(out_wav, samples, RATE)
        words = [
            WordTiming(
                text=text.written[a:b],
                start_s=n * WORD_S,
                end_s=(n + 1) * WORD_S,
                char_start=a,
                char_end=b,
            )
            for n, (a, b) in enumerate(tokens)
        ]
        visemes = [VisemeEvent(time_s=n * WORD_S, viseme="aa") for n in range(len(tokens))]
        return Speech(
            voice=voice.id,
            language=voice.language,
            written=text.written,
            spoken=text.spoken,
            duration_s=count / RATE,
            sample_rate=RATE,
            words=words,
            visemes=visemes,
        )


NO_WAIT = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.01)
TEXT = SpeechText(written="Bom dia a todos", spoken="Bom dia a todos")


def test_given_a_failing_first_voice_when_speaking_then_the_next_voice_speaks(
    tmp_path: Path, sleeps: SleepLog
) -> None:
    busy = ToneVoice("cloud", [VoiceProviderUnavailable("busy"), VoiceProviderUnavailable("busy")])
    offline = ToneVoice("offline")
    chain = VoiceChain(
        ["cloud:x", "offline:pt-br"],
        {"cloud": busy, "offline": offline},
        retry=NO_WAIT,
        sleep=sleeps,
    )

    speech = chain.synthesize(TEXT, tmp_path / "a.wav", language="pt-BR")

    assert speech.voice == "offline:pt-br"
    assert (busy.calls, offline.calls) == (2, 1)  # transient: retried once, then fell back
    assert len(sleeps.pauses) == 1
    assert read_wav(tmp_path / "a.wav")[0].size == round(4 * WORD_S * RATE)


def test_given_an_auth_failure_when_speaking_then_the_chain_falls_back_without_retry(
    tmp_path: Path, sleeps: SleepLog
) -> None:
    locked = ToneVoice("cloud", [VoiceProviderAuthError("no key")])
    offline = ToneVoice("offline")
    chain = VoiceChain(
        ["cloud:x", "offline:pt-br"],
        {"cloud": locked, "offline": offline},
        retry=NO_WAIT,
        sleep=sleeps,
    )

    speech = chain.synthesize(TEXT, tmp_path / "a.wav", language="pt-BR")

    assert speech.voice == "offline:pt-br"
    assert locked.calls == 1 and sleeps.pauses == []


def test_given_every_voice_failing_when_speaking_then_the_last_error_is_raised(
    tmp_path: Path, sleeps: SleepLog
) -> None:
    chain = VoiceChain(
        ["a:x", "b:y"],
        {
            "a": ToneVoice("a", [VoiceProviderAuthError("no key")]),
            "b": ToneVoice("b", [VoiceProviderError("bad request")]),
        },
        retry=NO_WAIT,
        sleep=sleeps,
    )

    with pytest.raises(VoiceProviderError, match="bad request"):
        chain.synthesize(TEXT, tmp_path / "a.wav", language="pt-BR")


def test_given_a_voice_of_an_unknown_provider_when_building_the_chain_then_unknown_voice() -> None:
    with pytest.raises(UnknownVoice):
        VoiceChain(["nowhere:x"], {"offline": ToneVoice("offline")})


def test_given_elevenlabs_without_a_key_when_chained_then_the_offline_voice_speaks(
    tmp_path: Path, sleeps: SleepLog
) -> None:
    offline = ToneVoice("espeak")
    chain = VoiceChain(
        ["elevenlabs:voice123", "espeak:pt-br"],
        {"elevenlabs": ElevenLabsProvider(api_key=None), "espeak": offline},
        retry=NO_WAIT,
        sleep=sleeps,
    )

    assert chain.synthesize(TEXT, tmp_path / "a.wav", "pt-BR").voice == "espeak:pt-br"


def test_given_a_rate_limited_local_elevenlabs_when_chained_then_it_still_speaks(
    fake_elevenlabs: FakeElevenLabs, tmp_path: Path, sleeps: SleepLog
) -> None:
    fake_elevenlabs.fail_with = [429, 429]  # provider retries once, the chain once more
    cloud = ElevenLabsProvider(
        api_key="k", base_url=fake_elevenlabs.base_url, retry=NO_WAIT, sleep=sleeps
    )
    chain = VoiceChain(
        ["elevenlabs:voice123", "espeak:pt-br"],
        {"elevenlabs": cloud, "espeak": ToneVoice("espeak")},
        retry=NO_WAIT,
        sleep=sleeps,
    )

    speech = chain.synthesize(TEXT, tmp_path / "a.wav", "pt-BR")

    assert speech.voice == "elevenlabs:voice123"
    assert len(fake_elevenlabs.tts_requests()) == 3
    assert [w.text for w in speech.words] == ["Bom", "dia", "a", "todos"]


def test_given_an_unchanged_scene_when_rendered_again_then_the_provider_is_not_called(
    tmp_path: Path,
) -> None:
    voice = ToneVoice("cloud")
    info = voice.voices()[0]
    cache = SpeechCache(FolderBlobStore(tmp_path / "blobs"))

    first = cache.get_or_synthesize(voice, info, TEXT, tmp_path / "one.wav", {"model": "m1"})
    second = cache.get_or_synthesize(voice, info, TEXT, tmp_path / "two.wav", {"model": "m1"})

    assert voice.calls == 1
    assert second == first
    assert (tmp_path / "two.wav").read_bytes() == (tmp_path / "one.wav").read_bytes()


def test_given_a_changed_text_setting_or_glossary_when_rendered_then_the_provider_is_called(
    tmp_path: Path,
) -> None:
    from estudio.speech.glossary import Glossary, GlossaryEntry

    voice = ToneVoice("cloud")
    info = voice.voices()[0]
    cache = SpeechCache(FolderBlobStore(tmp_path / "blobs"))
    other = SpeechText(written="Boa tarde", spoken="Boa tarde")
    glossary = Glossary(entries=[GlossaryEntry(term="EPI", spoken="é pê í")])

    cache.get_or_synthesize(voice, info, TEXT, tmp_path / "a.wav", {"model": "m1"})
    cache.get_or_synthesize(voice, info, other, tmp_path / "b.wav", {"model": "m1"})
    cache.get_or_synthesize(voice, info, TEXT, tmp_path / "c.wav", {"model": "m2"})
    cache.get_or_synthesize(voice, info, TEXT, tmp_path / "d.wav", {"model": "m1"}, glossary)

    assert voice.calls == 4


def test_given_a_cached_chain_when_the_first_voice_recovers_then_its_own_entry_is_used(
    tmp_path: Path, sleeps: SleepLog
) -> None:
    cloud = ToneVoice("cloud")
    offline = ToneVoice("offline")
    cache = SpeechCache(FolderBlobStore(tmp_path / "blobs"))
    chain = VoiceChain(
        ["cloud:x", "offline:y"],
        {"cloud": cloud, "offline": offline},
        retry=NO_WAIT,
        sleep=sleeps,
        cache=cache,
    )

    chain.synthesize(TEXT, tmp_path / "a.wav", "pt-BR")
    again = chain.synthesize(TEXT, tmp_path / "b.wav", "pt-BR")

    assert again.voice == "cloud:x"
    assert (cloud.calls, offline.calls) == (1, 0)


def test_given_pieces_when_stitched_then_offsets_are_exact_and_the_join_does_not_click(
    tmp_path: Path,
) -> None:
    written = "Um dois três. Quatro cinco seis. Sete oito nove."
    text = SpeechText(written=written, spoken=written)
    voice = ToneVoice("cloud")
    info = voice.voices()[0]

    speech = synthesize_in_chunks(
        lambda piece, path: voice.synthesize(piece, info, path), text, tmp_path / "all.wav", 20
    )

    samples, rate = read_wav(tmp_path / "all.wav")
    piece = round(3 * WORD_S * RATE)
    overlap = round(0.010 * RATE)
    assert voice.calls == 3
    assert samples.size == 3 * piece - 2 * overlap
    assert speech.duration_s == pytest.approx(samples.size / rate)
    assert [w.text for w in speech.words] == written.split()
    for word in speech.words:
        assert written[word.char_start : word.char_end] == word.text
    assert speech.words[3].start_s == pytest.approx((piece - overlap) / RATE)
    assert speech.words[6].start_s == pytest.approx(2 * (piece - overlap) / RATE)
    steps = np.abs(np.diff(samples.astype(np.int32)))
    # a 330 Hz tone at amplitude 9000 moves at most ~1170 per sample; a hard cut jumps further
    assert steps.max() < 1300
    times = [v.time_s for v in speech.visemes]
    assert times == sorted(times)


def test_given_a_hard_join_when_stitched_without_crossfade_then_the_click_is_visible(
    tmp_path: Path,
) -> None:
    t = np.arange(4000) / RATE
    a = (9000 * np.sin(2 * math.pi * 330 * t + 1.3)).astype(np.int16)
    write_wav(tmp_path / "a.wav", a, RATE)
    write_wav(tmp_path / "b.wav", a, RATE)

    stitch_wavs([tmp_path / "a.wav", tmp_path / "b.wav"], tmp_path / "hard.wav", crossfade_s=0)
    offsets, total, _rate = stitch_wavs(
        [tmp_path / "a.wav", tmp_path / "b.wav"], tmp_path / "soft.wav"
    )

    hard = read_wav(tmp_path / "hard.wav")[0].astype(np.int32)
    soft = read_wav(tmp_path / "soft.wav")[0].astype(np.int32)
    assert np.abs(np.diff(hard)).max() > 5000  # the test signal really would click
    assert np.abs(np.diff(soft)).max() < 1300
    assert offsets == [0, 4000 - 160] and total == 8000 - 160
    with wave.open(str(tmp_path / "soft.wav"), "rb") as wav:
        assert wav.getnframes() == total
