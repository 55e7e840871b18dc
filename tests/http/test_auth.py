"""Logging in and staying safe: bearer tokens, revocation, password rules and the security audit
trail (the limits on failed logins: test_login_limits.py). Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highseas import clock
from highseas.auth.models import AuditEvent
from highseas.db import make_engine
from highseas.org.models import User
from highseas.schema import migrate
from tests.conftest import PASSWORD, START
from tests.http.conftest import Api, Caller, error_code

URLSAFE = re.compile(r"^[A-Za-z0-9_-]+$")
NEW_PASSWORD = "a brand new passphrase"
PHONE = "13800138000"


def login(api: Api, username: str, password: str = PASSWORD) -> Any:
    return api.client.post("/api/v1/auth/token", json={"username": username, "password": password})


def token_of(api: Api, username: str, password: str = PASSWORD) -> str:
    response = login(api, username, password)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(api: Api, token: str) -> Caller:
    return Caller(api.client, {"Authorization": f"Bearer {token}"})


def status(response: Any) -> tuple[int, str]:
    return response.status_code, error_code(response) if response.status_code >= 400 else ""


def audit_trail(api: Api) -> list[AuditEvent]:
    """The trail without the fixtures' setting up of the org, which has no actor."""
    with Session(api.org.engine) as session:
        trail = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [e for e in trail if e.actor_id is not None or e.kind == "login_failed"]


# --- Tokens --------------------------------------------------------------------------------------------


def test_a_correct_password_returns_a_bearer_token_that_opens_the_api(api: Api) -> None:
    response = login(api, "rep")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type"} and body["token_type"] == "bearer"
    me = bearer(api, body["access_token"]).get("/me")
    assert (me.status_code, me.json()["username"]) == (200, "rep")


def test_every_login_gets_a_distinct_token_of_at_least_128_random_bits(api: Api) -> None:
    tokens = [token_of(api, "rep") for _ in range(3)] + [token_of(api, "other_rep")]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert URLSAFE.match(token) and len(token) >= 22, token
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16


def test_a_wrong_password_an_unknown_user_or_a_malformed_login_is_refused(api: Api) -> None:
    assert status(login(api, "rep", "not the password")) == (401, "unauthenticated")
    assert status(login(api, "nobody")) == (401, "unauthenticated")
    missing = api.client.post("/api/v1/auth/token", json={"username": "rep"})
    assert status(missing) == (422, "validation_error") and "password" in missing.json()["error"]["message"]


def test_logging_out_revokes_the_token_at_once(api: Api) -> None:
    token = token_of(api, "rep")
    response = bearer(api, token).post("/auth/logout")
    assert (response.status_code, response.content) == (204, b"")
    assert status(bearer(api, token).get("/me")) == (401, "unauthenticated")
    assert status(bearer(api, token).post("/auth/logout")) == (401, "unauthenticated")


def test_a_token_expires_after_twelve_hours(api: Api) -> None:
    token = token_of(api, "rep")
    clock.advance(timedelta(hours=12) - timedelta(seconds=1))
    assert bearer(api, token).get("/me").status_code == 200
    clock.advance(timedelta(seconds=1))
    assert status(bearer(api, token).get("/me")) == (401, "unauthenticated")
    assert bearer(api, token_of(api, "rep")).get("/me").status_code == 200


# --- Revocation by password change and deactivation ----------------------------------------------------


def test_an_admin_changing_a_password_revokes_every_token_of_that_user_at_once(api: Api) -> None:
    tokens = [token_of(api, "rep"), token_of(api, "rep")]
    bystander = token_of(api, "other_rep")
    response = api.admin.patch(f"/users/{api.org.rep.id}", {"password": NEW_PASSWORD})
    assert response.status_code == 200 and "password" not in response.json()
    for token in tokens:
        assert status(bearer(api, token).get("/me")) == (401, "unauthenticated")
    assert bearer(api, bystander).get("/me").status_code == 200
    assert bearer(api, token_of(api, "rep", NEW_PASSWORD)).get("/me").status_code == 200


def test_a_user_changing_their_own_password_logs_out_all_their_sessions(api: Api) -> None:
    phone_session, laptop_session = token_of(api, "rep"), token_of(api, "rep")
    assert (
        bearer(api, laptop_session)
        .patch(f"/users/{api.org.rep.id}", {"password": NEW_PASSWORD, "current_password": PASSWORD})
        .status_code
        == 200
    )
    assert status(bearer(api, phone_session).get("/me")) == (401, "unauthenticated")
    assert status(bearer(api, laptop_session).get("/me")) == (401, "unauthenticated")
    assert bearer(api, token_of(api, "rep", NEW_PASSWORD)).get("/me").status_code == 200


def test_the_old_password_stops_working_after_a_change(api: Api) -> None:
    assert api.admin.patch(f"/users/{api.org.rep.id}", {"password": NEW_PASSWORD}).status_code == 200
    assert status(login(api, "rep")) == (401, "unauthenticated")


def test_deactivation_revokes_the_users_tokens_at_once(api: Api) -> None:
    tokens = [token_of(api, "rep"), token_of(api, "rep")]
    response = api.admin.post(f"/users/{api.org.rep.id}/deactivate", {"transfer_to": None})
    assert response.status_code == 200 and response.json()["active"] is False
    for token in tokens:
        assert status(bearer(api, token).get("/me")) == (401, "unauthenticated")


