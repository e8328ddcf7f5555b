"""The second deploy works: no value that changes with the code crosses stacks as an export.

CloudFormation refuses to update an export another stack imports. Two synthesized apps, the
second from a copy of the project with one source file changed, must give every imported export
the same value. A ``Ref``/``GetAtt`` of a resource whose physical id is new on every update (a
job definition revision, a layer version, a function version) counts as the resource's
properties, so a changed image or layer changes the value, as it would on deploy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.infrastructure.assembly import PROJECT_ROOT, STACKS, Assembly, synthesized

# Types whose Ref/ARN is a new value each time their properties change.
VERSIONED = {
    "AWS::Batch::JobDefinition",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::Version",
    "AWS::ECS::TaskDefinition",
    "AWS::StepFunctions::StateMachineVersion",
}
COPIED = ("app.py", "cdk.json", "pyproject.toml", "README.md")
COPIED_TREES = ("stacks", "layers", "functions", "containers", "statemachines")


def _value(node: Any, resources: dict[str, Any]) -> Any:
    """``node`` with each reference to a versioned resource replaced by its properties' hash."""
    if isinstance(node, list):
        return [_value(item, resources) for item in node]
    if not isinstance(node, dict):
        return node
    target = node.get("Ref") or (node.get("Fn::GetAtt") or [None])[0]
    if isinstance(target, str) and target in resources:
        resource = resources[target]
        if resource["Type"] in VERSIONED:
            props = json.dumps(resource.get("Properties", {}), sort_keys=True)
            return {
                "versioned": resource["Type"],
                "sha": hashlib.sha256(props.encode()).hexdigest(),
            }
    return {key: _value(value, resources) for key, value in node.items()}


def _imports(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_imports(item) for item in node)) if node else set()
    if isinstance(node, dict):
        found = {node["Fn::ImportValue"]} if isinstance(node.get("Fn::ImportValue"), str) else set()
        return found.union(*(_imports(value) for value in node.values()))
    return set()


def _consumed_exports(templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    imported = set().union(*(_imports(t) for t in templates.values()))
    exports: dict[str, Any] = {}
    for template in templates.values():
        resources = template.get("Resources", {})
        for output in template.get("Outputs", {}).values():
            name = output.get("Export", {}).get("Name")
            if name in imported:
                exports[name] = _value(output["Value"], resources)
    assert imported <= set(exports), imported - set(exports)
    return exports


def _versioned(templates: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {
        f"{stack}/{logical_id}": json.dumps(resource.get("Properties"), sort_keys=True)
        for stack, template in templates.items()
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in VERSIONED
    }


def _synthesize_changed_copy(tmp: Path) -> dict[str, dict[str, Any]]:
    import aws_cdk as cdk

    from app import build_app

    root = tmp / "project"
    root.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")
    for name in COPIED:
        shutil.copy2(PROJECT_ROOT / name, root / name)
    for tree in COPIED_TREES:
        shutil.copytree(PROJECT_ROOT / tree, root / tree, ignore=ignore)
    changed = root / "layers" / "estudio" / "__init__.py"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# the next release\n")
    outdir = tmp / "cdk.out"
    app = build_app(
        cdk.App(
            outdir=str(outdir),
            context={
                "stage": "test",
                "alarm_email": "ops@example.com",
                "project_root": str(root),
                "artifacts": "source",
            },
        ),
        nag=False,
    )
    app.synth()
    return {s: json.loads((outdir / f"{s}.template.json").read_text()) for s in STACKS}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assembly, dict[str, dict[str, Any]]]:
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    first = synthesized()
    return first, _synthesize_changed_copy(tmp_path_factory.mktemp("second-deploy"))


def test_given_changed_code_then_something_versioned_did_change(
    both: tuple[Assembly, dict[str, dict[str, Any]]],
) -> None:
    first, second = both
    before, after = _versioned(first.templates), _versioned(second)
    assert before.keys() == after.keys()
    changed = [key for key in before if before[key] != after[key]]
    assert changed, "the copy's change reached no image or layer: the test would prove nothing"


def test_given_changed_code_then_every_imported_export_keeps_its_value(
    both: tuple[Assembly, dict[str, dict[str, Any]]],
) -> None:
    first, second = both
    before, after = _consumed_exports(first.templates), _consumed_exports(second)

    assert before.keys() == after.keys()
    moved = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    assert moved == {}
