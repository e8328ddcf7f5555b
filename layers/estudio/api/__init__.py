"""The HTTP API: ``create_app(...)``, API keys, problem+json errors.

Names load on first use, so importing a submodule (the authorizer's ``estudio.api.keys``, one
group's routers) does not load FastAPI and every router with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from estudio.api.app import create_app
    from estudio.api.keys import create_key, verify_key

_WHERE = {
    "create_app": "estudio.api.app",
    "create_key": "estudio.api.keys",
    "verify_key": "estudio.api.keys",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["create_app", "create_key", "verify_key"]
