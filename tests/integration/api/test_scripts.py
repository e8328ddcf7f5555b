"""Writing the narration through the API before rendering: the written script is stored on the
scene like an edit, can be read and corrected, and is what the render receives."""

from __future__ import annotations

import io
from pathlib import Path

from pptx import Presentation

from estudio.jobs import Job
from estudio.pipeline.messages import JobInput
from estudio.services.renders import job_payload

from .conftest import Env, new_project_with_deck


def notesless_deck() -> bytes:
    """Slide 1 has notes; slides 2 and 3 only text, with a URL and a command."""
    prs = Presentation()
    first = prs.slides.add_slide(prs.slide_layouts[1])
    first.shapes.title.text = "Boas-vindas"
    first.placeholders[1].text = "Curso de redes"
    first.notes_slide.notes_text_frame.text = "Olá! Vamos começar."
    for title, lines in [
        ("Material de apoio", ["Veja https://github.com/exemplo/aulas/tree/main", "Leia o guia"]),
        ("Instalação", ["Instale o pacote:", "sudo apt-get install wireshark"]),
    ]:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = lines[0]
        for line in lines[1:]:
            body.add_paragraph().text = line
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def test_given_a_notesless_deck_when_scripts_are_written_then_they_are_stored_and_editable(
    env: Env,
) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, notesless_deck())
    base = f"/v1/projects/{project['id']}"

    response = client.post(f"{base}/scripts", json={"script": "auto"})

    assert response.status_code == 200, response.text
    scenes = response.json()
    assert [s["script_source"] for s in scenes] == ["notes", "writer:rules", "writer:rules"]
    assert scenes[1]["script"] == (
        "Material de apoio.\n\nVeja: uma página de github.com. Leia o guia."
    )
    assert scenes[2]["script"] == "Instalação.\n\nInstale o pacote: o comando está no slide."
    assert client.get(f"{base}/scenes").json() == scenes  # stored, not recomputed
    assert client.get(base).json()["edited_scenes"] == [1, 2]

    # the author corrects one: it becomes their edit, and writing again leaves it alone
    fixed = client.patch(f"{base}/scenes/2", json={"script": "Instale com o comando do slide."})
    assert fixed.json()["script_source"] == "edited"
    again = client.post(f"{base}/scripts").json()
    assert again[2]["script"] == "Instale com o comando do slide."
    assert again[2]["script_source"] == "edited"
    overwritten = client.post(f"{base}/scripts", json={"overwrite": True}).json()
    assert overwritten[2]["script_source"] == "writer:rules"

    # the render gets the written script and says who wrote it
    render = client.post(f"{base}/renders", json={"script": "auto"}).json()
    assert render["options"]["script"] == "auto"
    stored = env.items.get("job", render["id"])
    payload = JobInput.model_validate(
        job_payload(Job.from_item(stored), stored.data.get("scene_overrides"))
    )
    assert payload.scene_overrides[1].script_source == "writer:rules"
    assert payload.scene_overrides[1].script == overwritten[1]["script"]


def test_given_no_llm_when_rewrite_is_asked_then_409_writer_unavailable(env: Env) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, notesless_deck())

    response = client.post(f"/v1/projects/{project['id']}/scripts", json={"script": "rewrite"})

    assert response.status_code == 409
    assert response.json()["code"] == "writer_unavailable"
    scenes = client.get(f"/v1/projects/{project['id']}/scenes").json()
    assert [s["script_source"] for s in scenes] == ["notes", "slide_text", "slide_text"]
    render = client.post(f"/v1/projects/{project['id']}/renders", json={"script": "rewrite"})
    assert render.status_code == 409 and render.json()["code"] == "writer_unavailable"


def test_given_a_bad_script_mode_when_rendering_then_422(env: Env) -> None:
    client = env.client("acme")
    project = new_project_with_deck(client, notesless_deck())

    response = client.post(f"/v1/projects/{project['id']}/renders", json={"script": "magic"})

    assert response.status_code == 422


def test_given_a_sidecar_with_a_script_mode_when_dropped_then_the_render_uses_it(
    env: Env, tmp_path: Path
) -> None:
    import json

    from estudio.api.keys import create_key
    from estudio.dropbox import DropFolder

    create_key(env.items, "acme")  # the drop folder takes decks of known tenants only
    root = tmp_path / "drop"
    (root / "acme").mkdir(parents=True)
    (root / "acme" / "aula.pptx").write_bytes(notesless_deck())
    (root / "acme" / "aula.json").write_text(json.dumps({"script": "notes"}))
    drop = DropFolder(root, env.app.state.services, settle_s=2.0)

    drop.scan(now=0.0)
    [job_id] = drop.scan(now=5.0)

    assert env.app.state.services.jobs.get(job_id).options.script == "notes"
