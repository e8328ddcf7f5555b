"""The HTTP API: ``create_app(...)``, API keys, problem+json errors."""

from estudio.api.app import create_app
from estudio.api.keys import create_key, verify_key

__all__ = ["create_app", "create_key", "verify_key"]
