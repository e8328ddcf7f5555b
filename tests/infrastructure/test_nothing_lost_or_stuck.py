"""Nothing lost, nothing kept forever, nothing waiting forever: the ingest's failure queue and
its alarm, the reconciler's rule, lifecycle rules, the presenter task's bounded GPU wait and its
CPU fallback, the uploads bucket's CORS — asserted on the synthesized templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.pipeline import ASL_FILE, PRESENTER_STATE, render_definition
from tests.infrastructure.assembly import PROJECT_ROOT, Assembly, synthesized


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return synthesized()


def _by_prefix(resources: dict[str, dict[str, Any]], prefix: str) -> dict[str, Any]:
    (found,) = [r for k, r in resources.items() if k.startswith(prefix)]
    return found


def _presenter_states(definition: dict[str, Any]) -> dict[str, Any]:
    produce = definition["States"]["Produce"]["Branches"][0]["States"]["RenderScenes"]
    states: dict[str, Any] = produce["ItemProcessor"]["States"]
    return states


def test_given_the_ingest_then_failed_invocations_land_in_a_queue_an_alarm_watches(
    assembly: Assembly,
) -> None:
    configs = assembly.resources("Pipeline", "AWS::Lambda::EventInvokeConfig")
    on_failure = {
        json.dumps(c["Properties"]["FunctionName"]): json.dumps(
            c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        )
        for c in configs.values()
    }
    assert any("Ingest" in fn and "IngestFailures" in dest for fn, dest in on_failure.items())
    assert any("Reconcile" in fn and "ReconcileFailures" in dest for fn, dest in on_failure.items())
    alarms = assembly.resources("Monitoring", "AWS::CloudWatch::Alarm")
    watched = json.dumps([a["Properties"].get("Dimensions") for a in alarms.values()])
    assert "IngestFailures" in watched and "ReconcileFailures" in watched


def test_given_the_reconciler_then_bad_execution_endings_of_this_machine_reach_it(
    assembly: Assembly,
) -> None:
    rules = assembly.resources("Pipeline", "AWS::Events::Rule").values()
    (rule,) = [r for r in rules if r["Properties"]["EventPattern"].get("source") == ["aws.states"]]
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert pattern["detail"]["status"] == ["ABORTED", "FAILED", "TIMED_OUT"]
    assert "Render" in json.dumps(pattern["detail"]["stateMachineArn"])
    (target,) = rule["Properties"]["Targets"]
    assert "Reconcile" in json.dumps(target["Arn"])
    assert "DeadLetterConfig" in target and "RetryPolicy" in target


def test_given_storage_then_intermediates_and_old_versions_expire(assembly: Assembly) -> None:
    buckets = assembly.resources("Storage", "AWS::S3::Bucket").values()
    for bucket in buckets:
        props = bucket["Properties"]
        if props.get("VersioningConfiguration", {}).get("Status") != "Enabled":
            continue
        rules = props["LifecycleConfiguration"]["Rules"]
        assert any("NoncurrentVersionExpiration" in r for r in rules), props.get(
            "LoggingConfiguration"
        )
    rules = {
        r["Id"]: r
        for b in buckets
        for r in b["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
    }
    assert rules["expire-intermediates"]["ExpirationInDays"] == 7  # intermediate_days default
    from estudio.constants import INTERMEDIATE_KEY_PATTERNS

    for pattern in ("jobs/*/slides/*", "jobs/*/speech/*", "jobs/*/segments/*"):
        assert pattern in INTERMEDIATE_KEY_PATTERNS  # the keys the blob store tags


def test_given_the_uploads_bucket_then_the_web_app_may_put_to_it(assembly: Assembly) -> None:
    uploads = _by_prefix(assembly.resources("Storage", "AWS::S3::Bucket"), "Uploads")
    (cors,) = uploads["Properties"]["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedMethods"] == ["PUT"]
    assert cors["AllowedOrigins"] == ["http://localhost:5173"]  # cdk.json's spa_origins


def test_given_the_presenter_task_then_it_waits_a_bounded_time_and_falls_back_to_cpu(
    assembly: Assembly,
) -> None:
    (machine,) = assembly.resources("Pipeline", "AWS::StepFunctions::StateMachine").values()
    key = machine["Properties"]["DefinitionS3Location"]["Key"]
    deployed = json.loads((assembly.outdir / f"asset.{key.split('.')[0]}.json").read_text())
    states = _presenter_states(deployed)
    gpu = states[PRESENTER_STATE]
    assert gpu["TimeoutSeconds"] == 600
    (catch,) = gpu["Catch"]
    assert "States.Timeout" in catch["ErrorEquals"]
    cpu = states[catch["Next"]]
    assert cpu["Parameters"]["JobQueue"] == "${RenderCpuJobQueueArn}"
    assert "TimeoutSeconds" not in cpu  # the CPU queue is the last resort; its job times out
    definitions = assembly.resources("Pipeline", "AWS::Batch::JobDefinition").values()
    platforms = {
        tuple(d["Properties"].get("PlatformCapabilities", ["EC2"])): d["Properties"]["Timeout"][
            "AttemptDurationSeconds"
        ]
        for d in definitions
    }
    assert platforms == {("EC2",): 1800, ("FARGATE",): 3600}


def test_given_a_gpu_wait_in_context_then_only_the_presenter_timeout_changes(
    tmp_path: Path,
) -> None:
    asl = PROJECT_ROOT / ASL_FILE
    original = json.loads(asl.read_text(encoding="utf-8"))

    changed = render_definition(asl, 120)

    assert _presenter_states(changed)[PRESENTER_STATE]["TimeoutSeconds"] == 120
    _presenter_states(changed)[PRESENTER_STATE]["TimeoutSeconds"] = 600
    assert changed == original
