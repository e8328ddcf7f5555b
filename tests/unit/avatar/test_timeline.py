from __future__ import annotations

import numpy as np
import pytest

from estudio.avatar.bench import synthetic_visemes
from estudio.avatar.timeline import MOUTH_POSES, build_timeline
from estudio.errors import InvalidOptions
from estudio.models import VisemeEvent
from estudio.speech.visemes import ALPHABET, OPENNESS


def ev(t: float, v: str) -> VisemeEvent:
    return VisemeEvent(time_s=t, viseme=v)


# speech: "aa" 0.0-0.5, pause 0.5-1.1, "O" 1.1-1.5, then silence
SPEECH = [ev(0.0, "aa"), ev(0.5, "sil"), ev(1.1, "O"), ev(1.5, "sil")]


def test_given_every_viseme_when_posed_then_openness_matches_the_common_alphabet() -> None:
    assert set(MOUTH_POSES) == set(ALPHABET)
    for name, pose in MOUTH_POSES.items():
        assert pose.open == OPENNESS[name]


@pytest.mark.parametrize(("duration", "fps"), [(2.0, 25), (1.3, 25), (3.7, 30), (0.02, 25)])
def test_given_a_duration_when_built_then_frame_count_is_round_duration_times_fps(
    duration: float, fps: int
) -> None:
    tl = build_timeline(SPEECH, 0.2, duration, fps)
    assert tl.frames == round(duration * fps) == len(tl.openness) == len(tl.shapes)


def test_given_speech_with_a_pause_when_built_then_mouth_rests_closed_outside_speech() -> None:
    tl = build_timeline(SPEECH, speech_offset_s=0.5, duration_s=3.0, fps=25)
    t = np.arange(tl.frames) / 25
    lead_in = t < 0.4
    pause = (t > 1.1) & (t < 1.5)  # speech 0.5-1.0 s "aa", 1.6-2.0 s "O"
    tail = t > 2.15
    assert np.all(tl.openness[lead_in] < 0.01)
    assert np.all(tl.openness[pause] < 0.01)
    assert np.all(tl.openness[tail] < 0.01)
    assert not tl.speaking[pause].any()
    mid_aa = (t > 0.6) & (t < 0.9)
    assert np.all(tl.openness[mid_aa] > 0.9)
    assert set(np.array(tl.shapes)[mid_aa]) == {"aa"}
    mid_o = (t > 1.7) & (t < 1.9)
    assert np.all(np.abs(tl.openness[mid_o] - OPENNESS["O"]) < 0.05)
    assert np.all(tl.roundness[mid_o] > 0.8)


def test_given_a_change_of_shape_when_sampled_finely_then_it_cross_fades() -> None:
    tl = build_timeline([ev(0.0, "aa"), ev(0.5, "PP"), ev(1.0, "sil")], 0.0, 1.2, fps=200)
    steps = np.abs(np.diff(tl.openness))
    assert steps.max() < 0.2  # a jump 1 -> 0 spread over ~60 ms
    ramp = (tl.openness > 0.05) & (tl.openness < 0.95)
    assert 6 <= int(ramp[80:120].sum()) <= 24  # 30-120 ms of in-between frames


def test_given_a_consonant_shorter_than_a_frame_when_built_then_it_leaves_a_trace() -> None:
    tl = build_timeline([ev(0.0, "sil"), ev(0.50, "aa"), ev(0.52, "sil")], 0.0, 1.0, fps=25)
    assert tl.openness.max() > 0.1


def test_given_a_final_viseme_without_closing_silence_when_built_then_it_is_held_briefly() -> None:
    tl = build_timeline([ev(0.0, "aa")], 0.0, 2.0, fps=25)
    assert tl.openness[3] > 0.9
    assert np.all(tl.openness[15:] < 0.01)  # MAX_TAIL_S is 0.35 s


def test_given_the_same_seed_when_built_twice_then_frames_are_identical() -> None:
    visemes = synthetic_visemes(20.0)
    a = build_timeline(visemes, 0.3, 21.0, 25, seed=4)
    b = build_timeline(visemes, 0.3, 21.0, 25, seed=4)
    c = build_timeline(visemes, 0.3, 21.0, 25, seed=5)
    channels = ("openness", "width", "roundness", "teeth", "tuck", "press", "eyes", "breath")
    assert all(np.array_equal(getattr(a, f), getattr(b, f)) for f in (*channels, "sway"))
    assert a.shapes == b.shapes
    assert not np.array_equal(a.eyes, c.eyes)
    assert np.array_equal(a.openness, c.openness)  # the seed never moves the mouth


def test_given_a_minute_when_built_then_blinks_come_every_3_to_6_s_and_last_about_150_ms() -> None:
    tl = build_timeline([], 0.0, 60.0, fps=100, seed=11)
    closed = tl.eyes > 0.5
    starts = np.flatnonzero(closed[1:] & ~closed[:-1]) + 1
    assert 9 <= len(starts) <= 20
    gaps = np.diff(starts) / 100
    assert gaps.min() >= 2.9 and gaps.max() <= 6.2
    for s in starts:
        length = int(np.argmin(closed[s:])) / 100
        assert 0.04 <= length <= 0.17


def test_given_idle_motion_when_built_then_breath_and_sway_are_bounded_and_slow() -> None:
    tl = build_timeline([], 0.0, 30.0, fps=25, seed=3)
    for channel in (tl.breath, tl.sway):
        assert np.abs(channel).max() <= 1.0
        assert np.abs(np.diff(channel)).max() < 0.08  # a period of 3 s or more
        assert np.ptp(channel) > 0.5
    assert np.all(tl.openness == 0.0)


def test_given_a_frame_when_read_then_its_state_matches_the_arrays() -> None:
    tl = build_timeline(SPEECH, 0.5, 3.0, 25)
    f = tl.frame(17)
    assert f.index == 17 and f.time_s == pytest.approx(0.68)
    assert f.mouth.open == pytest.approx(tl.openness[17])
    assert f.shape == "aa" and f.speaking


def test_given_a_viseme_outside_the_alphabet_when_built_then_invalid_options() -> None:
    with pytest.raises(InvalidOptions):
        build_timeline([ev(0.0, "XX")], 0.0, 1.0, 25)


def test_given_a_bad_fps_when_built_then_invalid_options() -> None:
    with pytest.raises(InvalidOptions):
        build_timeline(SPEECH, 0.0, 1.0, 0)
