"""``/v1/brand``: assets uploaded and validated, the tenant's kit, a project's own kit over it,
carried into the render's options; another tenant's assets and bad files refused."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from httpx import Response
from PIL import Image

from estudio.jobs import Job
from tests.integration.api.conftest import Env, deck_bytes, env, new_project_with_deck

__all__ = ["deck_bytes", "env"]  # the API tests' fixtures, used here by name


def _png(color: tuple[int, int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (120, 60), color).save(out, format="PNG")
    return out.getvalue()


def _upload(client: TestClient, name: str, data: bytes) -> Response:
    return client.post("/v1/brand/assets", files={"file": (name, data, "application/octet-stream")})


def test_a_tenant_kit_and_a_project_override_reach_the_render(env: Env, deck_bytes: bytes) -> None:
    client = env.client("acme")
    assert client.get("/v1/brand").status_code == 404
    # Given an uploaded logo and the tenant's kit naming it
    logo = _upload(client, "logo.png", _png((255, 0, 255, 255)))
    assert logo.status_code == 201, logo.text
    asset = logo.json()["asset_id"]
    assert logo.json()["kind"] == "image" and asset.endswith(".png")
    kit = {"logo": {"path": asset, "corner": "top-left"}, "template": "minimal"}
    put = client.put("/v1/brand", json=kit)
    assert put.status_code == 200, put.text
    assert client.get("/v1/brand").json()["logo"] == {
        "path": asset,
        "corner": "top-left",
        "width": 0.12,
        "margin": 0.03,
        "on_cards": True,
    }
    project = new_project_with_deck(client, deck_bytes)
    # When a render starts / Then it carries the tenant's kit, the logo as a blob key
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    options = Job.from_item(env.items.get("job", render["id"])).options
    assert options.brand is not None and options.brand.template == "minimal"
    assert options.brand.logo is not None and env.blobs.exists(options.brand.logo.path)
    # And a project's own kit wins over the tenant's
    own = client.put(f"/v1/projects/{project['id']}/brand", json={"template": "tech"})
    assert own.status_code == 200
    assert client.get(f"/v1/projects/{project['id']}/brand").json()["template"] == "tech"
    render = client.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    options = Job.from_item(env.items.get("job", render["id"])).options
    assert options.brand is not None and options.brand.template == "tech"


def test_bad_assets_and_other_tenants_assets_are_refused(env: Env) -> None:
    acme, other = env.client("acme"), env.client("other")
    asset = _upload(acme, "logo.png", _png((0, 128, 0, 255))).json()["asset_id"]
    # Another tenant cannot name acme's asset
    refused = other.put("/v1/brand", json={"logo": {"path": asset}})
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_brand_asset"
    # A JPEG is not a logo, a text file is not music, a kit of the wrong shape is refused
    jpeg = io.BytesIO()
    Image.new("RGB", (120, 60), (1, 2, 3)).save(jpeg, format="JPEG")
    for name, data in (("logo.png", jpeg.getvalue()), ("bed.mp3", b"la la la"), ("x.exe", b"MZ")):
        bad = _upload(acme, name, data)
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_brand_asset", name
    shape = acme.put("/v1/brand", json={"template": "baroque"})
    assert shape.status_code == 422 and shape.json()["code"] == "invalid_brand_asset"
    # A logo asset cannot stand in for music
    wrong = acme.put("/v1/brand", json={"music": {"path": asset}})
    assert wrong.status_code == 422 and "not audio" in wrong.json()["detail"]


def test_a_project_kit_needs_the_project_and_a_body(env: Env, deck_bytes: bytes) -> None:
    acme, other = env.client("acme"), env.client("other")
    project = new_project_with_deck(acme, deck_bytes)
    path = f"/v1/projects/{project['id']}/brand"
    assert other.put(path, json={"template": "tech"}).status_code == 404
    assert other.get(path).status_code == 404
    assert acme.get(path).status_code == 404  # no kit anywhere yet
    missing = acme.put(path)
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_input"
