"""What every request passes before any route runs: a body-size limit and security headers.

``RequestGuard`` is plain ASGI, outermost of the app's own layers:

- **Body limits before parsing.** Each route has a ceiling (JSON bodies ``JSON_MAX_BYTES``, decks
  the deck limit). A declared ``Content-Length`` above it answers 413 without reading a byte; a
  chunked or lying body is counted while it is read and cut off at the ceiling. Authentication
  comes later, so anonymous and authenticated callers meet the same limit.
- **Security headers on every response**: a Content-Security-Policy without inline script,
  ``frame-ancestors 'none'``, ``nosniff``, ``Referrer-Policy: no-referrer``. The Swagger page at
  ``/docs`` gets its own policy: its one inline script is allowed by hash, its assets by origin.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from estudio.api.problems import PROBLEM_MEDIA_TYPE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_MAX_BYTES = 1 << 20  # projects, scenes, glossaries, webhooks: 1 MiB is generous
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the deck

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; "
    "media-src 'self' blob: https:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SWAGGER_ORIGIN = "https://cdn.jsdelivr.net"
SECURITY_HEADERS: dict[str, str] = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
_DECK_UPLOAD = re.compile(r"^/v1/projects/[^/]+/deck$")
_RAW_UPLOAD = re.compile(r"^/v1/uploads/[^/]+$")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_csp(html: str) -> str:
    """The policy for a Swagger UI page: its inline scripts by hash, its assets by origin."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src {SWAGGER_ORIGIN} {hashes}; "
        f"style-src {SWAGGER_ORIGIN} 'unsafe-inline'; img-src 'self' data: https:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def body_limit(method: str, path: str, content_type: str, deck_bytes: int) -> int:
    """The most bytes a request to ``path`` may carry."""
    if method == "POST" and _DECK_UPLOAD.match(path) and content_type.startswith("multipart/"):
        return deck_bytes + MULTIPART_OVERHEAD
    if method == "PUT" and _RAW_UPLOAD.match(path):
        return deck_bytes
    return JSON_MAX_BYTES


class _TooLarge(Exception):
    pass


def _problem_body(limit: int) -> bytes:
    return json.dumps(
        {
            "type": "urn:estudio:problem:payload_too_large",
            "title": "Payload too large",
            "status": 413,
            "code": "payload_too_large",
            "detail": f"the request body is larger than {limit} bytes",
            "limit": limit,
        }
    ).encode()


class RequestGuard:
    def __init__(
        self, app: ASGIApp, deck_bytes: int, path_csp: dict[str, str] | None = None
    ) -> None:
        self.app = app
        self.deck_bytes = deck_bytes
        self.path_csp = dict(path_csp or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = str(scope.get("path", ""))
        limit = body_limit(
            str(scope.get("method", "GET")), path, headers.get("content-type", ""), self.deck_bytes
        )
        csp = self.path_csp.get(path, CSP)
        state = {"started": False, "refused": False}

        async def secure_send(message: Message) -> None:
            if state["refused"]:
                return  # the 413 went out; whatever the app says after is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(b"content-security-policy", csp.encode())] + [
                    (k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                ]
                message["headers"] = [
                    *message.get("headers", []),
                    *((k, v) for k, v in extra if k not in present),
                ]
            await send(message)

        async def refuse() -> None:
            body = _problem_body(limit)
            await secure_send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await secure_send({"type": "http.response.body", "body": body})
            state["refused"] = True

        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await refuse()
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not state["started"]:
                        await refuse()
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted_receive, secure_send)
        except _TooLarge:
            if not state["refused"] and not state["started"]:
                await refuse()
        except Exception:
            if not state["refused"]:
                raise
