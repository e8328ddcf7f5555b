"""Re-render only what changed (docs/adr/0013): after one scene's script is edited, that scene
is spoken and encoded again and every other scene's speech, segment and narration piece is
reused byte for byte; a changed option invalidates what it changes. Real LibreOffice, espeak-ng
and ffmpeg through the local runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from estudio.deck.samples import make_benchmark_deck
from estudio.local import local_context
from estudio.models import RenderOptions
from estudio.pipeline import keys
from estudio.pipeline.context import StageContext
from estudio.pipeline.runner import run_job
from estudio.settings import Settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("soffice") and shutil.which("pdftoppm")),
        reason="LibreOffice and poppler-utils are needed",
    ),
]
SCENES = 4
EDITED = 1


def _render(
    ctx: StageContext, deck: Path, job_id: str, options: RenderOptions, **extra: Any
) -> None:
    ctx.blobs.put_file(keys.deck(job_id), deck)
    ctx.jobs.create(job_id, "acme", keys.deck(job_id), deck.name, options)
    options_json = options.model_dump(mode="json")
    payload = {"job_id": job_id, "deck_key": keys.deck(job_id), "options": options_json, **extra}
    run_job(ctx, payload)
    assert ctx.jobs.get(job_id).status == "succeeded"


def _reused(ctx: StageContext, job_id: str) -> list[bool]:
    return [
        json.loads(ctx.blobs.get_bytes(keys.segment_info(job_id, i)))["reused"]
        for i in range(SCENES)
    ]


def _same(ctx: StageContext, a: str, b: str, key: Any, index: int) -> bool:
    return bool(ctx.blobs.get_bytes(key(a, index)) == ctx.blobs.get_bytes(key(b, index)))


def _pieces(ctx: StageContext) -> set[str]:
    return {k for k in ctx.blobs.list("cache/segments/acme/aac/") if "/track-" not in k}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[StageContext, Path, set[str]]:
    work = tmp_path_factory.mktemp("rerender")
    deck = make_benchmark_deck(work / "deck.pptx", SCENES, seconds_per_slide=2.0)
    ctx = local_context(Settings(data=work / "data"))
    _render(ctx, deck, "first", RenderOptions(preset="720p"))
    return ctx, deck, _pieces(ctx)


def test_given_one_edited_scene_when_rendered_again_then_only_that_scene_is_made_anew(
    rendered: tuple[StageContext, Path, set[str]],
) -> None:
    ctx, deck, pieces_before = rendered
    # When the same deck is rendered with scene 1's script edited (as the API sends an edit)
    edit = {EDITED: {"script": "Um texto novo, escrito pelo autor, para esta cena."}}
    _render(ctx, deck, "edited", RenderOptions(preset="720p"), scene_overrides=edit)

    # Then the edited scene's speech, captions and segment are new; every other scene's are the
    # first render's bytes, reused from the caches
    assert _reused(ctx, "edited") == [i != EDITED for i in range(SCENES)]
    for i in range(SCENES):
        assert _same(ctx, "first", "edited", keys.speech_audio, i) == (i != EDITED)
        assert _same(ctx, "first", "edited", keys.segment, i) == (i != EDITED)
    vtt = ctx.blobs.get_bytes(keys.output("edited", "subtitles.vtt")).decode()
    assert "Um texto novo" in vtt
    assert (
        "Um texto novo" not in ctx.blobs.get_bytes(keys.output("first", "subtitles.vtt")).decode()
    )
    # And the narration encoded one new piece: the edited scene's
    assert len(_pieces(ctx) - pieces_before) == 1
    manifest = json.loads(ctx.blobs.get_bytes(keys.output("edited", "manifest.json")))
    assert manifest["scenes"][EDITED]["script"].startswith("Um texto novo")
    assert manifest["job_id"] == "edited"


def test_given_nothing_changed_when_rendered_again_then_everything_is_reused(
    rendered: tuple[StageContext, Path, set[str]],
) -> None:
    ctx, deck, _ = rendered
    before = _pieces(ctx)
    _render(ctx, deck, "same", RenderOptions(preset="720p"))
    assert _reused(ctx, "same") == [True] * SCENES
    assert _pieces(ctx) == before
    for name in ("subtitles.vtt", "thumbnail.jpg"):
        first = ctx.blobs.get_bytes(keys.output("first", name))
        assert first == ctx.blobs.get_bytes(keys.output("same", name))
    first_track = ctx.blobs.get_bytes(keys.narration("first"))
    assert first_track == ctx.blobs.get_bytes(keys.narration("same"))


def test_given_burned_subtitles_when_rendered_again_then_every_segment_is_encoded_anew(
    rendered: tuple[StageContext, Path, set[str]],
) -> None:
    ctx, deck, _ = rendered
    before = _pieces(ctx)
    _render(ctx, deck, "burned", RenderOptions(preset="720p", subtitles="burn"))
    assert _reused(ctx, "burned") == [False] * SCENES  # the captions are in the picture now
    assert _pieces(ctx) == before  # the voice did not change: the narration pieces did not
    for i in range(SCENES):
        assert _same(ctx, "first", "burned", keys.speech_audio, i)


def test_given_another_voice_when_rendered_again_then_every_scene_is_spoken_and_encoded_anew(
    rendered: tuple[StageContext, Path, set[str]],
) -> None:
    ctx, deck, _ = rendered
    before = _pieces(ctx)
    _render(ctx, deck, "voiced", RenderOptions(preset="720p", voice="espeak:pt"))
    for i in range(SCENES):
        assert not _same(ctx, "first", "voiced", keys.speech_audio, i)
    assert len(_pieces(ctx) - before) == SCENES  # each scene's narration piece is new
