"""Export and erasure against the cloud adapters (moto DynamoDB and S3): the same application
code as locally, through the same ports. After the erasure a table scan and a listing of every
version in every bucket (the dropbox's included) find nothing of the tenant."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from estudio.adapters.aws.context import cached_adapters, get_cloud_settings, stage_settings
from estudio.adapters.aws.webhooks import cloud_webhooks
from estudio.api.app import create_app
from estudio.api.keys import create_key
from estudio.constants import ENV_DROPBOX_BUCKET
from tests.integration.api.conftest import SMALL_DECK, make_deck
from tests.integration.aws.conftest import FakeCloud


def _app() -> Any:
    adapters = cached_adapters()
    return create_app(
        adapters.items,
        adapters.blobs,
        adapters.orchestrator,
        stage_settings(adapters),
        webhooks=cloud_webhooks(adapters),
        jobs=adapters.jobs,
    ), adapters


def _client(app: Any, items: Any, tenant: str) -> TestClient:
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {create_key(items, tenant)}"
    return client


def _table(cloud: FakeCloud) -> list[tuple[str, str]]:
    scan = cloud.session.resource("dynamodb").Table(cloud.table).scan()
    return sorted((str(i["pk"]), str(i["tenant"])) for i in scan["Items"])


def _objects(cloud: FakeCloud) -> set[str]:
    """Every stored version and delete marker in every bucket: what "nothing stays" means on
    versioned buckets."""
    s3 = cloud.client("s3")
    found = set()
    for bucket in (cloud.artifacts, cloud.outputs, cloud.uploads, cloud.dropbox):
        listed = s3.list_object_versions(Bucket=bucket)
        for entry in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]:
            found.add(f"{bucket}/{entry['Key']}@{entry['VersionId']}")
    return found


def _versioned(cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """Versioning on, as deployed (stacks/storage.py), and the tenant function's dropbox route."""
    s3 = cloud.client("s3")
    for bucket in (cloud.artifacts, cloud.outputs, cloud.uploads):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    monkeypatch.setenv(ENV_DROPBOX_BUCKET, cloud.dropbox)
    get_cloud_settings.cache_clear()
    cached_adapters.cache_clear()


def test_given_a_cloud_tenant_when_exported_and_erased_then_the_zip_has_it_and_nothing_stays(
    cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    _versioned(cloud, monkeypatch)
    app, adapters = _app()
    deck = make_deck(SMALL_DECK)
    other = _client(app, adapters.items, "beta")
    kept = other.post("/v1/projects", json={"name": "Fica"}).json()
    table_before, objects_before = _table(cloud), _objects(cloud)

    acme = _client(app, adapters.items, "acme")
    project = acme.post("/v1/projects", json={"name": "Aula – NR-10"}).json()
    uploaded = acme.post(f"/v1/projects/{project['id']}/deck", files={"file": ("Ação.pptx", deck)})
    assert uploaded.status_code == 200, uploaded.text
    acme.post("/v1/webhooks", json={"url": "https://example.com/hook", "events": ["deck.parsed"]})
    render = acme.post(f"/v1/projects/{project['id']}/renders", json={}).json()
    video = f"jobs/{render['id']}/out/video.mp4"
    adapters.blobs.put_bytes(video, b"\x00\x00\x00\x18ftypmp42")
    adapters.blobs.put_bytes(f"jobs/{render['id']}/segments/0000.mp4", b"seg")
    adapters.jobs.succeed(render["id"], {"video.mp4": video}, 1.0)
    s3 = cloud.client("s3")
    for body in (b"PK\x03\x04first", b"PK\x03\x04second"):  # a re-drop: two versions
        s3.put_object(Bucket=cloud.dropbox, Key="dropbox/acme/rh/aula.pptx", Body=body)
    s3.put_object(Bucket=cloud.dropbox, Key="dropbox/acme/rh/outgoing/aula/error.json", Body=b"{}")
    adapters.blobs.put_bytes(video, b"\x00\x00\x00\x18ftypmp42 again")  # an older version

    exported = acme.get("/v1/tenant/export", follow_redirects=False)
    assert exported.status_code == 303
    assert "X-Amz-Expires=900" in exported.headers["location"]
    [zip_key] = adapters.blobs.list("exports/acme/")
    archive = zipfile.ZipFile(io.BytesIO(adapters.blobs.get_bytes(zip_key)))
    names = set(archive.namelist())
    assert f"projects/{project['id']}/deck/Ação.pptx" in names
    assert f"renders/{render['id']}/video.mp4" in names
    assert "secret" not in json.loads(archive.read("webhooks.json"))[0]
    assert any(name.endswith("rh/aula.pptx") for name in names), sorted(names)

    erased = acme.request("DELETE", "/v1/tenant", json={"confirm": "acme"})

    assert erased.status_code == 204, erased.text
    assert acme.get("/v1/projects").status_code == 401
    assert _table(cloud) == table_before
    assert _objects(cloud) == objects_before
    assert other.get(f"/v1/projects/{kept['id']}").status_code == 200
