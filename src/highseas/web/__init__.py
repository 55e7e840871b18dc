"""The web pages of HighSeas, served at ``/`` beside the API: server-rendered, usable without
JavaScript, in 简体中文 and English. Every action calls the same services as the API."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from highseas import errors
from highseas.auth.service import user_for_token
from highseas.db import session_scope
from highseas.refusals import audit_refusal
from highseas.web import (
    routes_admin,
    routes_admin_pools,
    routes_auth,
    routes_customer_form,
    routes_duplicates,
    routes_export,
    routes_intake,
    routes_rep,
    routes_team,
)
from highseas.web.context import SESSION_COOKIE, CsrfRejected, LoginRequired, Page, lang_of

STATIC = Path(__file__).parent / "static"
Handler = Callable[[Request, Any], Response | Awaitable[Response]]
_NOT_PAGES = ("/api/", "/docs", "/openapi.json", "/healthz")


def is_page(request: Request) -> bool:
    path = request.url.path
    return path != "/api" and not path.startswith(_NOT_PAGES)


def _error_page(
    request: Request, status: int, title: str, refusal: errors.DomainError | None = None
) -> Response:
    """A styled error page, with the navigation of whoever is signed in (if anyone)."""
    with session_scope(request.app.state.engine) as session:
        token = request.cookies.get(SESSION_COOKIE)
        user = None
        if token:
            try:
                user = user_for_token(session, token)
            except errors.Unauthenticated:
                user = None
        page = Page(request, session, user, lang_of(request))
        message = page.fmt.error(refusal) if refusal else None
        return page.render("error.html", status=status, status_code=status, title=title, message=message)


def _refusal_page(request: Request, exc: errors.DomainError) -> Response:
    audit_refusal(request, exc)
    if isinstance(exc, errors.NotFound):
        return _error_page(request, 404, "not_found")
    if isinstance(exc, errors.Forbidden | errors.NotPoolMember):
        return _error_page(request, 403, "forbidden")
    return _error_page(request, exc.status, "refused", exc)


async def _page_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        next_page = target if request.method == "GET" else "/"
        return Response(status_code=303, headers={"location": f"/login?{urlencode({'next': next_page})}"})
    if isinstance(exc, CsrfRejected):
        return _error_page(request, 403, "csrf")
    if isinstance(exc, errors.DomainError):
        return _refusal_page(request, exc)
    if isinstance(exc, RequestValidationError):
        in_path = any(e.get("loc", ("",))[0] == "path" for e in exc.errors())
        return _error_page(request, 404, "not_found") if in_path else _error_page(request, 422, "bad_form")
    assert isinstance(exc, StarletteHTTPException)
    return _error_page(request, exc.status_code, "not_found" if exc.status_code == 404 else "http")


def _either(api_handler: Handler | None) -> Callable[[Request, Exception], Awaitable[Response]]:
    """Pages get styled HTML errors; the API keeps its JSON error bodies."""

    async def handle(request: Request, exc: Exception) -> Response:
        if is_page(request) or api_handler is None:
            return await _page_error(request, exc)
        answer = api_handler(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    return handle


def install(app: FastAPI) -> None:
    """Mount the pages at ``/`` (after the API, whose routes and errors stay as they are)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        routes_auth,
        routes_customer_form,
        routes_duplicates,
        routes_rep,
        routes_team,
        routes_intake,
        routes_export,
        routes_admin,
        routes_admin_pools,
    ):
        app.include_router(module.router, include_in_schema=False)
    for kind in (errors.DomainError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, _either(app.exception_handlers.get(kind)))
    app.add_exception_handler(LoginRequired, _page_error)
    app.add_exception_handler(CsrfRejected, _page_error)
