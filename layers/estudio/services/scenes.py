"""A project's scenes as the studio shows them: the current script (the deck's, else the edit),
voice, the slide's picture, whether the scene plays and where, and how long it will take to say.

Edits live on the project item: ``scene_overrides`` by scene index (``script``, ``voice``,
``hidden``, who wrote the script) and ``scene_order`` (every scene index once, in play order;
absent: the deck's order). A render receives both folded into its scene overrides
(``render_overrides``); the parse stage leaves hidden scenes out and applies the order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from estudio.api.schemas import ScenePublic, SceneUpdate
from estudio.errors import ConcurrentUpdate, Conflict, InvalidSceneOrder, NotFound
from estudio.models import Deck
from estudio.ports import Item
from estudio.services.common import PROJECT_KIND, owned
from estudio.services.context import ApiServices
from estudio.speech.pauses import BLANK_LINE, PARAGRAPH_PAUSE_S, PAUSE_MARKUP, pause_seconds

IMAGE_LINK_S = 3600
SECONDS_PER_WORD = 0.35  # the offline voice, numbers read out included
SENTENCE_END_S = 0.9  # the pause after a sentence or a line
NARRATION_FIELDS = ("script", "voice")  # what makes a scene "edited"
WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"[.!?;:]+(?=\s|$)\s*|\n\s*")  # ".\n\n" is one end


def deck_of(services: ApiServices, project: Item) -> Deck:
    key = project.data.get("deck_model_key")
    if not key:
        raise Conflict("the project has no deck yet: upload one first")
    return Deck.model_validate_json(services.blobs.get_bytes(key))


def duration_estimate_s(script: str) -> float:
    """Seconds the script takes to say: ``SECONDS_PER_WORD`` a word, ``SENTENCE_END_S`` at each
    sentence end or line break, plus the pauses it asks for (``[pausa]``, blank lines). Fitted
    to the offline voice on the example deck (within about 1 s a scene); light and pure, so the
    app computes the same figure as the author types."""
    if not script.strip():
        return 0.0
    pauses = sum(pause_seconds(m) for m in PAUSE_MARKUP.finditer(script))
    pauses += PARAGRAPH_PAUSE_S * len(BLANK_LINE.findall(script.strip()))
    text = PAUSE_MARKUP.sub(" ", script).strip()
    words = len(WORD.findall(text))
    ends = len(SENTENCE_END.findall(text))
    return round(words * SECONDS_PER_WORD + ends * SENTENCE_END_S + pauses, 1)


def play_order(project: Item, deck: Deck) -> list[int]:
    """Every scene index once, in the order a render plays them."""
    indexes = [scene.index for scene in deck.scenes]
    stored = project.data.get("scene_order") or []
    if sorted(stored) == sorted(indexes):
        return [int(i) for i in stored]
    return indexes  # no order set, or one for another deck


def slide_image_key(project: Item, slide_number: int) -> str | None:
    """The slide's picture in the slide cache, stored on the project at upload."""
    images: Mapping[str, str] = project.data.get("slide_images") or {}
    return images.get(str(slide_number))


def scenes(
    services: ApiServices, tenant: str, project_id: str, base_url: str = ""
) -> list[ScenePublic]:
    project = owned(services.items, PROJECT_KIND, project_id, tenant)
    return scenes_of(services, project, deck_of(services, project), base_url)


def scenes_of(
    services: ApiServices, project: Item, deck: Deck, base_url: str = ""
) -> list[ScenePublic]:
    overrides: Mapping[str, Mapping[str, Any]] = project.data.get("scene_overrides") or {}
    positions = {index: at for at, index in enumerate(play_order(project, deck))}
    result = []
    for scene in deck.scenes:
        edit = overrides.get(str(scene.index), {})
        source = edit.get("script_source", "edited") if "script" in edit else scene.script_source
        written = [edit["writer_warning"]] if edit.get("writer_warning") else []
        script = edit.get("script", scene.script)
        result.append(
            ScenePublic(
                index=scene.index,
                slide_number=scene.slide_number,
                title=scene.title,
                script=script,
                script_source=source,
                voice=edit.get("voice"),
                edited=any(name in edit for name in NARRATION_FIELDS),
                warnings=scene.warnings + written,
                image_url=_image_url(services, project, scene.slide_number, base_url),
                hidden=bool(edit.get("hidden")),
                position=positions[scene.index],
                duration_estimate_s=duration_estimate_s(script),
            )
        )
    return result


