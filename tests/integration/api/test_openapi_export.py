"""``docs/openapi.json`` is the exported spec; this fails when it is stale.

Refresh it with ``python -m estudio.api.openapi docs/openapi.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from estudio.api.openapi import render_spec

SPEC = Path(__file__).parents[3] / "docs" / "openapi.json"


def test_given_the_app_when_its_spec_is_exported_then_the_committed_file_matches() -> None:
    fresh = render_spec()
    assert SPEC.is_file(), "run: python -m estudio.api.openapi docs/openapi.json"
    assert SPEC.read_text(encoding="utf-8") == fresh, (
        "docs/openapi.json is stale: run python -m estudio.api.openapi docs/openapi.json"
    )


def test_given_the_spec_then_every_operation_documents_its_problem_and_auth() -> None:
    spec = json.loads(render_spec())
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path in ("/v1/health", "/v1/files/{token}", "/v1/uploads/{token}"):
                continue
            assert operation.get("security"), (method, path)
