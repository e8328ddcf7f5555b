"""Real cloud voices. Run only with keys in the environment; skipped otherwise.

ELEVENLABS_API_KEY=... [ELEVENLABS_VOICE_ID=...] pytest tests/live -m live
AZURE_SPEECH_KEY=... AZURE_SPEECH_REGION=... pytest tests/live -m live
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from estudio.models import Speech, SpeechText
from estudio.speech.azure import AzureProvider
from estudio.speech.base import VoiceInfo
from estudio.speech.cloud import read_wav
from estudio.speech.elevenlabs import KNOWN_VOICES, ElevenLabsProvider

pytestmark = pytest.mark.live

TEXT = SpeechText(
    written="Bem-vindos ao treinamento de segurança. Use sempre o EPI.",
    spoken="Bem-vindos ao treinamento de segurança. Use sempre o é pê í.",
    spans=[(0, 53, 0, 53), (53, 56, 53, 59), (56, 57, 59, 60)],
)


def check(speech: Speech, wav: Path) -> None:
    samples, rate = read_wav(wav)
    assert rate == speech.sample_rate
    assert speech.duration_s == pytest.approx(samples.size / rate)
    assert 2.0 < speech.duration_s < 20.0
    assert speech.words, "no word timings"
    assert speech.words[-1].text == "EPI."
    starts = [w.start_s for w in speech.words]
    assert starts == sorted(starts)
    assert speech.words[-1].end_s <= speech.duration_s + 0.05
    for word in speech.words:
        assert TEXT.written[word.char_start : word.char_end] == word.text
    assert speech.visemes


@pytest.mark.skipif(not os.environ.get("ELEVENLABS_API_KEY"), reason="no ELEVENLABS_API_KEY")
def test_given_an_elevenlabs_key_when_speaking_portuguese_then_audio_and_timings_arrive(
    tmp_path: Path,
) -> None:
    provider = ElevenLabsProvider(api_key=os.environ["ELEVENLABS_API_KEY"])
    voice_id = os.environ.get("ELEVENLABS_VOICE_ID", KNOWN_VOICES[0][0])
    voice = VoiceInfo(
        id=f"elevenlabs:{voice_id}", provider="elevenlabs", name="live", language="pt-BR"
    )

    assert any(v.available for v in provider.voices())
    speech = provider.synthesize(TEXT, voice, tmp_path / "el.wav")

    check(speech, tmp_path / "el.wav")


@pytest.mark.skipif(
    not (os.environ.get("AZURE_SPEECH_KEY") and os.environ.get("AZURE_SPEECH_REGION")),
    reason="no AZURE_SPEECH_KEY / AZURE_SPEECH_REGION",
)
def test_given_an_azure_key_when_speaking_portuguese_then_audio_timings_and_visemes_arrive(
    tmp_path: Path,
) -> None:
    provider = AzureProvider(
        key=os.environ["AZURE_SPEECH_KEY"], region=os.environ["AZURE_SPEECH_REGION"]
    )
    voice = VoiceInfo(
        id="azure:pt-BR-FranciscaNeural", provider="azure", name="Francisca", language="pt-BR"
    )

    assert any(v.available and v.language == "pt-BR" for v in provider.voices())
    speech = provider.synthesize(TEXT, voice, tmp_path / "az.wav")

    check(speech, tmp_path / "az.wav")
    assert len({v.viseme for v in speech.visemes}) > 3
