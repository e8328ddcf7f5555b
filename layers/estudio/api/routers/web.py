"""The web page: plain HTML and a small script, no build step."""

from __future__ import annotations

import html
import ipaddress
from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from estudio.api.deps import ServicesDep

router = APIRouter(include_in_schema=False)
STATIC = files("estudio.api") / "static"


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("testclient", "localhost")


@router.get("/", response_class=HTMLResponse)
def index(request: Request, services: ServicesDep) -> HTMLResponse:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    key = services.local_key if services.local_key and _loopback(request) else ""
    page = page.replace("{{LOCAL_KEY}}", html.escape(key, quote=True))
    return HTMLResponse(
        page, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )
