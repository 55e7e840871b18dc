"""Every error leaves as ``{"error": {"code", "message"}}`` with the status of API.md."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from highseas import errors
from highseas.api.deps import authenticate_first
from highseas.refusals import audit_refusal


class ErrorDetail(BaseModel):
    code: str
    message: str
    existing: dict[str, Any] | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


# Documented on every route, so clients and the OpenAPI document know the error body's shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        401: "unauthenticated",
        403: "forbidden, not_pool_member",
        404: "not_found",
        409: "already_owned, not_owner, capacity_full, reclaim_protected, duplicate_customer, lock_cap_full",
        422: "validation_error",
        429: "daily_limit, rate_limited",
        503: "busy (an import is checking for duplicates: nothing was done, try again)",
    }.items()
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


# Pydantic names the member of a union (or the validator) that refused a value; a person only
# needs the field's name.
_TYPE_TAG = re.compile(r"^(constrained-)?(str|int|float|bool|none|decimal)$|^function-")


def _field_name(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    if "[key]" in parts:  # a mapping's key is wrong, not a value: name the mapping
        parts = parts[: parts.index("[key]") - 1]
    return ".".join(p for p in parts if not _TYPE_TAG.match(p)) or "body"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    # Only "existing" may reach the caller; other details (such as which contact matched) are for
    # the audit trail.
    extra = {"existing": exc.details["existing"]} if "existing" in exc.details else {}
    audit_refusal(request, exc)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return JSONResponse(error_body(exc.code, exc.message, **extra), status_code=exc.status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    try:
        await authenticate_first(request)
    except errors.Unauthenticated as refused:
        return await _domain_error(request, refused)
    problems = exc.errors()
    first = problems[0] if problems else {"loc": ("body",), "msg": "invalid input"}
    if first.get("type") == "json_invalid":
        message = "body: the request body is not valid JSON"
    else:
        why = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        message = f"{_field_name(tuple(first.get('loc', ())))}: {why}"
    return JSONResponse(error_body("validation_error", message), status_code=422)


_HTTP_CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # Starlette could not even decode the body
        return JSONResponse(
            error_body("validation_error", "body: could not be read; send UTF-8 encoded JSON"),
            status_code=422,
        )
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = "no such endpoint" if exc.status_code == 404 else str(exc.detail)
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