def _image_url(services: ApiServices, project: Item, slide_number: int, base: str) -> str | None:
    key = slide_image_key(project, slide_number)
    if key is None:
        return None
    return slide_link(services, key, base, f"slide-{slide_number:04d}.png")


def slide_link(services: ApiServices, key: str, base: str, filename: str) -> str:
    """A link the browser can GET: signed local route (made absolute) or presigned URL."""
    url = services.blobs.download_url(key, expires_s=IMAGE_LINK_S, filename=filename)
    return base.rstrip("/") + url if url.startswith("/") else url


def edit_scene(
    services: ApiServices,
    tenant: str,
    project_id: str,
    index: int,
    body: SceneUpdate,
    base_url: str = "",
) -> ScenePublic:
    """Change one scene's narration, voice or visibility (an explicit null undoes the change)."""
    from estudio.services.renders import check_voice

    if "voice" in body.model_fields_set:
        check_voice(services, body.voice)
    for _ in range(20):
        project = owned(services.items, PROJECT_KIND, project_id, tenant)
        deck = deck_of(services, project)
        if not 0 <= index < len(deck.scenes):
            raise NotFound(f"scene {index} not found")
        overrides = dict(project.data.get("scene_overrides") or {})
        edit = dict(overrides.get(str(index), {}))
        for name in body.model_fields_set:
            value = getattr(body, name)
            if name == "script":  # the author's words now, whoever wrote them before
                edit.pop("script_source", None)
                edit.pop("writer_warning", None)
            if value is None or (name == "hidden" and value is False):
                edit.pop(name, None)
            else:
                edit[name] = value
        if edit:
            overrides[str(index)] = edit
        else:
            overrides.pop(str(index), None)
        try:
            updated = services.items.update(
                PROJECT_KIND,
                project_id,
                {"scene_overrides": overrides},
                expect_version=project.version,
            )
        except ConcurrentUpdate:
            continue
        return scenes_of(services, updated, deck, base_url)[index]
    raise ConcurrentUpdate("the project changed too often; try again")


def set_order(
    services: ApiServices, tenant: str, project_id: str, order: list[int], base_url: str = ""
) -> list[ScenePublic]:
    """Store the play order: ``order`` holds every scene index exactly once."""
    for _ in range(20):
        project = owned(services.items, PROJECT_KIND, project_id, tenant)
        deck = deck_of(services, project)
        indexes = [scene.index for scene in deck.scenes]
        if sorted(order) != indexes:
            raise InvalidSceneOrder(
                f"the order must list every scene index 0..{len(indexes) - 1} exactly once"
            )
        try:
            updated = services.items.update(
                PROJECT_KIND,
                project_id,
                {"scene_order": None if order == indexes else list(order)},
                expect_version=project.version,
            )
        except ConcurrentUpdate:
            continue
        listed = scenes_of(services, updated, deck, base_url)
        return sorted(listed, key=lambda scene: scene.position)
    raise ConcurrentUpdate("the project changed too often; try again")


def render_overrides(project: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The scene edits a render receives (from the project's data): the overrides (``hidden``
    included) with each scene's ``position`` when an order is set."""
    overrides = {k: dict(v) for k, v in (project.get("scene_overrides") or {}).items()}
    for at, index in enumerate(project.get("scene_order") or []):
        overrides.setdefault(str(index), {})["position"] = at
    return overrides
