"""How much a translated text shrinks: nothing when it still fits, in 5 % steps when it would
overflow its box, never below the floor; by its growth when there is no box to measure."""

from __future__ import annotations

from estudio.deck.translate import MIN_SCALE, estimated_height_pt, shrink_scale

BOX = (200.0, 60.0)  # points: about 16 characters a line at 24 pt, two lines of 24 pt


def test_given_a_translation_that_fits_then_no_shrink() -> None:
    assert shrink_scale(["Desligue o disjuntor"], ["Switch it off"], 24.0, BOX) == 1.0


def test_given_a_longer_translation_then_it_shrinks_until_it_fits_or_the_floor() -> None:
    before, after = ["Desligue o disjuntor"], ["Switch off the main circuit breaker now"]
    scale = shrink_scale(before, after, 24.0, BOX)
    assert MIN_SCALE <= scale < 1.0
    room = max(BOX[1], estimated_height_pt(before, 24.0, BOX[0]))
    assert estimated_height_pt(after, 24.0 * scale, BOX[0]) <= room
    runaway = ["a very long translation " * 20]
    assert shrink_scale(before, runaway, 24.0, BOX) == MIN_SCALE


def test_given_no_box_then_the_growth_decides() -> None:
    assert shrink_scale(["abcdefghij"], ["abcdefghijk"], 18.0, None) == 1.0  # within 15 %
    assert shrink_scale(["abcd"], ["abcdefgh"], 18.0, None) == 0.71  # 1 / sqrt(2), rounded
