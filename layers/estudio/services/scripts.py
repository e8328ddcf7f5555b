"""Scripts written for a project's scenes before rendering, stored on the scenes like an edit so
the author reads and corrects them first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from estudio.api.schemas import ScenePublic, ScriptsWrite
from estudio.errors import ConcurrentUpdate
from estudio.observability import logger
from estudio.services.common import PROJECT_KIND, owned
from estudio.services.context import ApiServices
from estudio.services.glossary import render_glossary
from estudio.services.scenes import deck_of, scenes


def write_project_scripts(
    services: ApiServices, tenant: str, project_id: str, body: ScriptsWrite
) -> list[ScenePublic]:
    """Write the scenes' narration now; scripts the author edited stay unless ``overwrite``."""
    from estudio.script.factory import Writers
    from estudio.script.rules import RulesWriter
    from estudio.script.service import write_scripts

    project = owned(services.items, PROJECT_KIND, project_id, tenant)
    deck = deck_of(services, project)
    overrides: Mapping[str, Mapping[str, Any]] = project.data.get("scene_overrides") or {}
    if not body.overwrite:  # the author's own edits are kept: the writer skips them
        deck = deck.model_copy(
            update={
                "scenes": [
                    scene.model_copy(update={"script_source": "edited"})
                    if _hand_edited(overrides.get(str(scene.index), {}))
                    else scene
                    for scene in deck.scenes
                ]
            }
        )
    terms = [e["term"] for e in render_glossary(services, tenant, project.data.get("glossary"))]
    writers = services.writers or Writers(rules=RulesWriter())
    written = write_scripts(
        deck,
        body.script,
        writers,
        deck.language,
        glossary_terms=terms,
        max_chars=services.settings.limits.max_script_chars,
    )
    changes: dict[str, dict[str, Any]] = {}
    for before, after in zip(deck.scenes, written.scenes, strict=True):
        if after.script_source.startswith("writer:"):
            warning = next((w for w in after.warnings if w not in before.warnings), None)
            changes[str(after.index)] = {
                "script": after.script,
                "script_source": after.script_source,
                "writer_warning": warning,
            }
    for _ in range(20):
        project = owned(services.items, PROJECT_KIND, project_id, tenant)
        current = dict(project.data.get("scene_overrides") or {})
        for index, change in changes.items():
            edit = dict(current.get(index, {}))
            if _hand_edited(edit) and not body.overwrite:
                continue  # edited by hand meanwhile
            edit.update({k: v for k, v in change.items() if v is not None})
            if change["writer_warning"] is None:
                edit.pop("writer_warning", None)
            current[index] = edit
        try:
            services.items.update(
                PROJECT_KIND,
                project_id,
                {"scene_overrides": current},
                expect_version=project.version,
            )
        except ConcurrentUpdate:
            continue
        logger.info("scripts written", project_id=project_id, tenant=tenant, scenes=len(changes))
        return scenes(services, tenant, project_id)
    raise ConcurrentUpdate("the project changed too often; try again")


def _hand_edited(edit: Mapping[str, Any]) -> bool:
    return "script" in edit and not str(edit.get("script_source", "")).startswith("writer:")
