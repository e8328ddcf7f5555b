"""``make rehearse`` runs what the stacks deploy: every Task of the deployed definition has its
handler, and each function gets the environment, memory and timeout CDK gives it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stacks.rehearse.batch import SUBMIT_JOB_SYNC, RenderJobs
from stacks.rehearse.lambdas import EnvironmentLease, FunctionDef, Lambdas, function_defs
from stacks.rehearse.run import ASL, _stage_placeholders, resolver
from stacks.rehearse.world import FAKE_CREDENTIALS, REGION, World, create_world, lambda_arn
from tests.infrastructure.assembly import PROJECT_ROOT, Assembly, synthesized


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, World]]:
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        yield session, create_world(session, PROJECT_ROOT / ASL, _stage_placeholders())


def task_resources(states: dict[str, Any]) -> Iterator[str]:
    for state in states.values():
        if state["Type"] == "Task":
            yield state["Resource"]
        for branch in state.get("Branches", []):
            yield from task_resources(branch["States"])
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from task_resources(processor["States"])


def test_given_the_deployed_definition_then_every_task_resource_resolves_to_a_handler(
    world: tuple[Any, World], tmp_path: Path
) -> None:
    session, names = world
    defs = function_defs(names)
    lease = EnvironmentLease()
    resources = resolver(
        defs,
        Lambdas(PROJECT_ROOT, defs, tmp_path, lease),
        RenderJobs(PROJECT_ROOT, names, tmp_path, lease),
    )
    machine = session.client("stepfunctions").describe_state_machine(
        stateMachineArn=names.state_machine_arn
    )
    used = set(task_resources(json.loads(machine["definition"])["States"]))

    assert "${" not in machine["definition"]
    assert used <= set(resources)
    assert SUBMIT_JOB_SYNC in used
    for fn in defs.values():
        assert (PROJECT_ROOT / "functions" / fn.name / "handler.py").is_file(), fn.name
        if fn.placeholder:
            assert lambda_arn(fn.name) in used, fn.name


# --- the same functions CDK synthesizes ---------------------------------------------------------
def function_name(assembly: Assembly, props: dict[str, Any]) -> str | None:
    """Which functions/<name> a synthesized function runs: its staged handler or image command."""
    command = props.get("ImageConfig", {}).get("Command")
    if command:
        return str(command[0]).split(".")[1]
    key = props.get("Code", {}).get("S3Key")
    if not isinstance(key, str):
        return None
    staged = assembly.outdir / f"asset.{key.split('.')[0]}" / "handler.py"
    if not staged.is_file():
        return None
    for folder in (PROJECT_ROOT / "functions").iterdir():
        handler = folder / "handler.py"
        if handler.is_file() and handler.read_bytes() == staged.read_bytes():
            return folder.name
    return None


@pytest.fixture(scope="module")
def synthesized_functions() -> dict[str, dict[str, Any]]:
    assembly = synthesized()
    found: dict[str, dict[str, Any]] = {}
    for stack in assembly.templates:
        for props in (
            r["Properties"] for r in assembly.resources(stack, "AWS::Lambda::Function").values()
        ):
            name = function_name(assembly, props)
            if name:
                found[name] = props
    return found


def test_given_the_synthesized_app_then_each_rehearsed_function_matches_its_deployed_twin(
    world: tuple[Any, World], synthesized_functions: dict[str, dict[str, Any]]
) -> None:
    _, names = world
    defs: dict[str, FunctionDef] = function_defs(names)

    assert set(defs) <= set(synthesized_functions)
    for name, fn in defs.items():
        props = synthesized_functions[name]
        deployed = props.get("Environment", {}).get("Variables", {})
        assert set(fn.environment) == set(deployed), name
        for key, value in deployed.items():
            if isinstance(value, str):  # literals; the rest are resource names (tokens)
                assert fn.environment[key] == value, (name, key)
        assert (fn.memory_mb, fn.timeout_s) == (props["MemorySize"], props["Timeout"]), name


def test_given_the_render_job_definition_then_the_container_environment_matches(
    world: tuple[Any, World], tmp_path: Path
) -> None:
    _, names = world
    (definition,) = synthesized().resources("Render", "AWS::Batch::JobDefinition").values()
    container = definition["Properties"]["ContainerProperties"]
    deployed = {e["Name"]: e["Value"] for e in container["Environment"]}
    jobs = RenderJobs(PROJECT_ROOT, names, tmp_path, EnvironmentLease())

    assert set(deployed) <= set(jobs.environment)
    for key, value in deployed.items():
        if isinstance(value, str) and key != "ESTUDIO_DATA":  # /tmp is the sandbox's own
            assert jobs.environment[key] == value, key
    assert jobs.environment["ESTUDIO_DATA"].startswith(str(tmp_path))
