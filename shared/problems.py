"""RFC 9457 problem+json for every error, and the domain errors services raise instead of HTTP."""

from __future__ import annotations

from collections.abc import Callable
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


# -- the contract in OpenAPI ---------------------------------------------------------------------

PROBLEM_REF = "#/components/schemas/Problem"
VALIDATION_PROBLEM_REF = "#/components/schemas/ValidationProblem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; every error of the API has this shape.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "required": ["type", "title", "status"],
}
VALIDATION_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ValidationProblem",
    "description": "A 422 problem: what in the request was not valid.",
    "type": "object",
    "properties": {
        **PROBLEM_SCHEMA["properties"],
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status"],
}
# What every operation of a service may answer, beyond what its route declares.
_SERVICE_STATUSES: dict[str, str] = {
    "404": "Not found, or not yours to see.",
    "500": "An unexpected error; it has been logged.",
    "503": "The service is starting or its database is unreachable; try again shortly.",
}
_SECURED_STATUSES = {
    "401": "A valid access token is required.",
    "403": "The caller's role or scopes do not allow this.",
}
_MUTATION_STATUSES = {"409": "The request conflicts with the current state."}
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def problem_response(description: str, schema_ref: str = PROBLEM_REF) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": schema_ref}}},
    }


def document_problems(
    document: dict[str, Any],
    extra: Callable[[str, str, dict[str, Any]], dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Make every operation of an OpenAPI document list the errors it can answer, each as
    `application/problem+json` with the Problem schema (422: ValidationProblem).

    Generic, from the operation's shape: 401/403 when it is secured, 409 for writes, 422 when it
    takes input, 400 when it takes a body, 404/500/503 always; `extra(method, path, operation)` adds a caller's own (the
    gateway's 413, 429, 5xx). Errors a route declared itself keep their description. Idempotent.
    """
    global_security = document.get("security")
    for path, item in (document.get("paths") or {}).items():
        for method in _HTTP_METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if not isinstance(operation, dict):
                continue
            statuses = dict(_SERVICE_STATUSES)
            if operation.get("security", global_security):
                statuses.update(_SECURED_STATUSES)
            if method in ("post", "put", "patch", "delete"):
                statuses.update(_MUTATION_STATUSES)
            if operation.get("parameters") or operation.get("requestBody"):
                statuses["422"] = "The request is not valid."
            if operation.get("requestBody"):
                statuses["400"] = "The body could not be parsed."
            if extra is not None:
                statuses.update(extra(method, path, operation))
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400 and isinstance(response, dict):
                    ref = VALIDATION_PROBLEM_REF if status == "422" else PROBLEM_REF
                    response["content"] = {PROBLEM_JSON: {"schema": {"$ref": ref}}}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", PROBLEM_SCHEMA)
    schemas.setdefault("ValidationProblem", VALIDATION_PROBLEM_SCHEMA)
    return document
