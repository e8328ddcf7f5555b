"""Real espeak-ng synthesis in its worker process: audio, word timings, visemes, captions."""

from __future__ import annotations

import itertools
import subprocess
import time
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from estudio.errors import StageTimeout, UnknownVoice, VoiceProviderError
from estudio.models import Speech
from estudio.speech.base import VoiceInfo
from estudio.speech.captions import MAX_LINE, build_cues, to_ass, to_vtt
from estudio.speech.espeak import EspeakProvider
from estudio.speech.glossary import default_glossary
from estudio.speech.registry import VoiceRegistry
from estudio.speech.service import speak
from estudio.speech.text import to_spoken
from estudio.speech.visemes import ALPHABET, SILENCE

Scene = tuple[Speech, Path, float]

SCRIPT = (
    "Bem-vindos ao treinamento de segurança em instalações e serviços com eletricidade, "
    "conforme a NR-10. Nesta aula, vamos estudar os riscos elétricos, as medidas de controle "
    "e o uso correto do EPI e do EPC. A tensão de 13,8 kV exige cuidado redobrado; nunca "
    "trabalhe sozinho! 😀\n• Custo do curso: R$ 1.500,00, com 75% de desconto até 23/11/2026."
)


@pytest.fixture(scope="module")
def registry() -> VoiceRegistry:
    return VoiceRegistry([EspeakProvider()])


@pytest.fixture(scope="module")
def spoken_scene(registry: VoiceRegistry, tmp_path_factory: pytest.TempPathFactory) -> Scene:
    out = tmp_path_factory.mktemp("espeak") / "scene.wav"
    started = time.perf_counter()
    speech = speak(SCRIPT, None, "pt-BR", out, registry, default_glossary())
    return speech, out, time.perf_counter() - started


def _read_wav(path: Path) -> tuple[int, np.ndarray]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        frames = wav.readframes(wav.getnframes())
        return wav.getframerate(), np.frombuffer(frames, dtype="<i2")


def test_given_ptbr_script_when_spoken_then_wav_matches_reported_duration(
    spoken_scene: Scene,
) -> None:
    speech, out, elapsed = spoken_scene
    rate, samples = _read_wav(out)
    assert rate == speech.sample_rate == 22050
    assert speech.duration_s == pytest.approx(len(samples) / rate)
    assert speech.duration_s > 10.0
    assert np.abs(samples).max() > 1000  # not silence
    assert elapsed / speech.duration_s < 0.5  # far faster than real time
    assert speech.voice == "espeak:pt-br" and speech.language == "pt-BR"
    assert speech.written == SCRIPT


def test_given_ptbr_script_when_spoken_then_words_map_to_the_written_script(
    spoken_scene: Scene,
) -> None:
    speech, _, _ = spoken_scene
    texts = [w.text for w in speech.words]
    assert texts[0] == "Bem-vindos"
    for expected in ("NR-10.", "EPI", "EPC.", "13,8 kV", "R$ 1.500,00,", "75%", "23/11/2026."):
        assert expected in texts, expected
    for word in speech.words:
        assert SCRIPT[word.char_start : word.char_end] == word.text
        assert 0.0 <= word.start_s <= word.end_s <= speech.duration_s + 1e-6
    starts = [w.start_s for w in speech.words]
    assert starts == sorted(starts)
    offsets = [w.char_start for w in speech.words]
    assert offsets == sorted(offsets)
    assert all("😀" not in t and "•" not in t for t in texts)


def test_given_ptbr_script_when_spoken_then_visemes_follow_the_audio(spoken_scene: Scene) -> None:
    speech, out, _ = spoken_scene
    visemes = speech.visemes
    assert visemes[0].viseme == SILENCE and visemes[0].time_s == 0.0
    assert visemes[-1].viseme == SILENCE
    assert visemes[-1].time_s == pytest.approx(speech.duration_s, abs=0.05)
    assert {v.viseme for v in visemes} <= set(ALPHABET)
    assert len({v.viseme for v in visemes}) >= 10
    # open-mouth shapes sit where the audio is loud, silence where it is quiet
    rate, samples = _read_wav(out)
    level = np.abs(samples.astype(np.float64))
    timeline = [v.time_s for v in visemes] + [speech.duration_s]
    loud_open: list[tuple[str, float]] = []
    loud_closed: list[tuple[str, float]] = []
    for event, end in zip(visemes, timeline[1:], strict=False):
        a, b = int(event.time_s * rate), int(end * rate)
        if b - a < rate // 50:
            continue
        energy = float(level[a:b].mean())
        (loud_open if event.viseme in ("aa", "E", "O") else loud_closed).append(
            (event.viseme, energy)
        )
    open_energy = np.mean([e for _, e in loud_open])
    silence_energy = np.mean([e for v, e in loud_closed if v == SILENCE])
    assert open_energy > 4 * silence_energy


