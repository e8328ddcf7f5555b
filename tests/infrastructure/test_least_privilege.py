"""Least privilege per stage, asserted on the synthesized policies' properties: each stage's
role holds only its own access policy, objects are never deleted by a stage, DynamoDB access is
bounded by leading keys, and only the authorizer and the API read API-key items."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.access import STAGE_ACCESS
from tests.infrastructure.assembly import Assembly, synthesized

PIPELINE_FUNCTIONS = {
    "Open the deck (converting .ppt, .odp, Strict; reading PDF): one scene per slide": "parse",
    "Slide images with LibreOffice and pdftoppm": "rasterize",
    "Narrate one scene": "speak",
    "Scene timing, transitions, chapters": "plan",
    "Encode one still scene (libx264)": "render_scene",
    "Build and encode the narration track": "narrate",
    "Concatenate segments, mux the narration": "assemble",
    "Captions, thumbnail, manifest": "publish",
    "SCORM 1.2 / 2004 packages and the storyboard": "package",
    "Record a failed job": "fail",
    "Start a render for each deck dropped in the dropbox": "ingest",
    "Fail the job of an execution that ended outside the pipeline": "reconcile",
}


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return synthesized()


def _storage_policy(assembly: Assembly, prefix: str) -> dict[str, Any]:
    (found,) = [
        resource
        for logical_id, resource in assembly.resources("Storage", "AWS::IAM::ManagedPolicy").items()
        if logical_id.startswith(prefix)
    ]
    return found


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def _stage_policy(assembly: Assembly, name: str) -> dict[str, Any]:
    return _storage_policy(assembly, f"Stage{name.title().replace('_', '')}Access")


def _leading_keys(statement: dict[str, Any]) -> list[str]:
    keys: list[str] = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    return keys


def test_given_each_stage_then_its_role_attaches_its_own_access_and_no_shared_one(
    assembly: Assembly,
) -> None:
    resources = assembly.template("Pipeline")["Resources"]
    seen = set()
    for fn in assembly.resources("Pipeline", "AWS::Lambda::Function").values():
        stage = PIPELINE_FUNCTIONS[fn["Properties"]["Description"]]
        role = resources[fn["Properties"]["Role"]["Fn::GetAtt"][0]]
        attached = json.dumps(role["Properties"].get("ManagedPolicyArns", []))
        assert f"Stage{stage.title().replace('_', '')}Access" in attached, stage
        for shared in ("ArtifactsReadWrite", "OutputsReadWrite", "TableReadWrite", "TableRead"):
            assert shared not in attached, (stage, shared)
        seen.add(stage)
    assert seen == set(PIPELINE_FUNCTIONS.values())


def test_given_stage_policies_then_no_stage_deletes_an_object_and_fail_touches_none(
    assembly: Assembly,
) -> None:
    for name in STAGE_ACCESS:
        actions = {a for s in _statements(_stage_policy(assembly, name)) for a in _actions(s)}
        assert "s3:DeleteObject" not in actions, name
        assert not any(a.startswith("dynamodb:Scan") for a in actions), name
    fail = {a for s in _statements(_stage_policy(assembly, "fail")) for a in _actions(s)}
    assert fail == {"dynamodb:GetItem", "dynamodb:UpdateItem"}


def test_given_stage_policies_then_each_object_grant_names_only_that_stage_s_keys(
    assembly: Assembly,
) -> None:
    rasterize = _statements(_stage_policy(assembly, "rasterize"))
    writes = [s for s in rasterize if "s3:PutObject" in _actions(s)]
    (write,) = writes
    assert json.dumps(write["Resource"]).count("/jobs/*/slides/*") == 1
    assert '/jobs/*"' not in json.dumps(write["Resource"])  # not the whole job
    publish = json.dumps(_statements(_stage_policy(assembly, "publish")))
    assert "Outputs" in publish and "/jobs/*/out/*" in publish
    speak = json.dumps(_statements(_stage_policy(assembly, "speak")))
    assert "Outputs" not in speak  # only the stages that publish write final outputs


def test_given_stage_policies_then_dynamodb_is_bounded_by_leading_keys_never_api_keys(
    assembly: Assembly,
) -> None:
    for name in STAGE_ACCESS:
        for statement in _statements(_stage_policy(assembly, name)):
            if not any(a.startswith("dynamodb:") for a in _actions(statement)):
                continue
            keys = _leading_keys(statement)
            assert keys and all(k.endswith("#*") for k in keys), (name, keys)
            assert "apikey#*" not in keys, name
    assert _leading_keys(_statements(_stage_policy(assembly, "render_scene"))[-1]) == ["job#*"]


def test_given_the_authorizer_and_the_api_then_only_they_read_api_keys_and_only_erasure_deletes(
    assembly: Assembly,
) -> None:
    (read_policy,) = [
        p
        for k, p in assembly.resources("Storage", "AWS::IAM::ManagedPolicy").items()
        if k.startswith("TableRead") and not k.startswith("TableReadWrite")
    ]
    (authorizer,) = _statements(read_policy)
    assert _leading_keys(authorizer) == ["apikey#*"]
    assert not any(a in _actions(authorizer) for a in ("dynamodb:PutItem", "dynamodb:UpdateItem"))
    api = _statements(_storage_policy(assembly, "TableReadWrite"))
    by_keys = {tuple(_leading_keys(s)): set(_actions(s)) for s in api}
    assert by_keys[("apikey#*",)] == {"dynamodb:GetItem", "dynamodb:Query"}
    writes = [k for k, actions in by_keys.items() if "dynamodb:PutItem" in actions]
    assert writes and all("apikey#*" not in k for k in writes)
    # Only the tenant's erasure (its own API group) deletes keys, last; no other policy writes them.
    for name, policy in assembly.resources("Storage", "AWS::IAM::ManagedPolicy").items():
        if name.startswith("TenantReadWrite"):
            continue
        for statement in _statements(policy):
            if "apikey#*" in json.dumps(statement.get("Condition", {})):
                assert not {"dynamodb:PutItem", "dynamodb:DeleteItem"} & set(_actions(statement))


def test_given_the_render_container_then_its_role_is_the_render_stage_s_access(
    assembly: Assembly,
) -> None:
    roles = assembly.resources("Render", "AWS::IAM::Role")
    (job_role,) = [r for k, r in roles.items() if k.startswith("JobRole")]
    attached = json.dumps(job_role["Properties"]["ManagedPolicyArns"])
    assert "StageRenderContainerAccess" in attached
    assert "ReadWrite" not in attached
