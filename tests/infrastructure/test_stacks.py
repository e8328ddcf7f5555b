"""The synthesized stacks: properties that matter, asserted on the templates."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from estudio import constants as c
from tests.infrastructure.assembly import PROJECT_ROOT, STACKS, Assembly, synthesized


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return synthesized()


def _template(assembly: Assembly, stack: str) -> Template:
    return Template.from_json(assembly.template(stack))


def _policy_statements(assembly: Assembly, stack: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for resource in assembly.resources(stack, type_).values():
            statements += resource["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_given_the_app_when_synthesized_then_cdk_nag_reports_nothing_unacknowledged(
    assembly: Assembly,
) -> None:
    report = json.loads((assembly.outdir / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []
    assert sorted(p.name for p in assembly.outdir.glob("*.template.json")) == sorted(
        f"{s}.template.json" for s in STACKS
    )


def test_given_stage_context_then_stack_names_are_stage_scoped(assembly: Assembly) -> None:
    manifest = json.loads((assembly.outdir / "manifest.json").read_text())
    names = {
        k: v["properties"]["stackName"]
        for k, v in manifest["artifacts"].items()
        if v["type"] == "aws:cloudformation:stack"
    }
    assert names == {s: f"Estudio-test-{s}" for s in STACKS}


def test_given_storage_then_every_bucket_is_encrypted_private_versioned_and_tls_only(
    assembly: Assembly,
) -> None:
    buckets = assembly.resources("Storage", "AWS::S3::Bucket")
    assert len(buckets) == 5
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert (
            props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
                "ServerSideEncryptionByDefault"
            ]["SSEAlgorithm"]
            == "AES256"
        )
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert bucket["DeletionPolicy"] == "Retain"
    data_buckets = [b for b in buckets.values() if "LoggingConfiguration" in b["Properties"]]
    assert len(data_buckets) == 4
    for bucket in data_buckets:
        assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    policies = assembly.resources("Storage", "AWS::S3::BucketPolicy").values()
    tls_denials = [
        s
        for p in policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
        and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(tls_denials) == 5


def test_given_storage_then_intermediates_and_cache_expire_by_lifecycle(
    assembly: Assembly,
) -> None:
    rules = [
        rule
        for b in assembly.resources("Storage", "AWS::S3::Bucket").values()
        for rule in b["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
    ]
    by_id = {rule["Id"]: rule for rule in rules}
    assert by_id["expire-intermediates"]["TagFilters"] == [
        {"Key": c.INTERMEDIATE_TAG_KEY, "Value": c.INTERMEDIATE_TAG_VALUE}
    ]
    assert by_id["expire-intermediates"]["ExpirationInDays"] == 7
    assert by_id["expire-cache"]["Prefix"] == c.CACHE_PREFIX


def test_given_storage_then_the_dropbox_sends_events_to_eventbridge(assembly: Assembly) -> None:
    _template(assembly, "Storage").has_resource_properties(
        "AWS::S3::Bucket",
        {
            "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
        },
    )


def test_given_storage_then_the_table_has_pitr_ttl_and_both_indexes(assembly: Assembly) -> None:
    tables = assembly.resources("Storage", "AWS::DynamoDB::Table")
    (table,) = tables.values()
    props = table["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {
        "AttributeName": c.TABLE_TTL_ATTRIBUTE,
        "Enabled": True,
    }
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert {i["IndexName"] for i in props["GlobalSecondaryIndexes"]} == {
        c.TENANT_INDEX,
        c.KIND_INDEX,
    }
    assert table["DeletionPolicy"] == "Delete"  # stage "test"; "prod" retains it


def test_given_functions_then_each_runs_python_312_arm64_traced_json_logged(
    assembly: Assembly,
) -> None:
    for stack in ("Webhooks", "Pipeline", "Api"):
        for name, fn in assembly.resources(stack, "AWS::Lambda::Function").items():
            props = fn["Properties"]
            assert props["TracingConfig"] == {"Mode": "Active"}, name
            assert props["LoggingConfig"]["LogFormat"] == "JSON", name
            assert "LogGroup" in props["LoggingConfig"], name
            if props.get("PackageType") == "Image":
                assert props["Architectures"] == ["x86_64"], name  # LibreOffice image
                continue
            assert props["Runtime"] == "python3.12", name
            assert props["Architectures"] == ["arm64"], name
            assert props["Handler"] == "handler.handler", name
            assert 2 <= len(props["Layers"]) <= 5, name  # the package and its dependencies


def test_given_log_groups_then_each_has_a_retention(assembly: Assembly) -> None:
    for stack in ("Webhooks", "Render", "Pipeline", "Api"):
        for name, group in assembly.resources(stack, "AWS::Logs::LogGroup").items():
            assert group["Properties"]["RetentionInDays"] == 30, name


def test_given_the_pipeline_then_the_state_machine_logs_all_and_traces(
    assembly: Assembly,
) -> None:
    _template(assembly, "Pipeline").has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "LoggingConfiguration": {
                "Level": "ALL",
                "IncludeExecutionData": True,
                "Destinations": Match.any_value(),
            },
            "TracingConfiguration": {"Enabled": True},
            "StateMachineType": "STANDARD",
        },
    )


def test_given_the_state_machine_role_then_it_has_what_submit_job_sync_needs(
    assembly: Assembly,
) -> None:
    statements = _policy_statements(assembly, "Pipeline")
    by_action = {a: s for s in statements for a in _actions(s)}
    for action in (
        "batch:SubmitJob",
        "batch:DescribeJobs",
        "batch:TerminateJob",
        "events:PutTargets",
        "events:PutRule",
        "events:DescribeRule",
    ):
        assert action in by_action, action
    rule = json.dumps(by_action["events:PutRule"]["Resource"])
    assert f"rule/{c.BATCH_EVENTS_RULE}" in rule
    submit = json.dumps(by_action["batch:SubmitJob"]["Resource"])
    assert "Estudio-test-Render" in submit and "*" not in submit  # the queues
    assert "PresenterGpuJob" in submit and "PresenterCpuJob" in submit  # same-stack definitions
    invoke = by_action["lambda:InvokeFunction"]["Resource"]
    from estudio.pipeline.stages import RESOURCES

    assert len(invoke) == len(RESOURCES) and "*" not in json.dumps(invoke)  # one per stage


def test_given_the_render_queue_then_jobs_get_a_gpu_and_nvenc_capabilities(
    assembly: Assembly,
) -> None:
    definitions = assembly.resources("Pipeline", "AWS::Batch::JobDefinition").values()
    (definition,) = [
        d
        for d in definitions
        if {"Type": "GPU", "Value": "1"}
        in d["Properties"]["ContainerProperties"]["ResourceRequirements"]
    ]
    container = definition["Properties"]["ContainerProperties"]
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert env["NVIDIA_DRIVER_CAPABILITIES"] == "compute,utility,video"
    assert set(env) >= {c.ENV_ARTIFACTS_BUCKET, c.ENV_TABLE, c.ENV_EVENTS_QUEUE_URL}
    environments = assembly.resources("Render", "AWS::Batch::ComputeEnvironment").values()
    kinds = sorted(e["Properties"]["ComputeResources"]["Type"] for e in environments)
    assert kinds == ["EC2", "FARGATE", "SPOT"]  # Fargate: the CPU fallback queue
    for env_ in [
        e for e in environments if e["Properties"]["ComputeResources"]["Type"] != "FARGATE"
    ]:
        resources = env_["Properties"]["ComputeResources"]
        assert sorted(resources["InstanceTypes"]) == ["g4dn", "g5", "g6"]
        assert resources["MinvCpus"] == 0


def test_given_the_dropbox_rule_then_object_created_events_reach_the_ingest_function(
    assembly: Assembly,
) -> None:
    _template(assembly, "Pipeline").has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": Match.object_like({"object": {"key": [{"prefix": c.DROPBOX_PREFIX}]}}),
            },
            "Targets": [
                Match.object_like(
                    {"DeadLetterConfig": Match.any_value(), "RetryPolicy": Match.any_value()}
                )
            ],
        },
    )


def test_given_the_api_then_it_is_throttled_logged_and_key_protected(
    assembly: Assembly,
) -> None:
    template = _template(assembly, "Api")
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": "$default",
            "DefaultRouteSettings": {"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100},
            "AccessLogSettings": {
                "DestinationArn": Match.any_value(),
                "Format": Match.string_like_regexp("requestId"),
            },
        },
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Authorizer",
        {
            "AuthorizerType": "REQUEST",
            "EnableSimpleResponses": True,
            "IdentitySource": ["$request.header.Authorization"],
        },
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {
            "CorsConfiguration": Match.object_like({"AllowOrigins": ["http://localhost:5173"]}),
        },
    )


def test_given_monitoring_then_alarms_watch_executions_queues_and_the_api(
    assembly: Assembly,
) -> None:
    alarms = assembly.resources("Monitoring", "AWS::CloudWatch::Alarm").values()
    metrics = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms}
    assert {
        ("AWS/States", "ExecutionsFailed"),
        ("AWS/States", "ExecutionsTimedOut"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/ApiGateway", "5xx"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/Lambda", "Errors"),
    } <= metrics
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"], alarm
    _template(assembly, "Monitoring").has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


# CDK's own BucketDeployment handler (copies the app into the site bucket at deploy time):
# CDK grants it s3:GetObject* and the like; acknowledged one by one in stacks/nag.py.
CDK_DEPLOYMENT_HANDLER = "CustomCDKBucketDeployment"


def _ours(resource: dict[str, Any]) -> bool:
    roles = resource["Properties"].get("Roles", [])
    return not any(CDK_DEPLOYMENT_HANDLER in json.dumps(role) for role in roles)


def test_given_policies_then_no_action_wildcards_anywhere(assembly: Assembly) -> None:
    for stack in STACKS:
        for type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for resource in assembly.resources(stack, type_).values():
                if not _ours(resource):
                    continue
                for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                    wild = [a for a in _actions(statement) if "*" in a]
                    assert wild == [], (stack, statement)
    handlers = [r for r in assembly.resources("Site", "AWS::IAM::Policy").values() if not _ours(r)]
    assert len(handlers) == 1  # the one exception, and only in the Site stack


def test_given_the_templates_when_cfn_lint_runs_then_it_finds_no_errors(
    assembly: Assembly,
) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    if not cfn_lint.exists():
        pytest.skip("cfn-lint is not installed (pip install -e '.[dev]')")
    templates = [str(assembly.outdir / f"{s}.template.json") for s in STACKS]
    result = subprocess.run(
        [str(cfn_lint), "--format", "parseable", *templates],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
        timeout=300,
    )
    # parseable: path:line:col:line:col:<code>:message; a message may hold ":E" itself
    errors = [line for line in result.stdout.splitlines() if re.search(r":E\d{4}:", line)]
    assert errors == [], result.stdout
    assert result.returncode in (0, 4, 8, 12), result.stderr  # warnings/info only