def test_given_espeak_words_when_captioned_then_cues_cover_the_speech(spoken_scene: Scene) -> None:
    speech, _, _ = spoken_scene
    cues = build_cues(speech.words, SCRIPT)
    assert abs(cues[0].start_s - speech.words[0].start_s) <= 0.3
    assert cues[-1].end_s >= speech.words[-1].end_s
    for cue in cues:
        assert len(cue.lines) <= 2
        assert all(len(line) <= MAX_LINE for line in cue.lines)
        assert 1.0 - 1e-9 <= cue.end_s - cue.start_s <= 7.0 + 1e-9
    for previous, following in itertools.pairwise(cues):
        assert previous.end_s <= following.start_s
    # every word is on screen while it is spoken
    for word in speech.words:
        middle = (word.start_s + word.end_s) / 2
        assert any(c.start_s <= middle <= c.end_s for c in cues), word.text
    shown = " ".join(" ".join(c.lines) for c in cues)
    assert "NR-10." in shown and "R$ 1.500,00" in shown and "😀" not in shown
    assert to_vtt(cues).count(" --> ") == len(cues)


def test_given_english_voice_when_spoken_then_words_and_audio(
    registry: VoiceRegistry, tmp_path: Path
) -> None:
    out = tmp_path / "en.wav"
    speech = speak("Wear your PPE. It costs $2.35 today.", "espeak:en-us", "en", out, registry)
    expected = ["Wear", "your", "PPE.", "It", "costs", "$2.35", "today."]
    assert [w.text for w in speech.words] == expected
    assert speech.duration_s > 1.0


def test_given_blank_script_when_spoken_then_empty_wav_and_silence(
    registry: VoiceRegistry, tmp_path: Path
) -> None:
    out = tmp_path / "blank.wav"
    speech = speak("  😀 \n", None, "pt-BR", out, registry)
    assert speech.duration_s == 0.0 and speech.words == []
    assert _read_wav(out)[1].size == 0


def test_given_tiny_timeout_when_spoken_then_stage_timeout(tmp_path: Path) -> None:
    provider = EspeakProvider(timeout_s=0.001)
    voice = provider.voices()[0]
    with pytest.raises(StageTimeout):
        provider.synthesize(to_spoken("Olá a todos.", "pt-BR"), voice, tmp_path / "x.wav")


def test_given_missing_library_when_spoken_then_voice_provider_error(tmp_path: Path) -> None:
    provider = EspeakProvider(library=str(tmp_path / "missing.so"), data=str(tmp_path))
    with pytest.raises(VoiceProviderError, match="exit 3"):
        provider.synthesize(to_spoken("Olá.", "pt-BR"), provider.voices()[0], tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def test_given_foreign_voice_when_espeak_asked_then_unknown_voice(tmp_path: Path) -> None:
    voice = VoiceInfo(
        id="azure:pt-BR-FranciscaNeural", provider="azure", name="F", language="pt-BR"
    )
    with pytest.raises(UnknownVoice):
        EspeakProvider().synthesize(to_spoken("Olá.", "pt-BR"), voice, tmp_path / "x.wav")


@pytest.mark.slow
def test_given_ass_captions_when_burned_with_libass_then_frame_shows_text(
    spoken_scene: Scene, tmp_path: Path
) -> None:
    speech, _, _ = spoken_scene
    ass = tmp_path / "subs.ass"
    ass.write_text(to_ass(build_cues(speech.words, SCRIPT), 640, 360), encoding="utf-8")
    frames = []
    for vf in ("fps=5", f"fps=5,subtitles={ass.name}"):
        done = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
             "color=c=0x3366cc:s=640x360:d=2", "-vf", vf, "-frames:v", "1", "-ss", "1",
             "-f", "rawvideo", "-pix_fmt", "gray", "-"],
            cwd=tmp_path, capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()[-500:]
        frames.append(np.frombuffer(done.stdout, dtype=np.uint8).reshape(360, 640))
    plain, burned = frames
    changed = np.abs(plain.astype(int) - burned.astype(int)) > 40
    rows = np.nonzero(changed.any(axis=1))[0]
    assert changed.sum() > 500  # text was drawn
    assert rows.min() > 360 * 0.5  # in the bottom half
