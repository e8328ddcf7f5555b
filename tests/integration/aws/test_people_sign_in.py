"""People in the cloud: a Cognito ID token (moto's user pool) → what API Gateway's JWT authorizer
hands the function (``requestContext.authorizer.jwt.claims``, every claim a string) → the real
API handler, answering for the token's tenant only."""

from __future__ import annotations

import base64
import copy
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from estudio.adapters.aws.context import cached_adapters
from estudio.adapters.aws.principal import TENANT_CLAIM, jwt_claims, normalise_tenant
from estudio.api.groups import GROUP_ENV
from estudio.api.keys import create_key
from estudio.errors import TenantClaimMissing
from estudio.services.audit import AuditLog
from tests.events.loader import FakeLambdaContext, load_event, load_handler
from tests.integration.aws.conftest import REGION, FakeCloud

PASSWORD = "Corr3ct-Horse-Battery!"


@dataclass(frozen=True)
class Pool:
    client: Any
    pool_id: str
    client_id: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    def add_user(self, email: str, tenant: str | None) -> None:
        """What docs/deploy.md tells an admin to run (admin-create-user with custom:tenant)."""
        attributes = [{"Name": "email", "Value": email}]
        if tenant is not None:
            attributes.append({"Name": TENANT_CLAIM, "Value": tenant})
        self.client.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            UserAttributes=attributes,
            MessageAction="SUPPRESS",
        )
        self.client.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password=PASSWORD, Permanent=True
        )

    def id_token(self, email: str) -> str:
        result = self.client.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        token: str = result["AuthenticationResult"]["IdToken"]
        return token

    def verified_claims(self, token: str) -> dict[str, Any]:
        """What the JWT authorizer checks before the function runs: the signature against the
        pool's JWKS, the issuer, the audience (the app client), the expiry."""
        jwks = requests.get(f"{self.issuer}/.well-known/jwks.json", timeout=5).json()
        decoded = jwt.decode(token, KeySet.import_key_set(jwks))
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            exp={"essential": True},
            token_use={"essential": True, "value": "id"},
        ).validate(decoded.claims)
        return dict(decoded.claims)


@pytest.fixture
def pool(cloud: FakeCloud) -> Iterator[Pool]:
    client = cloud.client("cognito-idp")
    pool_id = client.create_user_pool(
        PoolName="estudio-test-people",
        UsernameAttributes=["email"],
        Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]["Id"]
    client_id = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", "email_verified", TENANT_CLAIM],
        WriteAttributes=["email"],
    )["UserPoolClient"]["ClientId"]
    yield Pool(client, pool_id, client_id)


def jwt_event(
    claims: dict[str, Any], token: str, method: str, path: str, body: Any = None
) -> dict[str, Any]:
    """The payload-2.0 event of a request through CloudFront to the studio API: claims as the
    JWT authorizer passes them (strings), the bearer token as the browser sent it."""
    event = copy.deepcopy(load_event("apigw_http_jwt_get_projects"))
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = ""
    event.pop("queryStringParameters")
    event["headers"]["authorization"] = f"Bearer {token}"
    event["requestContext"]["authorizer"]["jwt"]["claims"] = {
        name: value if isinstance(value, str) else str(value) for name, value in claims.items()
    }
    if body is not None:
        event["body"] = json.dumps(body)
        event["headers"]["content-type"] = "application/json"
    return event


