"""An HTTP API client that speaks API Gateway's payload 2.0 to the Lambdas behind it.

Each request is what the HTTP API would do with it: the route (``METHOD /path`` with its path
parameters) picks one API group's function, as ``stacks.api`` declares them; then, for a route
that is not public, the Lambda authorizer (a REQUEST event with the ``Authorization`` header as
identity source; a "simple response" decides), then the route's function gets the request
event with the authorizer's context, and its response (``statusCode``, ``headers``, ``body``,
``isBase64Encoded``) becomes the answer. A request no route matches is API Gateway's 404.

``HttpApi(..., person=claims)`` is the studio API instead (CloudFront's ``/v1/*``): its routes
(``stacks.api.studio_routes``) with the JWT authorizer, which hands the function the verified ID
token's claims (every one a string) in ``requestContext.authorizer.jwt``. ``sign_in_person``
gets a real ID token from moto's Cognito for a person of a tenant.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from estudio.api.groups import GROUPS
from stacks.rehearse.lambdas import Lambdas, api_function
from stacks.rehearse.world import ACCOUNT, REGION

API_ID = "rehearse1"
DOMAIN = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
AUTHORIZER = "authorizer"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway's template: /v1/projects/{project_id}, /static/{proxy+}
    function: str  # the rehearsed function's name (``api_<group>``)
    public: bool  # no authorizer

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def pattern(self) -> re.Pattern[str]:
        parts = re.split(r"(\{[^}]+\})", self.path)
        regex = "".join(
            (".+" if part.endswith("+}") else "[^/]+") if part.startswith("{") else re.escape(part)
            for part in parts
        )
        return re.compile(regex + "$")


def _routes(studio: bool = False) -> tuple[Route, ...]:
    from stacks.api import group_routes, studio_routes

    return tuple(
        Route(method, path, api_function(group.name), group.public)
        for group in GROUPS
        if group.cloud
        for method, path in (studio_routes if studio else group_routes)(group)
    )


# Every route the API stack declares, each to its group's function; and the studio API's.
ROUTES: tuple[Route, ...] = _routes()
STUDIO_ROUTES: tuple[Route, ...] = _routes(studio=True)


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def route_of(method: str, path: str, routes: tuple[Route, ...] = ROUTES) -> Route | None:
    """The route API Gateway picks: the matching one with the most literal text (a greedy
    ``{proxy+}`` last), or none."""
    matches = [r for r in routes if r.method == method and r.pattern().match(path)]
    if not matches:
        return None
    return max(
        matches, key=lambda r: (not r.path.endswith("+}"), len(re.sub(r"{[^}]+}", "", r.path)))
    )


def route_function(method: str, path: str) -> str:
    route = route_of(method, path)
    if route is None:
        raise KeyError(f"no route for {method} {path}")
    return route.function


def sign_in_person(session: Any, tenant: str) -> tuple[str, dict[str, str]]:
    """A person of ``tenant`` signs in (moto's Cognito): their ID token and its claims as the
    JWT authorizer passes them on (strings)."""
    cognito = session.client("cognito-idp")
    pool = cognito.create_user_pool(
        PoolName="estudio-rehearse-people",
        UsernameAttributes=["email"],
        Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    email, password = f"pessoa@{tenant}.example", "Ensaio-na-nuvem-1"
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "custom:tenant", "Value": tenant},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool, Username=email, Password=password, Permanent=True
    )
    token: str = cognito.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]["IdToken"]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return token, {name: str(value) for name, value in claims.items()}


class HttpApi:
    def __init__(
        self, lambdas: Lambdas, api_key: str, person: dict[str, str] | None = None
    ) -> None:
        self.lambdas = lambdas
        self.api_key = api_key  # the bearer: an API key, or a person's ID token
        self.person = person  # the studio API: the claims its JWT authorizer verified
        self.routes = STUDIO_ROUTES if person is not None else ROUTES

    def _request_context(self, method: str, path: str, route_key: str) -> dict[str, Any]:
        now = time.time()
        return {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "domainName": DOMAIN,
            "domainPrefix": API_ID,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "estudio-rehearse",
            },
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        }

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        raw = b"" if body is None else json.dumps(body).encode("utf-8")
        sent = {
            "accept": "application/json",
            "authorization": f"Bearer {self.api_key}",
            "host": DOMAIN,
            "user-agent": "estudio-rehearse",
            "x-forwarded-for": "203.0.113.10",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            **({"content-type": "application/json"} if body is not None else {}),
            **{name.lower(): value for name, value in (headers or {}).items()},
        }
        path_only, _, query = path.partition("?")
        route = route_of(method, path_only, self.routes)
        if route is None:
            return Response(404, {}, b'{"message":"Not Found"}')
        context = self._request_context(method, path_only, route.key)
        authorizer_context: dict[str, Any] = {}
        if not route.public and self.person is not None:
            authorizer_context = {"authorizer": {"jwt": {"claims": self.person, "scopes": None}}}
        elif not route.public:
            decision = self._authorize(method, path_only, query, sent, context)
            if not decision.get("isAuthorized"):
                return Response(403, {}, b'{"message":"Forbidden"}')
            authorizer_context = {"authorizer": {"lambda": decision.get("context", {})}}
        event = {
            "version": "2.0",
            "routeKey": route.key,
            "rawPath": path_only,
            "rawQueryString": query,
            "headers": sent,
            "requestContext": {**context, **authorizer_context},
            "body": raw.decode("utf-8") if raw else None,
            "isBase64Encoded": False,
        }
        answer = self.lambdas.invoke(route.function, event)
        payload = answer.get("body") or ""
        data = base64.b64decode(payload) if answer.get("isBase64Encoded") else payload.encode()
        return Response(int(answer["statusCode"]), dict(answer.get("headers") or {}), data)

    def _authorize(
        self,
        method: str,
        path_only: str,
        query: str,
        sent: dict[str, str],
        context: dict[str, Any],
    ) -> dict[str, Any]:
        decision: dict[str, Any] = self.lambdas.invoke(
            AUTHORIZER,
            {
                "version": "2.0",
                "type": "REQUEST",
                "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/$default/"
                f"{method}{path_only}",
                "identitySource": [sent["authorization"]],
                "routeKey": context["routeKey"],
                "rawPath": path_only,
                "rawQueryString": query,
                "headers": sent,
                "requestContext": context,
            },
        )
        return decision

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = self.request(method, path, body)
        if response.status != expect:
            raise ApiError(response.status, response.body.decode("utf-8", "replace")[:500])
        return response.json()
