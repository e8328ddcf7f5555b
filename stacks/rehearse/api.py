"""An HTTP API client that speaks API Gateway's payload 2.0 to the Lambdas behind it.

Each request is what the HTTP API would do with it: the Lambda authorizer first (a REQUEST event
with the ``Authorization`` header as identity source; a "simple response" decides), then the
route's function gets the request event with the authorizer's context, and its response
(``statusCode``, ``headers``, ``body``, ``isBase64Encoded``) becomes the answer.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from stacks.rehearse.lambdas import Lambdas
from stacks.rehearse.world import ACCOUNT, REGION

API_ID = "rehearse1"
DOMAIN = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
AUTHORIZER = "authorizer"
# Route prefix → the function folder serving it (first match wins), as the API stack wires them.
ROUTES: tuple[tuple[str, str], ...] = (("/", "api"),)


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


def route_function(path: str) -> str:
    return next(function for prefix, function in ROUTES if path.startswith(prefix))


class HttpApi:
    def __init__(self, lambdas: Lambdas, api_key: str) -> None:
        self.lambdas = lambdas
        self.api_key = api_key

    def _request_context(self, method: str, path: str) -> dict[str, Any]:
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
            "routeKey": "$default",
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
        context = self._request_context(method, path_only)
        decision = self.lambdas.invoke(
            AUTHORIZER,
            {
                "version": "2.0",
                "type": "REQUEST",
                "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/$default/"
                f"{method}{path_only}",
                "identitySource": [sent["authorization"]],
                "routeKey": "$default",
                "rawPath": path_only,
                "rawQueryString": query,
                "headers": sent,
                "requestContext": context,
            },
        )
        if not decision.get("isAuthorized"):
            return Response(403, {}, b'{"message":"Forbidden"}')
        event = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path_only,
            "rawQueryString": query,
            "headers": sent,
            "requestContext": {**context, "authorizer": {"lambda": decision.get("context", {})}},
            "body": raw.decode("utf-8") if raw else None,
            "isBase64Encoded": False,
        }
        answer = self.lambdas.invoke(route_function(path_only), event)
        payload = answer.get("body") or ""
        data = base64.b64decode(payload) if answer.get("isBase64Encoded") else payload.encode()
        return Response(int(answer["statusCode"]), dict(answer.get("headers") or {}), data)

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = self.request(method, path, body)
        if response.status != expect:
            raise ApiError(response.status, response.body.decode("utf-8", "replace")[:500])
        return response.json()
