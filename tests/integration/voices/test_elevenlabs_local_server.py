"""ElevenLabsProvider through the real SDK against a local server speaking the API's shapes."""

from __future__ import annotations

import socket
import wave
from pathlib import Path

import pytest

from estudio.errors import VoiceProviderAuthError, VoiceProviderUnavailable
from estudio.models import SpeechText
from estudio.speech.base import VoiceInfo
from estudio.speech.cloud import RetryPolicy
from estudio.speech.elevenlabs import NO_KEY, ElevenLabsProvider
from estudio.speech.glossary import Glossary, GlossaryEntry
from estudio.speech.visemes import ALPHABET

from .conftest import SECONDS_PER_CHAR, FakeElevenLabs, SleepLog

VOICE = VoiceInfo(id="elevenlabs:voice123", provider="elevenlabs", name="Test", language="pt-BR")
FAST = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.02)


def make_provider(server: FakeElevenLabs, sleeps: SleepLog, **kwargs: object) -> ElevenLabsProvider:
    return ElevenLabsProvider(
        api_key="test-key",
        base_url=server.base_url,
        retry=FAST,
        sleep=sleeps,
        **kwargs,  # type: ignore[arg-type]
    )


def normalised_text() -> SpeechText:
    # "EPI" read as letters, "2" as a word: spans map them back to what the author wrote.
    written = "Use o EPI 2 vezes."
    spoken = "Use o é pê í duas vezes."
    spans = [(0, 6, 0, 6), (6, 9, 6, 12), (9, 10, 12, 13), (10, 11, 13, 17), (11, 18, 17, 24)]
    return SpeechText(written=written, spoken=spoken, spans=spans)


