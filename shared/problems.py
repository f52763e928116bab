"""RFC 9457 problem+json for every error, and the domain errors services raise instead of HTTP."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://ladda.dev/problems/"


class DomainError(Exception):
    """A rule of the domain said no. Subclasses choose the HTTP status and a stable type slug."""

    status: int = 400
    slug: str = "bad-request"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    status, slug = 404, "not-found"


class Conflict(DomainError):
    status, slug = 409, "conflict"


class Forbidden(DomainError):
    status, slug = 403, "forbidden"


class Unauthenticated(DomainError):
    status, slug = 401, "unauthenticated"
    headers = {"WWW-Authenticate": "Bearer"}


class Invalid(DomainError):
    status, slug = 422, "invalid"


class Unavailable(DomainError):
    status, slug = 503, "unavailable"


def problem(
    status: int,
    detail: str | None = None,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or phrase.lower().replace(" ", "-")),
        "title": title or phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem(exc.status, exc.detail, slug=exc.slug, headers=exc.headers, **exc.extensions)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return problem(422, "The request is not valid.", slug="validation", errors=errors)


async def _unstorable_value(request: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL refused a value taken from the request (NUL byte, number beyond its type).

    Endpoints validate what they can; this is the net under them, so such input is the
    client's 422 and never a 500.
    """
    log.info("http.unstorable_value", path=request.url.path, error=type(exc).__name__)
    return problem(
        422,
        "A value in the request is out of range or contains characters that cannot be stored.",
        slug="validation",
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.exception("http.unhandled_error", path=request.url.path, error=type(exc).__name__)
    return problem(500, "An unexpected error occurred; it has been logged.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(asyncpg.DataError, _unstorable_value)
    app.add_exception_handler(Exception, _unhandled)
