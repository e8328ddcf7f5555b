"""``load_event(name)`` for the JSON fixtures here, ``load_handler(name)`` for a Lambda handler
module under ``functions/`` (each folder is its own deployment package, so not a package
here), and a ``LambdaContext`` stand-in with the fields Powertools reads."""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

EVENTS = Path(__file__).resolve().parent
PROJECT_ROOT = EVENTS.parents[1]


def load_event(name: str) -> dict[str, Any]:
    path = EVENTS / (name if name.endswith(".json") else f"{name}.json")
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return event


def load_handler(name: str) -> ModuleType:
    """Import ``functions/<name>/handler.py`` fresh (module-level caches start empty)."""
    path = PROJECT_ROOT / "functions" / name / "handler.py"
    module_name = f"estudio_test_handler_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class FakeLambdaContext:
    function_name: str = "estudio-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:sa-east-1:123456789012:function:estudio-test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/estudio-test"
    log_stream_name: str = "2025/03/14/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000
