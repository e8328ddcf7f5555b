"""Lip-sync quality, measured on the rendered pixels: the mouth drawn in each encoded frame must
follow the loudness of the same speech, rest closed in pauses and stay aligned to the end."""

from __future__ import annotations

import math
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from estudio.avatar.drawing import MOUTH_CENTRE
from estudio.avatar.render import BREATH_PX, SWAY_PX, presenter_box, render_avatar_segment
from estudio.avatar.sprites import presenter_sprites
from estudio.models import VisemeEvent

from .conftest import make_slide, read_frames

pytestmark = pytest.mark.slow

W, H, FPS, OFFSET = 1280, 720, 25, 0.5
AVATAR, LAYOUT = "ana", "pip-right"

SCRIPT = (
    "Bem-vindos ao treinamento de segurança do trabalho. Hoje vamos falar sobre equipamentos de "
    "proteção individual, os famosos EPIs. Cada colaborador deve usar capacete, óculos, luvas e "
    "botas sempre que estiver na área de produção. Antes de começar o turno, verifique se o seu "
    "equipamento está limpo e em bom estado. Se encontrar qualquer defeito, avise o supervisor "
    "imediatamente. Lembre-se: a segurança é responsabilidade de todos. Na próxima etapa, vamos "
    "conhecer as sinalizações da fábrica. As placas amarelas indicam atenção, as vermelhas indicam "
    "proibição e as verdes mostram as rotas de fuga. Em caso de emergência, mantenha a calma, siga "
    "as rotas de fuga e dirija-se ao ponto de encontro. Nunca use os elevadores durante um "
    "incêndio. Ao final deste módulo, você fará um pequeno teste. Boa sorte e bom trabalho!"
)


@dataclass
class Measured:
    mouth: np.ndarray  # opening pixels drawn per frame, above the closed-mouth baseline
    envelope: np.ndarray  # audio RMS over each frame's interval


def _envelope(wav: Path, frames: int) -> np.ndarray:
    with wave.open(str(wav)) as w:
        rate = w.getframerate()
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
    env = np.zeros(frames)
    for i in range(frames):
        a = max(0, round((i / FPS - OFFSET) * rate))
        b = max(0, round(((i + 1) / FPS - OFFSET) * rate))
        seg = audio[a:b]
        env[i] = math.sqrt(float((seg**2).mean())) if len(seg) else 0.0
    return env


def _render_and_measure(
    ffmpeg: str, tmp: Path, wav: Path, visemes: list[VisemeEvent], speech_s: float
) -> Measured:
    slide = make_slide(tmp / "slide.png", W, H)
    video = tmp / "scene.mp4"
    duration = speech_s + 2 * OFFSET
    stats = render_avatar_segment(
        slide, video, visemes, OFFSET, duration, FPS, AVATAR, LAYOUT, ffmpeg, "libx264"
    )
    # the mouth's neighbourhood in the frame, wide enough for the head's sway and breathing
    box = presenter_box(W, H, LAYOUT)
    side = box.w
    presenter_sprites(AVATAR, side)  # the same drawing the render used
    cx, cy = MOUTH_CENTRE
    sway = math.ceil(SWAY_PX * side) + 1
    rise = math.ceil(BREATH_PX * side) + 1
    x0 = box.x + math.floor((cx - 0.045) * side) - sway
    x1 = box.x + math.ceil((cx + 0.045) * side) + sway
    y0 = box.y + math.floor((cy - 0.02) * side) - rise
    y1 = box.y + math.ceil((cy + 0.056) * side) + rise
    frames = read_frames(ffmpeg, video, (x0, y0, x1 - x0, y1 - y0)).astype(np.int16)
    assert len(frames) == stats.frames == round(duration * FPS)
    r, g, b = frames[..., 0], frames[..., 1], frames[..., 2]
    cavity = (r < 100) & (g < 50) & (b < 60)
    teeth = frames.min(axis=-1) > 225
    drawn = (cavity | teeth).sum(axis=(1, 2)).astype(np.float64)
    lead_in = int(OFFSET * FPS) - 2
    baseline = float(np.median(drawn[:lead_in]))
    return Measured(np.maximum(drawn - baseline, 0.0), _envelope(wav, len(frames)))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def _best_lag(m: np.ndarray, e: np.ndarray, max_lag: int = 6) -> int:
    n = len(m)
    scores = {}
    for lag in range(-max_lag, max_lag + 1):
        x = m[max(lag, 0) : n + min(lag, 0)]
        y = e[max(-lag, 0) : n + min(-lag, 0)]
        scores[lag] = _corr(x, y)
    return max(scores, key=lambda k: scores[k])


def _quiet_runs(env: np.ndarray, min_frames: int) -> list[tuple[int, int]]:
    quiet = env < 0.02 * env.max()
    runs, start = [], None
    for i, q in enumerate(np.append(quiet, False)):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if i - start >= min_frames:
                runs.append((start, i))
            start = None
    return runs


