"""A browser upload through the API Lambda on moto: the presigned PUT names the uploads bucket
(the one with the web app's CORS rule), the bytes PUT there reach ``deck/complete``."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any
from urllib.parse import urlsplit

import requests

from estudio.adapters.aws.context import cached_adapters
from estudio.api.keys import create_key
from tests.events.loader import PROJECT_ROOT, FakeLambdaContext, load_event, load_handler
from tests.integration.aws.conftest import FakeCloud

DECK = PROJECT_ROOT / "examples" / "nr10-seguranca-eletrica.pptx"


def _request(
    key: str, method: str, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An API Gateway HTTP API (v2) event as the authorizer lets it through for ``acme``."""
    event = copy.deepcopy(load_event("apigw_http_get_health"))
    event["headers"]["authorization"] = f"Bearer {key}"
    event["rawPath"] = path
    event["requestContext"]["http"].update(method=method, path=path)
    if body is not None:
        event["headers"]["content-type"] = "application/json"
        event["body"] = json.dumps(body)
    return event


def _call(handler: Any, key: str, method: str, path: str, body: Any = None) -> Any:
    response = handler(_request(key, method, path, body), FakeLambdaContext())
    raw = response["body"]
    if response.get("isBase64Encoded"):
        raw = base64.b64decode(raw)
    return response["statusCode"], json.loads(raw)


def test_given_an_upload_ticket_when_the_browser_puts_the_deck_then_complete_parses_it(
    cloud: FakeCloud,
) -> None:
    api_key = create_key(cached_adapters().items, "acme", "browser")
    api = load_handler("api").handler
    status, project = _call(api, api_key, "POST", "/v1/projects", {"name": "NR-10 básico"})
    assert status == 201, project
    project_id = project["id"]

    status, ticket = _call(
        api, api_key, "POST", f"/v1/projects/{project_id}/deck", {"filename": "nr10.pptx"}
    )
    assert status == 201, ticket
    url = urlsplit(ticket["upload_url"])
    assert url.hostname is not None and url.hostname.startswith(f"{cloud.uploads}.s3.")
    object_key = url.path.lstrip("/")
    assert object_key.startswith("uploads/")

    put = requests.put(ticket["upload_url"], data=DECK.read_bytes(), timeout=30)
    assert put.status_code == 200, put.text
    s3 = cloud.client("s3")
    assert (
        s3.head_object(Bucket=cloud.uploads, Key=object_key)["ContentLength"] == DECK.stat().st_size
    )
    listed = s3.list_objects_v2(Bucket=cloud.artifacts, Prefix=f"projects/{project_id}/uploads/")
    assert listed.get("KeyCount", 0) == 0

    status, done = _call(
        api,
        api_key,
        "POST",
        f"/v1/projects/{project_id}/deck/complete",
        {"upload_id": ticket["upload_id"]},
    )

    assert status == 200, done
    assert done["deck"]["scene_count"] > 0
    assert s3.list_objects_v2(Bucket=cloud.uploads, Prefix=object_key).get("KeyCount", 0) == 0