def test_a_deactivated_user_cannot_log_in(api: Api) -> None:
    assert api.admin.post(f"/users/{api.org.rep.id}/deactivate", {"transfer_to": None}).status_code == 200
    assert status(login(api, "rep")) == (401, "unauthenticated")


# --- Passwords and the first start ---------------------------------------------------------------------


WEAK_PASSWORDS = {
    "short1!": "at least 8 characters",
    "password123": "common password",
    "12345678": "common password",
    "PASSWORD123": "common password",
    "88888888": "Repeats",
    " " * 8: "Repeats",
    "aaaaaaaa": "Repeats",
    "asdfghjkl;": "rows of keys",
    "highseas123": "too easy to guess",
}


@pytest.mark.parametrize(("weak", "why"), WEAK_PASSWORDS.items())
def test_a_short_or_guessable_password_is_refused_naming_the_password_and_why(
    api: Api, weak: str, why: str
) -> None:
    new_user = {"username": "liuwei", "password": weak, "role": "sales", "department_id": None}
    response = api.admin.post("/users", new_user)
    assert status(response) == (422, "validation_error")
    message = response.json()["error"]["message"]
    assert message.startswith("password: ") and why in message
    assert "liuwei" not in [u["username"] for u in api.admin.get("/users").json()]

    for caller in (api.admin, api.rep):
        response = caller.patch(f"/users/{api.org.rep.id}", {"password": weak})
        assert status(response) == (422, "validation_error")
        assert "password" in response.json()["error"]["message"]
    assert api.rep.get("/me").status_code == 200


def test_a_password_made_of_the_username_is_refused_though_strong_for_anyone_else(api: Api) -> None:
    new_user = {"username": "liuwei", "password": "liuwei2026", "role": "sales", "department_id": None}
    assert status(api.admin.post("/users", new_user)) == (422, "validation_error")
    assert api.admin.post("/users", {**new_user, "username": "zhangsan"}).status_code == 201


def test_a_fresh_database_has_no_users_and_so_no_default_admin(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(engine)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
    engine.dispose()


# --- The audit trail -----------------------------------------------------------------------------------


def test_logins_and_denials_are_audited_with_utc_times(api: Api) -> None:
    api.token("rep")
    clock.advance(timedelta(minutes=1))
    assert status(api.rep.post("/pools", {"name": "Mine"})) == (403, "forbidden")
    vip = api.admin.post("/pools", {"name": "VIP", "admin_user_ids": [api.org.rep.id]}).json()
    kept = api.admin.post("/customers", {"name": "上海华庭", "pool_id": vip["id"], "in_pool": True}).json()
    assert status(api.rep.post(f"/customers/{kept['id']}/claim")) == (403, "not_pool_member")
    original = api.rep.post("/customers", {"name": "云帆", "phone": PHONE}).json()
    duplicate = api.other_rep.post("/customers", {"name": "撞单", "phone": PHONE})
    assert status(duplicate) == (409, "duplicate_customer")

    trail = audit_trail(api)
    rep, other = api.org.rep.id, api.org.other_rep.id
    denials = [e for e in trail if e.kind != "pool_created" and (e.kind != "login" or e.actor_id == rep)]
    assert [(e.kind, e.actor_id) for e in denials] == [
        ("login", rep),
        ("forbidden", rep),
        ("not_pool_member", rep),
        ("duplicate_customer", other),
    ]
    first_login = trail[0]
    assert (first_login.kind, first_login.username, first_login.address) == ("login", "rep", "testclient")
    assert all(e.at.utcoffset() == timedelta(0) for e in trail)
    assert first_login.at == START
    assert all(e.at == START + timedelta(minutes=1) for e in trail[1:])
    hit = next(e for e in trail if e.kind == "duplicate_customer")
    assert hit.detail["existing"] == {"visible": False}
    assert (hit.detail["key"], hit.detail["customer_id"]) == ("phone", original["id"])


def test_failed_logins_are_audited_with_utc_times(api: Api) -> None:
    clock.advance(timedelta(minutes=3))
    login(api, "rep", "guess")
    failed = [e for e in audit_trail(api) if e.kind == "login_failed"]
    assert [(e.username, e.actor_id) for e in failed] == [("rep", None)]
    assert failed[0].at.astimezone(UTC) == START + timedelta(minutes=3)
    assert failed[0].at.utcoffset() == timedelta(0)


def test_the_audit_trail_never_holds_a_full_phone_number(api: Api) -> None:
    api.rep.post("/customers", {"name": "云帆", "phone": "138 0013 8000"})
    for phone in ("+86 13800138000", "0086-138-0013-8000", PHONE):
        assert status(api.west_rep.post("/customers", {"name": "撞单", "phone": phone})) == (
            409,
            "duplicate_customer",
        )
    assert status(api.rep.get(f"/customers?view=all&q={PHONE}")) == (403, "forbidden")
    assert status(api.rep.patch("/settings", {"default_capacity": 1})) == (403, "forbidden")
    trail = audit_trail(api)
    assert sum(e.kind == "duplicate_customer" for e in trail) == 3
    for entry in trail:
        written = json.dumps([entry.detail, entry.username, entry.address], ensure_ascii=False)
        assert PHONE not in re.sub(r"\D", "", written), written
