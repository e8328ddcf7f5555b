"""The voice keys secret, the events consumer's access (delivery log, dropbox results) and the
dropbox's outgoing write, asserted on the synthesized templates' properties."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from estudio import constants as c
from tests.infrastructure.assembly import Assembly, synthesized

EVENTS_QUEUE_ID = "^Events[0-9A-F]{8}$"  # the events queue's logical id, not its DLQ's


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return synthesized()


def _functions_by_description(assembly: Assembly, stack: str) -> dict[str, dict[str, Any]]:
    return {
        fn["Properties"]["Description"]: fn
        for fn in assembly.resources(stack, "AWS::Lambda::Function").values()
    }


def _role_of(assembly: Assembly, stack: str, fn: dict[str, Any]) -> dict[str, Any]:
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    role: dict[str, Any] = assembly.template(stack)["Resources"][role_id]
    return role


def _imports(role: dict[str, Any]) -> str:
    return json.dumps(role["Properties"].get("ManagedPolicyArns", []))


def _storage_logical_id(assembly: Assembly, type_: str, prefix: str) -> str:
    (found,) = [k for k in assembly.resources("Storage", type_) if k.startswith(prefix)]
    return found


def test_given_storage_then_the_voice_keys_secret_starts_empty_and_is_exported(
    assembly: Assembly,
) -> None:
    template = Template.from_json(assembly.template("Storage"))
    template.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"SecretString": "{}", "Description": Match.string_like_regexp("ELEVENLABS_API_KEY")},
    )
    (secret,) = assembly.resources("Storage", "AWS::SecretsManager::Secret").values()
    assert "GenerateSecretString" not in secret["Properties"]
    assert "Name" not in secret["Properties"]  # no hard-coded physical name
    outputs = assembly.template("Storage")["Outputs"]
    assert c.OUTPUT_VOICE_SECRET_ARN in outputs
    secret_id = _storage_logical_id(assembly, "AWS::SecretsManager::Secret", "VoiceKeys")
    assert outputs[c.OUTPUT_VOICE_SECRET_ARN]["Value"] == {"Ref": secret_id}
    policy_id = _storage_logical_id(assembly, "AWS::IAM::ManagedPolicy", "VoiceKeysRead")
    policy = assembly.template("Storage")["Resources"][policy_id]["Properties"]
    read = {"Action": "secretsmanager:GetSecretValue", "Effect": "Allow"}
    assert policy["PolicyDocument"]["Statement"] == [{**read, "Resource": {"Ref": secret_id}}]


def test_given_the_functions_then_only_speak_and_the_api_catalog_and_previews_get_voice_keys(
    assembly: Assembly,
) -> None:
    with_keys: list[str] = []
    for stack in ("Webhooks", "Pipeline", "Api"):
        for description, fn in _functions_by_description(assembly, stack).items():
            env = fn["Properties"].get("Environment", {}).get("Variables", {})
            reads = "VoiceKeysRead" in _imports(_role_of(assembly, stack, fn))
            has_env = c.ENV_VOICE_SECRET_ARN in env
            assert reads == has_env, description
            if has_env:
                assert "VoiceKeys" in json.dumps(env[c.ENV_VOICE_SECRET_ARN]), description
                with_keys.append(description)
    assert sorted(with_keys) == [
        "Narrate one scene",
        "The Estúdio HTTP API: catalog routes (FastAPI)",
        "The Estúdio HTTP API: previews routes (FastAPI)",  # scene previews speak
    ]


def test_given_the_events_consumer_then_it_writes_the_log_and_the_dropbox_outgoing_only(
    assembly: Assembly,
) -> None:
    functions = _functions_by_description(assembly, "Webhooks")
    consumer = functions["Deliver job events to webhooks and dropbox results"]
    env = consumer["Properties"]["Environment"]["Variables"]
    assert re.fullmatch(EVENTS_QUEUE_ID, env[c.ENV_EVENTS_QUEUE_URL]["Ref"])  # wake-ups go there
    queue = assembly.template("Webhooks")["Resources"]
    (events_queue,) = [v for k, v in queue.items() if re.fullmatch(EVENTS_QUEUE_ID, k)]
    timeout = consumer["Properties"]["Timeout"]
    assert events_queue["Properties"]["VisibilityTimeout"] == 6 * timeout
    assert timeout >= 5 * 10 + 30  # a batch of 5 webhook attempts at 10 s each, and margin
    policies = _imports(_role_of(assembly, "Webhooks", consumer))
    for name in ("TableReadWrite", "OutputsRead", "DropboxOutgoingWrite"):
        assert name in policies, name
    for name in ("DropboxRead", "OutputsReadWrite", "ArtifactsReadWrite", "VoiceKeysRead"):
        assert name not in policies, name
    template = Template.from_json(assembly.template("Webhooks"))
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"BatchSize": 5, "FunctionResponseTypes": ["ReportBatchItemFailures"]},
    )
    queue = {"Fn::GetAtt": [Match.string_like_regexp(EVENTS_QUEUE_ID), "Arn"]}
    send = {"Action": Match.array_with(["sqs:SendMessage"]), "Resource": queue}
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {"PolicyDocument": {"Statement": Match.array_with([Match.object_like(send)])}},
    )


def test_given_the_dropbox_outgoing_policy_then_it_writes_only_under_outgoing_folders(
    assembly: Assembly,
) -> None:
    policy_id = _storage_logical_id(assembly, "AWS::IAM::ManagedPolicy", "DropboxOutgoingWrite")
    policy = assembly.template("Storage")["Resources"][policy_id]["Properties"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert "s3:PutObject" in statement["Action"]
    assert not [a for a in statement["Action"] if a.startswith("s3:Get")]
    assert statement["Resource"]["Fn::Join"][1][-1] == (
        f"/{c.DROPBOX_PREFIX}*/{c.DROPBOX_OUTGOING}/*"
    )
