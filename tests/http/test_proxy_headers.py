"""Whose address the login limits and the audit trail see: the peer's, unless the operator names
the proxies to believe (``highseas serve --forwarded-allow-ips``). Built as ``serve`` builds uvicorn."""

from __future__ import annotations

import inspect

import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas import cli
from highseas.app import create_app
from highseas.auth.models import AuditEvent, LoginFailure
from tests.http.conftest import Api

SPOOFED = "203.0.113.9"


def _failed_login_through_uvicorn(api: Api, forwarded_allow_ips: str) -> tuple[str | None, str]:
    """A wrong password from 127.0.0.1 claiming X-Forwarded-For: SPOOFED; the addresses recorded."""
    config = uvicorn.Config(create_app(api.org.engine), **cli.proxy_options(forwarded_allow_ips))
    config.load()
    client = TestClient(config.loaded_app, client=("127.0.0.1", 50000))
    body = {"username": "rep", "password": "not the password"}
    response = client.post("/api/v1/auth/token", json=body, headers={"X-Forwarded-For": SPOOFED})
    assert response.status_code == 401
    with Session(api.org.engine) as session:
        audited = session.scalars(select(AuditEvent.address).where(AuditEvent.kind == "login_failed")).one()
        counted = session.scalars(select(LoginFailure.address)).one()
    return audited, counted


def test_by_default_a_spoofed_x_forwarded_for_changes_no_address(api: Api) -> None:
    default = inspect.signature(cli.serve).parameters["forwarded_allow_ips"].default
    assert _failed_login_through_uvicorn(api, default) == ("127.0.0.1", "127.0.0.1")


def test_x_forwarded_for_is_believed_from_a_proxy_the_operator_names(api: Api) -> None:
    assert _failed_login_through_uvicorn(api, "127.0.0.1") == (SPOOFED, SPOOFED)
