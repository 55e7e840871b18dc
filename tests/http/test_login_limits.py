"""Limits on failed logins that an attacker cannot turn against the account they attack: per
address, per username and address, and short growing delays per username — never a lock-out of
the account's owner. Each test runs on SQLite and on PostgreSQL, and the clock never sleeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas import clock
from highseas.app import create_app
from highseas.auth.models import AuditEvent
from tests.conftest import PASSWORD
from tests.http.conftest import Api, error_code

WRONG = "not the password"


class Addresses:
    """Clients calling from chosen addresses, over two app instances on one database (as two
    server processes would be): what one process records, the other one counts."""

    def __init__(self, api: Api) -> None:
        self.apps = [api.client.app, create_app(api.org.engine)]
        self.clients: dict[str, TestClient] = {}

    def login(self, address: str, username: str, password: str = PASSWORD) -> Any:
        if address not in self.clients:
            app = self.apps[len(self.clients) % len(self.apps)]
            self.clients[address] = TestClient(app, client=(address, 50000))
        body = {"username": username, "password": password}
        return self.clients[address].post("/api/v1/auth/token", json=body)


def retry_after(response: Any) -> int:
    """The wait a refusal announces, checked to be the same in the header and the message."""
    assert response.status_code == 429 and error_code(response) == "rate_limited", response.text
    seconds = int(response.headers["Retry-After"])
    assert f"try again in {seconds} seconds" in response.json()["error"]["message"]
    return seconds


def test_an_address_guessing_one_password_is_stopped_while_the_owner_elsewhere_gets_in(api: Api) -> None:
    net = Addresses(api)
    for _ in range(5):
        assert net.login("198.51.100.7", "rep", WRONG).status_code == 401
    assert retry_after(net.login("198.51.100.7", "rep")) == 15 * 60
    assert "from your address" in net.login("198.51.100.7", "rep").json()["error"]["message"]
    # The owner, from their own address, only waits the username's short delay.
    assert retry_after(net.login("192.0.2.10", "rep")) == 2
    clock.advance(timedelta(seconds=2))
    assert net.login("192.0.2.10", "rep").status_code == 200
    # The guessing address may still log in as someone else.
    assert net.login("198.51.100.7", "other_rep").status_code == 200


def test_a_flood_from_many_addresses_slows_a_username_down_but_never_locks_its_owner_out(api: Api) -> None:
    net = Addresses(api)
    admin = api.org.admin.username
    start = clock.now()
    guesses, waits = 0, []
    # An attacker with 100 addresses guessing the admin's password as fast as the limits let them
    # for half an hour.
    for attempt in range(400):
        if clock.now() - start > timedelta(minutes=30):
            break
        response = net.login(f"203.0.113.{attempt % 100}", admin, WRONG)
        if response.status_code == 401:
            guesses += 1
        else:
            waits.append(retry_after(response))
            clock.advance(timedelta(seconds=waits[-1]))
    assert waits[:6] == [2, 4, 8, 16, 32, 60]
    assert max(waits) == 60
    assert guesses <= 5 + 5 + 30  # five free, five in the first minute, then one a minute
    # The admin, from a fresh address, waits at most a minute after the latest guess.
    response = net.login("192.0.2.10", admin)
    if response.status_code == 429:
        assert retry_after(response) <= 60
        clock.advance(timedelta(seconds=retry_after(response)))
        response = net.login("192.0.2.10", admin)
    assert response.status_code == 200, response.text


def test_a_flood_timed_to_take_every_free_moment_cannot_keep_the_owner_out_at_their_usual_address(
    api: Api,
) -> None:
    net = Addresses(api)
    assert net.login("192.0.2.10", "rep").status_code == 200
    clock.advance(timedelta(days=30))
    for attempt in range(12):
        response = net.login(f"203.0.113.{attempt}", "rep", WRONG)
        if response.status_code == 429:
            clock.advance(timedelta(seconds=retry_after(response)))
            assert net.login(f"203.0.113.{attempt}", "rep", WRONG).status_code == 401
    # Right after the latest guess: a new address waits, the owner's usual one does not.
    assert retry_after(net.login("192.0.2.99", "rep")) == 60
    assert net.login("192.0.2.10", "rep").status_code == 200


def test_an_address_failing_for_many_usernames_is_stopped_for_15_minutes(api: Api) -> None:
    net = Addresses(api)
    for i in range(20):
        assert net.login("198.51.100.7", f"guess{i}", WRONG).status_code == 401
    assert retry_after(net.login("198.51.100.7", "rep")) == 15 * 60
    assert retry_after(net.login("198.51.100.7", "someone-new", WRONG)) == 15 * 60
    assert net.login("192.0.2.10", "rep").status_code == 200
    clock.advance(timedelta(minutes=15, seconds=1))
    assert net.login("198.51.100.7", "rep").status_code == 200


def test_a_refused_attempt_checks_no_password_and_records_nothing(api: Api) -> None:
    net = Addresses(api)
    for _ in range(5):
        net.login("198.51.100.7", "rep", WRONG)
    before = _audit_kinds(api)
    retry_after(net.login("198.51.100.7", "rep", WRONG))
    retry_after(net.login("198.51.100.7", "rep"))
    assert _audit_kinds(api) == before == ["login_failed"] * 5


def _audit_kinds(api: Api) -> list[str]:
    """The trail's kinds, without the fixtures' setting up of the org (no actor, not a login)."""
    logins_or_acts = (AuditEvent.actor_id.is_not(None)) | (AuditEvent.kind == "login_failed")
    with Session(api.org.engine) as session:
        return list(session.scalars(select(AuditEvent.kind).where(logins_or_acts).order_by(AuditEvent.id)))
