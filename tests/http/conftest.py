"""HTTP fixtures: the real app over the ``engine`` fixture (SQLite and PostgreSQL), and a logged-in
client per persona of ``tests.conftest.Org``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from highseas.app import create_app
from tests.conftest import PASSWORD, Org, build_org

PERSONAS = ("admin", "east_manager", "west_manager", "rep", "other_rep", "west_rep", "outsider")


@dataclass
class Api:
    """``api.rep.get("/customers")`` calls /api/v1/customers as the ``rep`` persona."""

    org: Org
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, persona: str) -> str:
        if persona not in self.tokens:
            username = getattr(self.org, persona).username
            response = self.client.post(
                "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self.tokens[persona] = response.json()["access_token"]
        return self.tokens[persona]

    def __getattr__(self, persona: str) -> Caller:
        if persona not in PERSONAS:
            raise AttributeError(persona)
        return Caller(self.client, {"Authorization": f"Bearer {self.token(persona)}"})

    @property
    def anonymous(self) -> Caller:
        return Caller(self.client, {})


@dataclass
class Caller:
    client: TestClient
    headers: dict[str, str]

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        outside_api = path.startswith(("/healthz", "/openapi", "/docs"))
        url = path if outside_api else f"/api/v1{path}"
        return self.client.request(method, url, headers=self.headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


def error_code(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    return str(body["error"]["code"])


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    org = build_org(engine)
    with TestClient(create_app(engine), raise_server_exceptions=True) as client:
        yield Api(org=org, client=client)
