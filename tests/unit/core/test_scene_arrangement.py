"""The parse stage's scene edits: hidden scenes left out, the project's order applied, scenes
renumbered in play order (the Map stages index scenes by position)."""

from __future__ import annotations

import pytest

from estudio.errors import EmptyDeck
from estudio.models import Deck, Scene
from estudio.pipeline.messages import JobInput
from estudio.pipeline.stages import _apply_overrides


def _deck(count: int) -> Deck:
    scenes = [
        Scene(
            index=i, slide_number=i + 1, title=f"S{i}", script=f"Cena {i}.", script_source="notes"
        )
        for i in range(count)
    ]
    return Deck(
        source_name="d.pptx",
        slide_width_emu=16,
        slide_height_emu=9,
        slide_count=count,
        language="pt-BR",
        scenes=scenes,
    )


def _job(edits: dict) -> JobInput:  # type: ignore[type-arg]
    return JobInput.model_validate({"job_id": "j", "deck_key": "k", "scene_overrides": edits})


def test_given_order_and_hidden_edits_then_scenes_follow_them_renumbered() -> None:
    deck = _deck(4)
    edits = {
        "0": {"position": 3},
        "1": {"position": 0, "script": "Nova."},
        "2": {"position": 1, "hidden": True},
        "3": {"position": 2},
    }
    arranged = _apply_overrides(deck, _job(edits))
    assert [(s.index, s.title, s.slide_number) for s in arranged.scenes] == [
        (0, "S1", 2),
        (1, "S3", 4),
        (2, "S0", 1),
    ]
    assert arranged.scenes[0].script == "Nova." and arranged.scenes[0].script_source == "edited"


def test_given_only_script_edits_then_the_deck_order_is_kept() -> None:
    arranged = _apply_overrides(_deck(3), _job({"1": {"script": "Outra."}}))
    assert [s.title for s in arranged.scenes] == ["S0", "S1", "S2"]
    assert [s.index for s in arranged.scenes] == [0, 1, 2]


def test_given_every_scene_hidden_then_empty_deck() -> None:
    with pytest.raises(EmptyDeck):
        _apply_overrides(_deck(2), _job({"0": {"hidden": True}, "1": {"hidden": True}}))
