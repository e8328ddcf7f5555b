"""Export the API's OpenAPI document: ``python -m estudio.api.openapi docs/openapi.json``.

A test compares the committed file with a fresh export and fails when it is stale.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from estudio.adapters.local import FolderBlobStore, SqliteItemStore
from estudio.api.app import create_app
from estudio.api.urls import UrlSigner
from estudio.settings import Settings


def build_spec() -> dict[str, Any]:
    """The spec of the local-mode app (a superset: it adds the signed file routes)."""
    with tempfile.TemporaryDirectory(prefix="estudio-openapi-") as folder:
        root = Path(folder)
        app = create_app(
            SqliteItemStore(root / "state.sqlite3"),
            FolderBlobStore(root / "blobs"),
            settings=Settings(data=root),
            signer=UrlSigner(b"0" * 32),
        )
        spec: dict[str, Any] = app.openapi()
    return spec


def render_spec() -> str:
    return json.dumps(build_spec(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def export(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_spec(), encoding="utf-8")
    tmp.replace(path)


if __name__ == "__main__":
    export(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/openapi.json"))
