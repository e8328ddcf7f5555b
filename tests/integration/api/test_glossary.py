"""Pronunciation glossaries: the tenant's, under each project's, carried into the render."""

from __future__ import annotations

from estudio.jobs import Job
from estudio.pipeline.messages import JobInput
from estudio.services.renders import job_payload
from tests.integration.api.conftest import Env, new_project_with_deck


def test_given_tenant_and_project_glossaries_when_rendering_then_the_project_wins(
    env: Env, deck_bytes: bytes
) -> None:
    client = env.client("acme")
    put = client.put(
        "/v1/glossary",
        json={
            "entries": [
                {"term": "EPI", "spoken": "equipamento de proteção"},
                {"term": "CIPA", "spoken": "comissão interna"},
            ]
        },
    )
    assert put.status_code == 200
    project = new_project_with_deck(client, deck_bytes)
    patched = client.patch(
        f"/v1/projects/{project['id']}",
        json={
            "glossary": [
                {"term": "EPI", "spoken": "é pê í do projeto"},
            ]
        },
    )
    assert patched.json()["glossary"][0]["spoken"] == "é pê í do projeto"
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()

    job_item = env.items.get("job", render["id"])
    spoken = {e["term"]: e["spoken"] for e in job_item.data["glossary"]}
    assert spoken == {"EPI": "é pê í do projeto", "CIPA": "comissão interna"}
    payload = job_payload(Job.from_item(job_item), None, job_item.data["glossary"])
    assert len(JobInput.model_validate(payload).glossary) == 2


def test_given_a_tenant_glossary_then_another_tenant_does_not_see_it(env: Env) -> None:
    env.client("acme").put("/v1/glossary", json={"entries": [{"term": "X", "spoken": "xis"}]})
    assert env.client("other").get("/v1/glossary").json() == {"entries": []}


def test_given_a_malformed_glossary_then_422(env: Env) -> None:
    response = env.client("acme").put("/v1/glossary", json={"entries": [{"term": ""}]})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
