"""The studio app: plain ES modules and CSS under ``static/``, no build step, no key in the HTML
(docs/adr/0015-studio-app.md).

The app reads ``GET /config.json`` first: where the API is and how people sign in. Served here it
says ``{"kind": "local"}``: the page signs in with the one-time link ``estudio serve`` prints
(``estudio.api.login``), or a pasted API key. In the cloud the same static folder is deployed to
the site bucket with a ``config.json`` naming the Cognito hosted UI.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import StringConstraints

from estudio.api.deps import ServicesDep
from estudio.api.login import is_loopback_host
from estudio.api.schemas import Input, Schema
from estudio.errors import NotFound, Unauthorized

router = APIRouter(include_in_schema=False)
STATIC = files("estudio.api") / "static"


class LoginRequest(Input):
    token: Annotated[str, StringConstraints(min_length=16, max_length=100)]


class LoginAnswer(Schema):
    api_key: str


LOCAL_CONFIG: dict[str, object] = {"api": "/v1", "auth": {"kind": "local"}}


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def app_config() -> JSONResponse:
    """``GET /config.json`` of ``estudio serve``: where the app finds the API and how people sign
    in (the local login link). Not a route of the cloud's API: there the site serves its own
    ``config.json`` naming the Cognito hosted UI (``create_app`` adds this one in local mode)."""
    return JSONResponse(LOCAL_CONFIG, headers={"Cache-Control": "no-store"})


@router.post("/v1/local/login", response_model=LoginAnswer)
def local_login(body: LoginRequest, request: Request, services: ServicesDep) -> LoginAnswer:
    """Trade the one-time token of ``estudio serve``'s link for the local key (loopback only)."""
    if services.login is None:
        raise NotFound("not found")
    if not is_loopback_host(request.headers.get("host", "")):
        raise NotFound("not found")
    key = services.login.redeem(body.token)
    if key is None:
        raise Unauthorized("this login link was already used or is unknown")
    return LoginAnswer(api_key=key)
