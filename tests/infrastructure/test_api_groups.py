"""Small API Lambdas: every route of the app belongs to one group, each group's function serves
exactly its routes, and its role holds only what those routes touch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from estudio.api.groups import GROUPS, group
from stacks.api import group_routes
from tests.infrastructure.assembly import Assembly, synthesized


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return synthesized()


def _full_app_routes(tmp_path: Any) -> set[tuple[str, str]]:
    from estudio.adapters.local import FolderBlobStore, SqliteItemStore
    from estudio.api.app import create_app
    from estudio.api.urls import UrlSigner
    from estudio.settings import Settings

    app = create_app(
        SqliteItemStore(tmp_path / "state.sqlite3"),
        FolderBlobStore(tmp_path / "blobs"),
        settings=Settings(data=tmp_path),
        signer=UrlSigner(b"0" * 32),
    )
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    client = TestClient(app)
    assert client.get("/").status_code == 200  # the page, outside the schema
    assert client.get("/static/app.js").status_code == 200
    # The local sign-in, outside the schema too: without estudio serve's login, nothing.
    assert client.post("/v1/local/login", json={"token": "t" * 16}).status_code == 404
    return documented | {("GET", "/"), ("POST", "/v1/local/login")}


def test_given_the_full_local_app_then_every_route_belongs_to_exactly_one_group(
    tmp_path: Any,
) -> None:
    served = [route for g in GROUPS for route in group_routes(g)]
    assert len(served) == len(set(served)), "a route in two groups"
    assert _full_app_routes(tmp_path) == set(served) - {("GET", "/static/{proxy+}")}


def test_given_one_group_when_its_app_is_built_then_it_serves_its_routes_only(
    tmp_path: Any,
) -> None:
    from estudio.adapters.local import FolderBlobStore, SqliteItemStore
    from estudio.api.app import create_app
    from estudio.settings import Settings

    app = create_app(
        SqliteItemStore(tmp_path / "s.sqlite3"),
        FolderBlobStore(tmp_path / "b"),
        settings=Settings(data=tmp_path),
        group=group("catalog"),
    )
    assert set(app.openapi()["paths"]) == {"/v1/voices", "/v1/avatars", "/v1/glossary"}
    client = TestClient(app)
    assert client.get("/v1/avatars").status_code == 401  # served (a key is needed)
    assert client.get("/v1/projects").status_code == 404  # another group's route: absent
    assert client.get("/").status_code == 404


def _routes(assembly: Assembly) -> dict[tuple[str, str], str]:
    """route key → the Lambda logical id its integration invokes."""
    resources = assembly.template("Api")["Resources"]
    integrations = {
        k: v["Properties"]["IntegrationUri"]["Fn::GetAtt"][0]
        for k, v in resources.items()
        if v["Type"] == "AWS::ApiGatewayV2::Integration"
    }
    found = {}
    for route in (v for v in resources.values() if v["Type"] == "AWS::ApiGatewayV2::Route"):
        method, path = route["Properties"]["RouteKey"].split(" ", 1)
        target = route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
        found[(method, path)] = integrations[target]
        auth = route["Properties"].get("AuthorizationType", "NONE")
        # The page's sign-in trades estudio serve's one-time token (loopback only; 404 here).
        public = path in ("/v1/health", "/", "/static/{proxy+}", "/v1/local/login")
        assert auth == ("NONE" if public else "CUSTOM"), path  # API keys everywhere else
    return found


def test_given_the_api_then_each_route_maps_to_its_groups_function(assembly: Assembly) -> None:
    routes = _routes(assembly)
    functions = {
        k: v["Properties"] for k, v in assembly.resources("Api", "AWS::Lambda::Function").items()
    }
    for g in GROUPS:
        expected = set(group_routes(g))
        if not g.cloud:
            assert not expected & set(routes), g.name
            continue
        targets = {routes[r] for r in expected}
        assert len(targets) == 1, g.name
        (target,) = targets
        env = functions[target]["Environment"]["Variables"]
        assert env["ESTUDIO_API_GROUP"] == g.name
        assert {r for r, t in routes.items() if t == target} == expected


def _role_access(assembly: Assembly, group_name: str) -> str:
    resources = assembly.template("Api")["Resources"]
    (fn,) = [
        v
        for v in resources.values()
        if v["Type"] == "AWS::Lambda::Function"
        and v["Properties"].get("Environment", {}).get("Variables", {}).get("ESTUDIO_API_GROUP")
        == group_name
    ]
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    inline = [
        v["Properties"]["PolicyDocument"]
        for v in resources.values()
        if v["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in v["Properties"]["Roles"]
    ]
    return json.dumps([resources[role_id]["Properties"].get("ManagedPolicyArns", []), inline])


@pytest.mark.parametrize(
    ("name", "has", "lacks"),
    [
        (
            "health",
            [],
            ["Table", "Uploads", "Artifacts", "Outputs", "VoiceKeys", "sqs:", "states:"],
        ),
        (
            "catalog",
            ["TableWriteNoDelete", "VoiceKeysRead"],
            [
                "TableReadWrite",
                "TenantReadWrite",
                "Uploads",
                "Artifacts",
                "Outputs",
                "sqs:",
                "ExecutionControl",
            ],
        ),
        (
            # DELETE /v1/projects/{id} removes its deck, model and pending uploads (and lists
            # every bucket to find them).
            "projects",
            ["TableReadWrite", "ArtifactsReadWrite", "UploadsReadWrite", "OutputsRead"],
            ["TenantReadWrite", "OutputsReadWrite", "VoiceKeys", "sqs:", "ExecutionControl"],
        ),
        (
            "uploads",
            ["TableReadWrite", "ArtifactsReadWrite", "UploadsReadWrite", "sqs:SendMessage"],
            ["TenantReadWrite", "Outputs", "VoiceKeys", "ExecutionControl"],
        ),
        (
            # Scene previews: read the project, speak (voice keys, the speech cache) and read
            # the slide images; nothing deleted, no render started.
            "previews",
            ["TableWriteNoDelete", "ArtifactsReadWrite", "VoiceKeysRead"],
            ["TableReadWrite", "TenantReadWrite", "Uploads", "Outputs", "sqs:", "ExecutionControl"],
        ),
        (
            # DELETE /v1/renders/{id} stops the execution and removes the render's files.
            "renders",
            [
                "TableReadWrite",
                "ArtifactsReadWrite",
                "OutputsReadWrite",
                "UploadsRead",
                "ExecutionControl",
                "sqs:SendMessage",
            ],
            ["TenantReadWrite", "UploadsReadWrite", "VoiceKeys"],
        ),
        (
            "webhooks",
            ["TableReadWrite", "sqs:SendMessage"],
            [
                "TenantReadWrite",
                "Uploads",
                "Artifacts",
                "Outputs",
                "VoiceKeys",
                "ExecutionControl",
            ],
        ),
        (
            # Export and erasure: every item kind (API keys last), every bucket.
            "tenant",
            [
                "TenantReadWrite",
                "ArtifactsReadWrite",
                "OutputsReadWrite",
                "UploadsReadWrite",
                "ExecutionControl",
            ],
            ["TableReadWrite", "VoiceKeys", "sqs:"],
        ),
    ],
)
def test_given_a_group_role_then_it_holds_only_what_its_routes_touch(
    assembly: Assembly, name: str, has: list[str], lacks: list[str]
) -> None:
    access = _role_access(assembly, name)
    for needed in has:
        assert needed in access, (name, needed)
    for forbidden in lacks:
        assert forbidden not in access, (name, forbidden)


def _policy_statements(assembly: Assembly, name: str) -> list[dict[str, Any]]:
    (policy,) = [
        v["Properties"]["PolicyDocument"]["Statement"]
        for k, v in assembly.template("Storage")["Resources"].items()
        if v["Type"] == "AWS::IAM::ManagedPolicy" and k.startswith(name)
    ]
    return list(policy)


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_given_the_table_policies_then_only_the_deleting_groups_delete_items(
    assembly: Assembly,
) -> None:
    put = _policy_statements(assembly, "TableWriteNoDelete")
    assert all("dynamodb:DeleteItem" not in _actions(s) for s in put)
    assert any("dynamodb:PutItem" in _actions(s) for s in put)
    (writes,) = [s for s in put if "dynamodb:PutItem" in _actions(s)]
    assert "apikey#*" not in json.dumps(writes)  # API keys: read only
    assert "audit#*" in json.dumps(writes)  # every change through the API is recorded

    tenant = _policy_statements(assembly, "TenantReadWrite")
    (erase,) = [s for s in tenant if "dynamodb:DeleteItem" in _actions(s)]
    kinds = erase["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert {"apikey#*", "audit#*", "project#*", "job#*"} <= set(kinds)