def _check(measured: Measured, min_corr: float) -> None:
    m, e = measured.mouth, measured.envelope
    assert _corr(m, e) > min_corr
    # aligned at the start and at the end of the scene: no drift
    half = len(m) // 3
    assert abs(_best_lag(m[:half], e[:half])) <= 1
    assert abs(_best_lag(m[-half:], e[-half:])) <= 1
    # closed in pauses (edges excepted: the lips anticipate and release)
    inner_pauses = [(a, b) for a, b in _quiet_runs(e, 8) if a > 0 and b < len(e)]
    assert len(inner_pauses) >= 3
    for a, b in inner_pauses:
        assert m[a + 3 : b - 3].max() <= 2, f"mouth open in the pause at frames {a}-{b}"
    # the last burst of speech ends where the mouth last closes
    loud = np.flatnonzero(e > 0.05 * e.max())
    open_ = np.flatnonzero(m > 2)
    assert abs(int(loud[-1]) - int(open_[-1])) <= 3


def test_given_a_minute_of_real_speech_when_rendered_then_the_mouth_follows_the_voice(
    ffmpeg: str, tmp_path: Path
) -> None:
    from estudio.speech.espeak import EspeakProvider
    from estudio.speech.text import to_spoken

    provider = EspeakProvider()
    voice = next(v for v in provider.voices() if v.id == "espeak:pt-br")
    wav = tmp_path / "speech.wav"
    speech = provider.synthesize(to_spoken(SCRIPT, "pt-BR"), voice, wav)
    assert speech.duration_s > 50  # a scene of about a minute
    measured = _render_and_measure(ffmpeg, tmp_path, wav, speech.visemes, speech.duration_s)
    _check(measured, min_corr=0.35)


def _synthetic_speech(wav: Path, seconds: float, rate: int = 16000) -> list[VisemeEvent]:
    """A voice-like signal (syllable bursts in phrases) and visemes read off its loudness."""
    rng = np.random.default_rng(5)
    audio = np.zeros(int(seconds * rate))
    t = 0.2
    while t < seconds - 1.0:
        for _ in range(int(rng.integers(4, 12))):
            if t > seconds - 1.0:
                break
            length = rng.uniform(0.12, 0.26)
            n = int(length * rate)
            a = int(t * rate)
            shape = np.sin(np.linspace(0, np.pi, n)) ** 2
            tone = np.sin(2 * np.pi * rng.uniform(120, 220) * np.arange(n) / rate)
            audio[a : a + n] += rng.uniform(0.2, 1.0) * shape * tone
            t += length + rng.uniform(0.02, 0.06)
        t += rng.uniform(0.4, 0.9)
    pcm = (audio / np.abs(audio).max() * 20000).astype(np.int16)
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    # visemes from 10 ms loudness: louder -> wider vowel, quiet -> silence
    hop = rate // 100
    rms = np.sqrt((audio[: len(audio) // hop * hop].reshape(-1, hop) ** 2).mean(axis=1))
    rms /= rms.max()
    events, last = [], ""
    for i, level in enumerate(rms):
        v = "sil" if level < 0.08 else "I" if level < 0.3 else "E" if level < 0.55 else "aa"
        if v != last:
            events.append(VisemeEvent(time_s=i / 100, viseme=v))
            last = v
    return events


def test_given_a_synthetic_voice_when_rendered_then_the_mouth_follows_its_loudness(
    ffmpeg: str, tmp_path: Path
) -> None:
    seconds = 30.0
    wav = tmp_path / "synthetic.wav"
    visemes = _synthetic_speech(wav, seconds)
    measured = _render_and_measure(ffmpeg, tmp_path, wav, visemes, seconds)
    _check(measured, min_corr=0.6)


def test_given_the_bundled_example_narration_when_rendered_then_the_mouth_follows_the_voice(
    ffmpeg: str, tmp_path: Path
) -> None:
    """The example deck's whole narration as one long scene (over a minute): no drift."""
    from estudio.deck.parse import parse_deck
    from estudio.settings import Limits
    from estudio.speech.espeak import EspeakProvider
    from estudio.speech.glossary import default_glossary
    from estudio.speech.text import to_spoken

    example = Path(__file__).parents[3] / "examples" / "nr10-seguranca-eletrica.pptx"
    script = " ".join(scene.script for scene in parse_deck(example, Limits()).scenes)
    provider = EspeakProvider()
    voice = next(v for v in provider.voices() if v.id == "espeak:pt-br")
    wav = tmp_path / "speech.wav"
    speech = provider.synthesize(to_spoken(script, "pt-BR", default_glossary()), voice, wav)
    assert speech.duration_s > 60
    measured = _render_and_measure(ffmpeg, tmp_path, wav, speech.visemes, speech.duration_s)
    _check(measured, min_corr=0.35)
