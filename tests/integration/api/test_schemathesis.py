"""Property-based requests generated from the OpenAPI document: no input makes the API answer 5xx.

Runs against the real app (SQLite, folder blobs, parser) in-process; bounded examples per route.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.api import create_app, create_key
from estudio.api.urls import UrlSigner
from estudio.settings import Settings
from tests.integration.api.conftest import SMALL_DECK, make_deck

_ROOT = Path(tempfile.mkdtemp(prefix="estudio-schemathesis-"))
_ITEMS = SqliteItemStore(_ROOT / "state.sqlite3")
_APP = create_app(
    _ITEMS,
    FolderBlobStore(_ROOT / "blobs"),
    settings=Settings(data=_ROOT),
    signer=UrlSigner(b"s" * 32),
)
_KEY = create_key(_ITEMS, "fuzz")
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@pytest.fixture(scope="module", autouse=True)
def _some_real_objects() -> None:
    """A project with a deck, so generated requests can also reach existing objects' code."""
    from fastapi.testclient import TestClient

    client = TestClient(_APP, headers={"Authorization": f"Bearer {_KEY}"})
    project = client.post("/v1/projects", json={"name": "fuzz"}).json()
    client.post(
        f"/v1/projects/{project['id']}/deck", files={"file": ("d.pptx", make_deck(SMALL_DECK))}
    )


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_given_generated_requests_when_sent_then_never_a_server_error(
    case: schemathesis.Case,
) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {_KEY}"}, checks=[not_a_server_error])
