"""Web page fixtures: the real app over the ``engine`` fixture (SQLite and PostgreSQL), and a
browser-like client per persona that logs in through the form and sends each page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from highseas.app import create_app
from tests.conftest import PASSWORD, Org, build_org

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FLASH = re.compile(r'class="flash flash-(\w+)"[^>]*>([^<]*)<')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def flashes(html: str) -> list[tuple[str, str]]:
    return _FLASH.findall(html)


@dataclass
class Visitor:
    """One browser session: its own cookies, language English unless asked otherwise."""

    client: TestClient

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def submit(self, form_page: str, action: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Open ``form_page`` and post ``data`` to ``action`` with that page's CSRF token."""
        token = csrf_of(self.client.get(form_page).text)
        return self.client.post(action, data={"csrf_token": token, **(data or {})}, **kwargs)


@dataclass
class Site:
    org: Org
    engine: Engine

    def visitor(self, language: str = "en", base_url: str = "http://testserver") -> Visitor:
        client = TestClient(create_app(self.engine), base_url=base_url)
        client.headers["Accept-Language"] = language
        return Visitor(client)

    def as_(self, persona: str, language: str = "en") -> Visitor:
        visitor = self.visitor(language)
        username = getattr(self.org, persona).username
        response = visitor.submit("/login", "/login", {"username": username, "password": PASSWORD})
        assert response.status_code == 200 and 'action="/logout"' in response.text, response.text
        return visitor


@pytest.fixture
def site(engine: Engine) -> Iterator[Site]:
    yield Site(org=build_org(engine), engine=engine)
