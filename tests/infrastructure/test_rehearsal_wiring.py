"""``make rehearse`` runs what the stacks deploy: every Task of the deployed definition has its
handler, and each function gets the environment, memory and timeout CDK gives it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from estudio.api.groups import GROUP_ENV
from estudio.pipeline.asl import StatesError
from stacks.rehearse.batch import SUBMIT_JOB_SYNC, RenderJobs
from stacks.rehearse.lambdas import (
    EnvironmentLease,
    FunctionDef,
    Lambdas,
    api_function,
    function_defs,
    sandbox_environment,
)
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
    with EnvironmentLease() as lease:
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
        assert (PROJECT_ROOT / "functions" / fn.source / "handler.py").is_file(), fn.name
        if fn.placeholder:
            assert lambda_arn(fn.name) in used, fn.name


# --- the same functions CDK synthesizes ---------------------------------------------------------
def function_name(assembly: Assembly, props: dict[str, Any]) -> str | None:
    """Which function a synthesized one is: the functions/<name> it runs (its staged handler or
    image command), or ``api_<group>`` for the API group a ``functions/api`` one serves."""
    group = props.get("Environment", {}).get("Variables", {}).get(GROUP_ENV)
    if group:
        return api_function(group)
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


def test_given_the_render_job_definitions_then_the_container_environments_match(
    world: tuple[Any, World], tmp_path: Path
) -> None:
    _, names = world
    definitions = synthesized().resources("Pipeline", "AWS::Batch::JobDefinition").values()
    jobs = RenderJobs(PROJECT_ROOT, names, tmp_path, EnvironmentLease())
    by_encoder = {env["ESTUDIO_ENCODER"]: env for env in jobs.environments.values()}

    assert len(definitions) == 2  # the GPU queue's and the CPU fallback's
    for definition in definitions:
        container = definition["Properties"]["ContainerProperties"]
        deployed = {e["Name"]: e["Value"] for e in container["Environment"]}
        rehearsed = by_encoder[deployed["ESTUDIO_ENCODER"]]
        assert set(deployed) <= set(rehearsed)
        for key, value in deployed.items():
            if isinstance(value, str) and key != "ESTUDIO_DATA":  # /tmp is the sandbox's own
                assert rehearsed[key] == value, key
        assert rehearsed["ESTUDIO_DATA"].startswith(str(tmp_path))


# --- how functions and the container are run ----------------------------------------------------
def test_given_a_shell_with_cloud_keys_then_a_sandbox_sees_only_its_own_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ELEVENLABS_API_KEY", "from-the-shell")
    monkeypatch.setenv("ESTUDIO_WORKERS", "9")
    own = {"ESTUDIO_DATA": "/tmp/estudio", "ESTUDIO_AWS_TABLE": "t"}

    env = sandbox_environment(own, "speak", tmp_path)

    assert "ELEVENLABS_API_KEY" not in env and "ESTUDIO_WORKERS" not in env
    assert env["ESTUDIO_AWS_TABLE"] == "t"
    assert env["ESTUDIO_DATA"] == str(tmp_path / "tmp" / "speak" / "estudio")
    assert env["AWS_ACCESS_KEY_ID"] == FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"]


def test_given_a_handler_that_raises_then_the_task_fails_as_lambda_reports_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "functions" / "boom"
    folder.mkdir(parents=True)
    (folder / "handler.py").write_text(
        "from estudio.errors import UnknownVoice\n\n"
        "def handler(event, context):\n"
        "    assert context.get_remaining_time_in_millis() > 0\n"
        "    raise UnknownVoice('no such voice: ' + event['voice'])\n",
        encoding="utf-8",
    )
    fn = FunctionDef("boom", 128, 3, {"ESTUDIO_AWS_TABLE": "boom-table"})
    before = dict(os.environ)

    with EnvironmentLease() as lease, pytest.raises(StatesError) as failed:
        lambdas = Lambdas(tmp_path, {"boom": fn}, tmp_path / "scratch", lease)
        lambdas.invoke("boom", {"voice": "x"})

    assert failed.value.error == "UnknownVoice"
    cause = json.loads(failed.value.cause or "")
    assert (cause["errorType"], cause["errorMessage"]) == ("UnknownVoice", "no such voice: x")
    assert [(c.function, c.ok) for c in lambdas.log] == [("boom", False)]
    assert dict(os.environ) == before  # the sandbox's environment is gone again


def test_given_a_render_job_whose_container_exits_non_zero_then_it_is_states_task_failed(
    world: tuple[Any, World], tmp_path: Path
) -> None:
    _, names = world
    lease = EnvironmentLease()
    jobs = RenderJobs(PROJECT_ROOT, names, tmp_path, lease)
    parameters = {
        "JobName": "render-x-0",
        "JobQueue": names.job_queue_arn,
        "JobDefinition": names.job_definition_arn,
        "ContainerOverrides": {"Command": ["render-scene", "--job-id", "x", "--index", "0"]},
    }

    with lease, pytest.raises(StatesError) as failed:
        jobs.submit_sync(parameters)  # "x" is not a job id: the entrypoint exits 2

    assert failed.value.error == "States.TaskFailed"
    described = json.loads(failed.value.cause or "")
    assert (described["Status"], described["Container"]["ExitCode"]) == ("FAILED", 2)
    with pytest.raises(StatesError) as refused:
        jobs.submit_sync({**parameters, "JobQueue": "arn:aws:batch:::job-queue/other"})
    assert refused.value.error == "Batch.ClientException"
