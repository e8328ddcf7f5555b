"""One synthesis of the whole app per test process (it takes ~10 s), cdk-nag included.

From source (``artifacts=source``): the tests assert on the templates; a deployable synthesis
needs the layers ``make package`` builds."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STACKS = ("Storage", "Webhooks", "Render", "Pipeline", "Api", "Monitoring", "Identity", "Site")


@dataclass(frozen=True)
class Assembly:
    outdir: Path
    templates: dict[str, dict[str, Any]]

    def template(self, stack: str) -> dict[str, Any]:
        return self.templates[stack]

    def resources(self, stack: str, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.templates[stack]["Resources"].items() if v["Type"] == type_}


@lru_cache(maxsize=1)
def synthesized() -> Assembly:
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    import aws_cdk as cdk

    from app import build_app

    outdir = Path(tempfile.mkdtemp(prefix="estudio-cdk-"))
    atexit.register(shutil.rmtree, outdir, True)
    app = build_app(
        cdk.App(
            outdir=str(outdir),
            context={"stage": "test", "alarm_email": "ops@example.com", "artifacts": "source"},
        )
    )
    app.synth()  # raises when cdk-nag reports a finding nobody acknowledged
    templates = {
        name: json.loads((outdir / f"{name}.template.json").read_text()) for name in STACKS
    }
    return Assembly(outdir=outdir, templates=templates)