@pytest.fixture
def api(cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv(GROUP_ENV, raising=False)  # one function for every route
    return load_handler("api")


def call(api: Any, event: dict[str, Any]) -> tuple[int, Any]:
    response = api.handler(event, FakeLambdaContext())
    body = response.get("body") or "null"
    if response.get("isBase64Encoded"):  # Mangum: application/problem+json is not "text"
        body = base64.b64decode(body).decode("utf-8")
    return int(response["statusCode"]), json.loads(body)


def test_given_people_of_two_tenants_when_they_call_with_their_tokens_then_each_sees_only_theirs(
    pool: Pool, api: Any
) -> None:
    pool.add_user("ana@acme.example", "acme")
    pool.add_user("bia@globex.example", "globex")
    ana_token = pool.id_token("ana@acme.example")
    ana = pool.verified_claims(ana_token)
    bia_token = pool.id_token("bia@globex.example")
    bia = pool.verified_claims(bia_token)
    assert ana[TENANT_CLAIM] == "acme" and ana["aud"] == pool.client_id

    status, created = call(
        api, jwt_event(ana, ana_token, "POST", "/v1/projects", {"name": "NR-10 Segurança"})
    )
    assert status == 201, created

    status, ana_list = call(api, jwt_event(ana, ana_token, "GET", "/v1/projects"))
    assert status == 200
    assert [p["id"] for p in ana_list["items"]] == [created["id"]]
    status, bia_list = call(api, jwt_event(bia, bia_token, "GET", "/v1/projects"))
    assert (status, bia_list["items"]) == (200, [])
    status, _ = call(api, jwt_event(bia, bia_token, "GET", f"/v1/projects/{created['id']}"))
    assert status == 404  # another tenant's id is not there at all

    entries = AuditLog(cached_adapters().items).entries("acme")
    assert [(e.data["actor"], e.data["action"]) for e in entries] == [
        (f"user:{ana['sub']}", "POST /v1/projects")
    ]


def test_given_a_partner_key_of_the_same_tenant_then_it_sees_what_the_person_made(
    pool: Pool, api: Any
) -> None:
    pool.add_user("ana@acme.example", "acme")
    token = pool.id_token("ana@acme.example")
    claims = pool.verified_claims(token)
    _, created = call(api, jwt_event(claims, token, "POST", "/v1/projects", {"name": "Integração"}))
    key = create_key(cached_adapters().items, "acme", label="partner")

    event = copy.deepcopy(load_event("apigw_http_get_health"))  # the partner API's event
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/v1/projects"
    event["routeKey"] = event["requestContext"]["routeKey"] = "GET /v1/projects"
    event["headers"]["authorization"] = f"Bearer {key}"
    status, listed = call(api, event)

    assert status == 200
    assert [p["id"] for p in listed["items"]] == [created["id"]]


def test_given_a_person_without_a_tenant_when_they_call_then_they_are_refused_with_a_code(
    pool: Pool, api: Any
) -> None:
    pool.add_user("sem@tenant.example", None)
    token = pool.id_token("sem@tenant.example")
    claims = pool.verified_claims(token)
    assert TENANT_CLAIM not in claims

    status, problem = call(api, jwt_event(claims, token, "GET", "/v1/projects"))

    assert status == 403
    assert problem["code"] == "tenant_claim_missing"
    status, problem = call(api, jwt_event(claims, token, "POST", "/v1/projects", {"name": "x"}))
    assert (status, problem["code"]) == (403, "tenant_claim_missing")


def test_given_a_token_whose_tenant_is_not_a_tenant_name_then_it_is_refused(
    pool: Pool, api: Any
) -> None:
    pool.add_user("odd@acme.example", "../acme")
    token = pool.id_token("odd@acme.example")

    status, problem = call(
        api, jwt_event(pool.verified_claims(token), token, "GET", "/v1/projects")
    )

    assert (status, problem["code"]) == (403, "tenant_claim_missing")


def test_given_the_partner_api_when_a_jwt_comes_without_an_authorizer_claim_then_it_is_no_key(
    pool: Pool, api: Any
) -> None:
    """A token sent to the partner API (no JWT authorizer there): no claims reach the function,
    and a JWT is not an API key."""
    pool.add_user("ana@acme.example", "acme")
    token = pool.id_token("ana@acme.example")
    event = copy.deepcopy(load_event("apigw_http_get_health"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/v1/projects"
    event["headers"]["authorization"] = f"Bearer {token}"

    status, problem = call(api, event)

    assert (status, problem["code"]) == (401, "unauthorized")


def test_given_the_recorded_event_then_its_claims_are_read_and_normalised() -> None:
    event = load_event("apigw_http_jwt_get_projects")
    claims = jwt_claims(event)
    assert claims is not None and claims["token_use"] == "id"
    assert normalise_tenant(" Acme ") == "acme"
    assert jwt_claims(load_event("apigw_http_get_health")) is None
    for bad in (None, "", "   ", "a/b", "x" * 64, 7):
        with pytest.raises(TenantClaimMissing):
            normalise_tenant(bad)


def test_given_an_expired_token_then_the_authorizers_checks_refuse_it(pool: Pool) -> None:
    """The checks the test stands in for would fail a token of another audience."""
    pool.add_user("ana@acme.example", "acme")
    token = pool.id_token("ana@acme.example")
    other = Pool(pool.client, pool.pool_id, "another-client")
    with pytest.raises(Exception, match="aud"):
        other.verified_claims(token)
    assert pool.verified_claims(token)["exp"] > time.time()


def test_given_a_person_when_they_create_a_partner_key_then_the_key_works_for_their_tenant(
    pool: Pool, api: Any
) -> None:
    """The app's partner page: people manage their tenant's keys through the studio API."""
    pool.add_user("ana@acme.example", "acme")
    token = pool.id_token("ana@acme.example")
    claims = pool.verified_claims(token)
    _, project = call(api, jwt_event(claims, token, "POST", "/v1/projects", {"name": "Parceiro"}))

    status, created = call(api, jwt_event(claims, token, "POST", "/v1/keys", {"label": "lms"}))
    assert status == 201, created
    status, listed = call(api, jwt_event(claims, token, "GET", "/v1/keys"))
    assert status == 200 and [k["id"] for k in listed] == [created["id"]]

    event = copy.deepcopy(load_event("apigw_http_get_health"))  # the partner API's event
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/v1/projects"
    event["headers"]["authorization"] = f"Bearer {created['key']}"
    status, seen = call(api, event)
    assert status == 200 and [p["id"] for p in seen["items"]] == [project["id"]]

    path = f"/v1/keys/{created['id']}"
    status, revoked = call(api, jwt_event(claims, token, "DELETE", path))
    assert (status, revoked["revoked"]) == (200, True)
    assert call(api, event)[0] == 401
    actions = [
        (e.data["actor"], e.data["action"])
        for e in AuditLog(cached_adapters().items).entries("acme")
    ]
    assert (f"user:{claims['sub']}", "POST /v1/keys") in actions
    assert (f"user:{claims['sub']}", "DELETE /v1/keys/{key_id}") in actions