def test_given_a_scene_when_synthesized_then_request_and_wav_and_words_are_right(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog, tmp_path: Path
) -> None:
    provider = make_provider(fake_elevenlabs, sleeps)
    text = normalised_text()

    speech = provider.synthesize(text, VOICE, tmp_path / "out.wav")

    [request] = fake_elevenlabs.tts_requests()
    assert request.path == "/v1/text-to-speech/voice123/with-timestamps"
    assert request.query["output_format"] == ["pcm_22050"]
    assert request.body["model_id"] == "eleven_multilingual_v2"
    assert request.body["text"] == text.spoken
    assert "language_code" not in request.body  # multilingual v2 rejects it
    assert request.headers["xi-api-key"] == "test-key"
    with wave.open(str(tmp_path / "out.wav"), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        frames = wav.getnframes()
    assert speech.duration_s == pytest.approx(frames / 22050)
    assert speech.voice == "elevenlabs:voice123"
    assert [w.text for w in speech.words] == ["Use", "o", "EPI", "2", "vezes."]
    for word in speech.words:
        assert text.written[word.char_start : word.char_end] == word.text
    epi = speech.words[2]
    # "é pê í" spans spoken characters 6..11: its first letter starts at 6 * 60 ms
    assert epi.start_s == pytest.approx(6 * SECONDS_PER_CHAR)
    assert epi.end_s == pytest.approx(12 * SECONDS_PER_CHAR)
    starts = [w.start_s for w in speech.words]
    assert starts == sorted(starts)
    assert speech.visemes[0].viseme == "sil"
    assert {v.viseme for v in speech.visemes} <= set(ALPHABET)
    assert {"PP", "E", "I"} <= {v.viseme for v in speech.visemes}
    assert all(v.time_s <= speech.duration_s for v in speech.visemes)


def test_given_a_glossary_when_synthesized_then_the_alias_is_sent_and_words_map_back(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog, tmp_path: Path
) -> None:
    glossary = Glossary(entries=[GlossaryEntry(term="NR-10", spoken="ene erre dez")])
    provider = make_provider(fake_elevenlabs, sleeps, glossary=glossary)
    text = SpeechText(written="A NR-10 protege.", spoken="A NR-10 protege.")

    speech = provider.synthesize(text, VOICE, tmp_path / "out.wav")

    assert fake_elevenlabs.tts_requests()[0].body["text"] == "A ene erre dez protege."
    assert [w.text for w in speech.words] == ["A", "NR-10", "protege."]
    nr10 = speech.words[1]
    assert (nr10.start_s, nr10.end_s) == pytest.approx((2 * 0.06, 14 * 0.06))
    assert speech.spoken == "A ene erre dez protege."


def test_given_a_flash_model_when_synthesized_then_the_language_code_is_sent(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog, tmp_path: Path
) -> None:
    provider = make_provider(
        fake_elevenlabs, sleeps, model_id="eleven_flash_v2_5", output_format="pcm_24000"
    )

    speech = provider.synthesize(SpeechText(written="Olá", spoken="Olá"), VOICE, tmp_path / "a.wav")

    [request] = fake_elevenlabs.tts_requests()
    assert request.body["language_code"] == "pt"
    assert request.query["output_format"] == ["pcm_24000"]
    assert speech.sample_rate == 24000


def test_given_a_rejected_key_when_synthesized_then_auth_error_without_retry(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog, tmp_path: Path
) -> None:
    fake_elevenlabs.fail_with = [401]
    provider = make_provider(fake_elevenlabs, sleeps)

    with pytest.raises(VoiceProviderAuthError):
        provider.synthesize(SpeechText(written="Oi", spoken="Oi"), VOICE, tmp_path / "a.wav")

    assert len(fake_elevenlabs.tts_requests()) == 1
    assert sleeps.pauses == []
    assert not (tmp_path / "a.wav").exists()


def test_given_a_rate_limit_when_synthesized_then_it_is_retried_and_succeeds(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog, tmp_path: Path
) -> None:
    fake_elevenlabs.fail_with = [429]
    provider = make_provider(fake_elevenlabs, sleeps)

    speech = provider.synthesize(
        SpeechText(written="Bom dia", spoken="Bom dia"), VOICE, tmp_path / "a.wav"
    )

    assert len(fake_elevenlabs.tts_requests()) == 2
    assert len(sleeps.pauses) == 1
    assert [w.text for w in speech.words] == ["Bom", "dia"]


def test_given_persistent_server_errors_when_synthesized_then_unavailable_after_bounded_retries(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog, tmp_path: Path
) -> None:
    fake_elevenlabs.fail_with = [500, 500, 500, 500]
    provider = make_provider(fake_elevenlabs, sleeps)

    with pytest.raises(VoiceProviderUnavailable):
        provider.synthesize(SpeechText(written="Oi", spoken="Oi"), VOICE, tmp_path / "a.wav")

    assert len(fake_elevenlabs.tts_requests()) == FAST.attempts
    assert len(sleeps.pauses) == FAST.attempts - 1
    assert sleeps.pauses[1] > sleeps.pauses[0] * 0.99  # backoff does not shrink


def test_given_nothing_listening_when_synthesized_then_unavailable(
    sleeps: SleepLog, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = ElevenLabsProvider(
        api_key="k", base_url=f"http://127.0.0.1:{port}", retry=FAST, sleep=sleeps
    )

    with pytest.raises(VoiceProviderUnavailable):
        provider.synthesize(SpeechText(written="Oi", spoken="Oi"), VOICE, tmp_path / "a.wav")
    assert len(sleeps.pauses) == FAST.attempts - 1


def test_given_a_long_script_when_synthesized_then_chunks_join_without_timing_jumps(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog, tmp_path: Path
) -> None:
    sentences = [f"Frase numero {n} fala de segurança no trabalho." for n in range(6)]
    written = " ".join(sentences)
    provider = make_provider(fake_elevenlabs, sleeps, max_chars=120)

    speech = provider.synthesize(
        SpeechText(written=written, spoken=written), VOICE, tmp_path / "long.wav"
    )

    bodies = [r.body["text"] for r in fake_elevenlabs.tts_requests()]
    assert len(bodies) == 3
    assert all(len(b) <= 120 and b.endswith(".") for b in bodies)
    assert [w.text for w in speech.words] == written.split()
    for word in speech.words:
        assert written[word.char_start : word.char_end] == word.text
    gaps = [b.start_s - a.end_s for a, b in zip(speech.words, speech.words[1:], strict=False)]
    assert min(gaps) >= 0
    assert max(gaps) < 0.2  # chunk tail (0.1 s) minus the crossfade, never a jump
    with wave.open(str(tmp_path / "long.wav"), "rb") as wav:
        assert speech.duration_s == pytest.approx(wav.getnframes() / wav.getframerate())


def test_given_no_key_when_listing_then_known_voices_are_unavailable_with_a_reason() -> None:
    voices = ElevenLabsProvider(api_key=None).voices()

    assert voices
    assert all(not v.available and v.reason == NO_KEY for v in voices)
    assert all(v.id.startswith("elevenlabs:") for v in voices)


def test_given_no_key_when_synthesizing_then_auth_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceProviderAuthError):
        ElevenLabsProvider(api_key=None).synthesize(
            SpeechText(written="Oi", spoken="Oi"), VOICE, tmp_path / "a.wav"
        )


def test_given_a_key_when_listing_then_the_account_voices_are_mapped(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog
) -> None:
    fake_elevenlabs.voices = [
        {
            "voice_id": "abc",
            "name": "Camila",
            "labels": {"gender": "female"},
            "verified_languages": [
                {"language": "en", "model_id": "eleven_multilingual_v2", "locale": "en-US"},
                {"language": "pt", "model_id": "eleven_multilingual_v2", "locale": "pt-BR"},
            ],
        },
        {"voice_id": "def", "name": "Rafael"},
    ]

    voices = make_provider(fake_elevenlabs, sleeps).voices()

    assert [(v.id, v.name, v.language, v.gender, v.available) for v in voices] == [
        ("elevenlabs:abc", "Camila", "pt-BR", "female", True),
        ("elevenlabs:def", "Rafael", "pt-BR", None, True),
    ]
    assert fake_elevenlabs.requests[0].path == "/v1/voices"


def test_given_a_failing_listing_when_listing_then_voices_are_unavailable_not_raised(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog
) -> None:
    fake_elevenlabs.voices_status = 503

    voices = make_provider(fake_elevenlabs, sleeps).voices()

    assert voices and all(not v.available for v in voices)
    assert all(v.reason and "unavailable" in v.reason for v in voices)


def test_given_the_real_normaliser_output_when_synthesized_then_every_written_word_is_timed(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog, tmp_path: Path
) -> None:
    from estudio.speech.glossary import default_glossary
    from estudio.speech.text import to_spoken

    written = "A NR-10 exige 2 EPIs em 15/03, às 14h30 — R$ 1.500,00."
    text = to_spoken(written, "pt-BR", default_glossary())

    speech = make_provider(fake_elevenlabs, sleeps).synthesize(text, VOICE, tmp_path / "n.wav")

    assert fake_elevenlabs.tts_requests()[0].body["text"] == text.spoken
    for word in speech.words:
        assert written[word.char_start : word.char_end] == word.text
    # a written phrase read as one ("R$ 1.500,00" -> "mil e quinhentos reais") is one word
    assert "R$ 1.500,00." in [w.text for w in speech.words]
    timed = " ".join(w.text for w in speech.words if any(c.isalnum() for c in w.text))
    assert timed == " ".join(t for t in written.split() if any(c.isalnum() for c in t))
    ends = [w.char_end for w in speech.words]
    starts = [w.char_start for w in speech.words]
    assert all(a <= b for a, b in zip(ends, starts[1:], strict=False))


def test_given_a_pause_in_the_script_when_synthesized_then_a_break_tag_is_sent_and_skipped(
    fake_elevenlabs: FakeElevenLabs, sleeps: SleepLog, tmp_path: Path
) -> None:
    from estudio.speech.text import to_spoken

    provider = make_provider(fake_elevenlabs, sleeps)
    text = to_spoken("Antes [pausa] depois.", "pt-BR")

    speech = provider.synthesize(text, VOICE, tmp_path / "out.wav")

    [request] = fake_elevenlabs.tts_requests()
    sent = request.body["text"]
    assert sent == 'Antes <break time="0.70s" /> depois.'
    # timings come from the sent text; the tag's characters belong to no word
    assert [w.text for w in speech.words] == ["Antes", "depois."]
    assert speech.words[1].start_s == pytest.approx(sent.index("depois") * SECONDS_PER_CHAR)
    assert speech.spoken == "Antes depois."
