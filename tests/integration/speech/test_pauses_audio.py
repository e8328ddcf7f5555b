"""Pauses written into a script are real silences in espeak-ng's audio, at the right place, and
the word timings and captions after them still match the voice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from estudio.models import Speech
from estudio.speech.captions import build_cues
from estudio.speech.cloud import read_wav
from estudio.speech.espeak import EspeakProvider
from estudio.speech.registry import VoiceRegistry
from estudio.speech.service import speak

QUIET = 300  # |sample| at or below this is silence (espeak peaks around 10 000)
FRAME_S = 0.01


@pytest.fixture(scope="module")
def registry() -> VoiceRegistry:
    return VoiceRegistry([EspeakProvider()])


def silences(wav: Path, at_least_s: float = 0.15) -> list[tuple[float, float]]:
    """(start_s, end_s) of every stretch of silence at least ``at_least_s`` long, measured on
    10 ms frames of the audio."""
    samples, rate = read_wav(wav)
    frame = round(FRAME_S * rate)
    count = len(samples) // frame
    loud = np.abs(samples[: count * frame].astype(np.int32)).reshape(count, frame).max(axis=1)
    found: list[tuple[float, float]] = []
    start: int | None = None
    for i, level in enumerate([*loud.tolist(), QUIET + 1]):
        if level <= QUIET and start is None:
            start = i
        elif level > QUIET and start is not None:
            if (i - start) * FRAME_S >= at_least_s:
                found.append((start * FRAME_S, i * FRAME_S))
            start = None
    return found


def loud_at(wav: Path, time_s: float, window_s: float = 0.15) -> bool:
    samples, rate = read_wav(wav)
    piece = samples[int(time_s * rate) : int((time_s + window_s) * rate)]
    return bool(len(piece)) and int(np.abs(piece.astype(np.int32)).max()) > QUIET


def longest_inner_silence(wav: Path, speech: Speech) -> tuple[float, float]:
    inner = [s for s in silences(wav) if s[0] > 0.05 and s[1] < speech.duration_s - 0.05]
    return max(inner, key=lambda s: s[1] - s[0])


def test_given_a_pause_in_the_script_when_spoken_then_the_audio_is_silent_there(
    registry: VoiceRegistry, tmp_path: Path
) -> None:
    plain_wav, paused_wav = tmp_path / "plain.wav", tmp_path / "paused.wav"
    plain = speak("Desligue o disjuntor. Depois teste.", None, "pt-BR", plain_wav, registry)
    paused = speak(
        "Desligue o disjuntor. [pausa] Depois teste.", None, "pt-BR", paused_wav, registry
    )

    start, end = longest_inner_silence(paused_wav, paused)
    natural = longest_inner_silence(plain_wav, plain)
    # ~0.7 s of silence where the author asked for it (espeak's own sentence gap is ~0.35 s)
    assert 0.65 <= end - start <= 0.9
    assert natural[1] - natural[0] < 0.5
    before = next(w for w in paused.words if w.text == "disjuntor.")
    after = next(w for w in paused.words if w.text == "Depois")
    assert before.end_s <= start + 0.05 and after.start_s >= end - 0.05
    # the words after the pause moved by the pause, and the voice speaks when they say it does
    moved = after.start_s - next(w for w in plain.words if w.text == "Depois").start_s
    assert 0.3 <= moved <= 0.6
    assert loud_at(paused_wav, after.start_s)
    assert "[" not in paused.spoken and "pausa" not in paused.spoken


def test_given_a_long_pause_and_a_blank_line_when_spoken_then_each_silence_is_as_asked(
    registry: VoiceRegistry, tmp_path: Path
) -> None:
    wav = tmp_path / "speech.wav"
    speech = speak(
        "Primeiro tema.\n\nSegundo tema. [pausa 2s] Terceiro tema.", None, "pt-BR", wav, registry
    )

    inner = [s for s in silences(wav) if s[0] > 0.05 and s[1] < speech.duration_s - 0.05]
    lengths = sorted(round(end - start, 2) for start, end in inner)
    assert len(lengths) == 2
    assert 0.35 <= lengths[0] <= 0.6  # the blank line
    assert 1.95 <= lengths[1] <= 2.2  # [pausa 2s]


def test_given_a_pause_when_captions_are_built_then_they_stay_in_sync_after_it(
    registry: VoiceRegistry, tmp_path: Path
) -> None:
    wav = tmp_path / "speech.wav"
    script = (
        "Antes de abrir o painel, desligue a energia. [pausa 2s] "
        "Agora confirme a ausência de tensão com o detector."
    )
    speech = speak(script, None, "pt-BR", wav, registry)

    cues = build_cues(speech.words, speech.written, offset_s=10.0)

    shown = " ".join(line for cue in cues for line in cue.lines)
    assert "[" not in shown and "pausa" not in shown
    start, end = longest_inner_silence(wav, speech)
    assert 1.95 <= end - start <= 2.2
    after = next(c for c in cues if c.lines[0].startswith("Agora"))
    before = cues[cues.index(after) - 1]
    # the caption after the pause appears when the voice resumes, not during the silence …
    assert after.start_s - 10.0 == pytest.approx(end, abs=0.08)
    assert loud_at(wav, after.start_s - 10.0)
    # … and no caption runs across the silence into it
    assert before.end_s - 10.0 <= end
