"""The ASL file as CDK deploys it: every placeholder substituted, each by the right resource."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from estudio.pipeline.stages import RESOURCES
from tests.infrastructure.assembly import PROJECT_ROOT, Assembly, synthesized

ASL = PROJECT_ROOT / "statemachines" / "render.asl.json"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return synthesized()


@pytest.fixture(scope="module")
def machine(assembly: Assembly) -> dict[str, Any]:
    (resource,) = assembly.resources("Pipeline", "AWS::StepFunctions::StateMachine").values()
    props: dict[str, Any] = resource["Properties"]
    return props


def test_given_the_asl_when_deployed_then_every_placeholder_has_a_substitution(
    machine: dict[str, Any],
) -> None:
    placeholders = set(PLACEHOLDER.findall(ASL.read_text(encoding="utf-8")))
    assert placeholders == set(machine["DefinitionSubstitutions"])
    assert set(RESOURCES) <= placeholders


def test_given_the_definition_asset_then_it_is_the_asl_file_unchanged(
    assembly: Assembly, machine: dict[str, Any]
) -> None:
    location = machine["DefinitionS3Location"]
    key = location["Key"]
    asset = assembly.outdir / f"asset.{key.split('.')[0]}.json"
    assert json.loads(asset.read_text()) == json.loads(ASL.read_text())


def test_given_lambda_placeholders_then_each_names_its_own_stage_function(
    assembly: Assembly, machine: dict[str, Any]
) -> None:
    functions = assembly.resources("Pipeline", "AWS::Lambda::Function")
    handlers = {}
    for name in RESOURCES:
        logical_id = machine["DefinitionSubstitutions"][name]["Fn::GetAtt"][0]
        handlers[name] = functions[logical_id]["Properties"].get("Description")
    assert len(set(handlers.values())) == len(RESOURCES)
    assert "LibreOffice" in handlers["RasterizeFunctionArn"]


def _logical_id(machine: dict[str, Any], prefix: str) -> str:
    for value in machine["DefinitionSubstitutions"].values():
        ref = value.get("Ref", "") if isinstance(value, dict) else ""
        if ref.startswith(prefix):
            return str(ref)
    raise AssertionError(f"no substitution refers to {prefix}")


def test_given_batch_placeholders_then_they_name_the_render_queue_and_definition(
    machine: dict[str, Any],
) -> None:
    substitutions = machine["DefinitionSubstitutions"]
    queue = json.dumps(substitutions["RenderJobQueueArn"])
    definition = json.dumps(substitutions["RenderJobDefinitionArn"])
    assert "Fn::ImportValue" in queue and "Queue" in queue
    # A job definition's ARN names its revision: it stays in the state machine's own stack.
    assert definition == json.dumps({"Ref": _logical_id(machine, "PresenterGpuJob")})
    cpu_queue = json.dumps(substitutions["RenderCpuJobQueueArn"])
    assert "Fn::ImportValue" in cpu_queue and "CpuQueue" in cpu_queue
    assert "PresenterCpuJob" in json.dumps(substitutions["RenderCpuJobDefinitionArn"])
