"""The HTTP application: API v1 under /api/v1, health at /healthz, the web pages at /."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from highseas import web
from highseas.api import (
    auth_routes,
    customer_routes,
    duplicate_routes,
    intake_routes,
    org_routes,
    pool_routes,
    system_routes,
)
from highseas.api.errors import ERROR_RESPONSES, install_error_handlers
from highseas.api.scheduler import SweepScheduler
from highseas.db import make_engine, read_only_engine

API_PREFIX = "/api/v1"


def create_app(engine: Engine | None = None, sweep_interval: timedelta | None = None) -> FastAPI:
    """Build the app; with ``sweep_interval`` it also runs the recycle sweep on that schedule."""
    engine = engine or make_engine()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = SweepScheduler(engine, sweep_interval) if sweep_interval else None
        if scheduler:
            scheduler.start()
        yield
        if scheduler:
            scheduler.stop()

    app = FastAPI(
        title="HighSeas",
        version="1.0.0",
        description="Public-pool management (公海管理): pools, claims, recycling. Contract: API.md.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _serve_docs_offline(app)
    app.state.engine = engine
    app.state.read_engine = read_only_engine(engine)
    install_error_handlers(app)
    for module in (
        auth_routes,
        org_routes,
        pool_routes,
        customer_routes,
        duplicate_routes,
        intake_routes,
        system_routes,
    ):
        app.include_router(module.router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    app.include_router(system_routes.health)
    web.install(app)

    app.add_middleware(ResponseHeaders)
    return app


# Pages load their script, styles and images from this server only; nothing inline runs, no
# plugin, no <base> and no form posting elsewhere, and no other site may frame them.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Swagger UI also fetches the OpenAPI document and sends "Try it out" requests to this server,
# and its stylesheet draws its icons as data: images.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class ResponseHeaders:
    """What every response carries: never cached (customer data, tokens), never framed, never
    sniffed into another content type, no full URL leaked to other sites, and a
    Content-Security-Policy that lets nothing injected into a page run.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` would run each request through an
    extra task and body stream, a measurable share of a claim's cost.
    """

    HEADERS = (
        (b"cache-control", b"no-store"),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Raw header pairs, appended once: these names are set nowhere else.
                policy = DOCS_POLICY if scope["path"] == "/docs" else PAGE_POLICY
                message["headers"] = [
                    *message.get("headers", ()),
                    *self.HEADERS,
                    (b"content-security-policy", policy.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _serve_docs_offline(app: FastAPI) -> None:
    """Interactive API docs from assets shipped with the package: nothing loads from a CDN."""
    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="swagger-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)


# FastAPI's own docs page starts Swagger UI with an inline script, which the Content-Security-Policy
# forbids; this one starts it from a file (web/static/docs.js).
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>HighSeas API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""
