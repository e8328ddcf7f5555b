"""The one place that turns errors into HTTP: ``application/problem+json`` with a ``code``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from estudio.errors import EstudioError
from estudio.observability import logger

PROBLEM_MEDIA_TYPE = "application/problem+json"
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    411: "length_required",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def problem(
    status: int, code: str, title: str, detail: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:estudio:problem:{code}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _title(code: str) -> str:
    return code.replace("_", " ").capitalize()


async def _estudio_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, EstudioError)
    if error.http_status >= 500:
        logger.error("request failed", path=request.url.path, code=error.code)
    return problem(error.http_status, error.code, _title(error.code), error.message)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": e.get("type"),
        }
        for e in error.errors()
    ]
    return problem(
        422, "invalid_request", "Invalid request", "the request is not valid", errors=errors
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = _HTTP_CODES.get(error.status_code, "http_error")
    detail = error.detail if isinstance(error.detail, str) else None
    response = problem(error.status_code, code, _title(code), detail)
    if error.headers:
        response.headers.update(error.headers)
    return response


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.exception("unexpected error", path=request.url.path, error=type(error).__name__)
    return problem(500, "internal_error", "Internal error", "an unexpected error occurred")


def install(app: FastAPI) -> None:
    app.add_exception_handler(EstudioError, _estudio_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
