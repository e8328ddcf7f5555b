"""The API functions in the cloud: one handler, one route group each (``ESTUDIO_API_GROUP``),
driven with API Gateway v2 events through Mangum against moto."""

from __future__ import annotations

import copy
import json
import sys
from typing import Any

import pytest

from estudio.adapters.aws.context import cached_adapters
from estudio.api.groups import GROUP_ENV
from estudio.api.keys import create_key
from tests.events.loader import FakeLambdaContext, load_event, load_handler
from tests.integration.aws.conftest import FakeCloud


def _get(handler: Any, path: str, key: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("apigw_http_get_health"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["routeKey"] = f"GET {path}"
    event["headers"]["authorization"] = f"Bearer {key}"
    response: dict[str, Any] = handler.handler(event, FakeLambdaContext())
    return response


def test_given_the_catalog_function_when_asked_then_it_serves_its_routes_and_no_others(
    cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = create_key(cached_adapters().items, "acme", label="ci")
    monkeypatch.setenv(GROUP_ENV, "catalog")
    for name in [m for m in sys.modules if m.startswith("estudio.api.routers.")]:
        monkeypatch.delitem(sys.modules, name)
    handler = load_handler("api")

    avatars = _get(handler, "/v1/avatars", key)
    assert avatars["statusCode"] == 200, avatars
    assert {a["id"] for a in json.loads(avatars["body"])} >= {"ana", "bruno"}
    assert _get(handler, "/v1/projects", key)["statusCode"] == 404
    assert _get(handler, "/v1/health", key)["statusCode"] == 404
    loaded = {m.rsplit(".", 1)[-1] for m in sys.modules if m.startswith("estudio.api.routers.")}
    assert loaded == {"catalog", "glossary"}  # this group's routers only


def test_given_no_group_when_asked_then_the_one_function_serves_every_route(
    cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = create_key(cached_adapters().items, "acme", label="ci")
    monkeypatch.delenv(GROUP_ENV, raising=False)
    handler = load_handler("api")
    assert _get(handler, "/v1/avatars", key)["statusCode"] == 200
    projects = _get(handler, "/v1/projects", key)
    assert projects["statusCode"] == 200, projects
    assert json.loads(projects["body"])["items"] == []
