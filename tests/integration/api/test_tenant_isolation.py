"""Every route that names an object answers 404 to another tenant, exactly as for a missing id.

The route table is read from the app's OpenAPI document, so a new route is covered by itself.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from tests.integration.api.conftest import Env, Receiver, new_project_with_deck

# Routes whose grant is a signed link rather than an API key (tested in their own files), and
# the catalog's presenter pictures (the same for every tenant; their project_id is tested below).
SIGNED_LINK_ROUTES = {"/v1/files/{token}", "/v1/uploads/{token}", "/v1/avatars/{avatar_id}/image"}
BODIES = {
    ("PATCH", "/v1/projects/{project_id}"): {"name": "stolen"},
    ("PATCH", "/v1/projects/{project_id}/scenes/{index}"): {"script": "stolen"},
    ("PUT", "/v1/projects/{project_id}/scenes/order"): {"order": [1, 0]},
    ("POST", "/v1/projects/{project_id}/renders"): {},
    ("POST", "/v1/projects/{project_id}/deck"): {"filename": "x.pptx"},
    ("POST", "/v1/projects/{project_id}/deck/complete"): {"upload_id": "upl_" + "0" * 20},
}


def _owned_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every documented route with a path parameter, from the OpenAPI table."""
    routes: list[tuple[str, str]] = []
    for path, operations in app.openapi()["paths"].items():
        if "{" in path and path not in SIGNED_LINK_ROUTES:
            routes.extend((method.upper(), path) for method in operations)
    return sorted(routes)


@pytest.fixture
def owned(env: Env, deck_bytes: bytes, receiver: Receiver) -> dict[str, str]:
    """Objects of tenant "acme", one of each kind the routes name."""
    acme = env.client("acme")
    project = new_project_with_deck(acme, deck_bytes)
    hook = acme.post("/v1/webhooks", json={"url": receiver.url, "events": ["render.queued"]}).json()
    render = acme.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    env.app.state.services.webhooks.deliver_due()
    delivery = acme.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["items"][0]
    return {
        "project_id": project["id"],
        "index": "0",
        "render_id": render["id"],
        "webhook_id": hook["id"],
        "delivery_id": delivery["id"],
        "key_id": acme.post("/v1/keys", json={"label": "parceiro"}).json()["id"],
    }


def test_given_the_route_table_then_every_owned_route_has_an_isolation_case(env: Env) -> None:
    routes = _owned_routes(env.app)
    assert len(routes) >= 14
    names = {n for _, path in routes for n in re.findall(r"{(\w+)}", path)}
    assert names <= {"project_id", "index", "render_id", "webhook_id", "delivery_id", "key_id"}


def test_given_another_tenants_ids_when_calling_every_route_then_404_and_nothing_changes(
    env: Env, owned: dict[str, str]
) -> None:
    intruder = env.client("globex")
    acme = env.client("acme")
    before = acme.get(f"/v1/projects/{owned['project_id']}").json()
    checked = []
    for method, path in _owned_routes(env.app):
        url = path.format(**owned)
        body = BODIES.get((method, path))
        response = intruder.request(method, url, json=body)
        assert response.status_code == 404, (method, path, response.status_code, response.text)
        assert response.json()["code"] == "not_found", (method, path)
        checked.append((method, path))
    assert len(checked) == len(_owned_routes(env.app))
    # Nothing of acme's was touched by the attempts.
    assert acme.get(f"/v1/projects/{owned['project_id']}").json() == before
    assert acme.get(f"/v1/renders/{owned['render_id']}").json()["status"] == "queued"
    assert acme.get(f"/v1/webhooks/{owned['webhook_id']}").status_code == 200
    assert len(acme.get("/v1/renders").json()["items"]) == 1
    assert not any(key["revoked"] for key in acme.get("/v1/keys").json())
    stolen = intruder.get(f"/v1/avatars/ana/image?project_id={owned['project_id']}")
    assert stolen.status_code == 404  # another tenant's first slide is not drawn for it


def test_given_two_tenants_when_listing_then_each_sees_only_its_own(
    env: Env, owned: dict[str, str]
) -> None:
    intruder = env.client("globex")
    for path in ("/v1/projects", "/v1/renders", "/v1/webhooks"):
        assert intruder.get(path).json()["items"] == [], path
