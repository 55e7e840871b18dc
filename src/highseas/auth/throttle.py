"""Limits on failed logins that an attacker cannot turn against the account they attack.

Three limits, each over the failures of the last :data:`WINDOW` (kept in ``login_failure``, so every
server process sees the same counts):

- **per address**: one address guessing many usernames is refused for a while;
- **per username and address**: one address guessing one username is refused for a while — the
  owner of the account, from another address, is not;
- **per username, from anywhere**: guesses spread over many addresses slow the username down
  rather than lock it. After a few failures every further attempt must wait a short delay after the
  latest one, doubling with each failure up to :data:`MAX_USERNAME_DELAY`; a flood costs the flood
  a guess a minute, and costs the owner of the account from a new address at most that long a
  wait. An address the username logged in from within :data:`KNOWN_ADDRESS_MEMORY` (its owner's,
  most likely) is not delayed at all: a flood timed to take every free moment cannot keep the
  owner out.

A refused attempt checks no password and records nothing: it tells nothing about the password, and
refused attempts do not prolong any limit. Two processes checking at the same instant may both let
an attempt through; a limit is then off by one, which is harmless, so no row is locked for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.models import AuditEvent, LoginFailure

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ADDRESS = 20
MAX_FAILURES_PER_USERNAME_AND_ADDRESS = 5
FREE_FAILURES_PER_USERNAME = 5
FIRST_USERNAME_DELAY = timedelta(seconds=2)
MAX_USERNAME_DELAY = timedelta(seconds=60)
KNOWN_ADDRESS_MEMORY = timedelta(days=90)


class TooManyAttempts(errors.DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, wait: timedelta) -> None:
        seconds = max(1, math.ceil(wait.total_seconds()))
        super().__init__(f"{message}; try again in {seconds} seconds", retry_after=seconds)
        self.retry_after = seconds


def username_delay(failures: int) -> timedelta:
    """How long after its latest failure a username waits, given its failures in the window."""
    if failures < FREE_FAILURES_PER_USERNAME:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES_PER_USERNAME, 16)  # the cap is reached long before
    return min(FIRST_USERNAME_DELAY * (1 << doublings), MAX_USERNAME_DELAY)


@dataclass(frozen=True)
class RecentFailures:
    """The failures of the window that concern one login attempt."""

    by_address: int
    first_by_address: datetime | None
    by_pair: int
    first_by_pair: datetime | None
    by_username: int
    last_by_username: datetime | None


def recent_failures(session: Session, username: str, address: str) -> RecentFailures:
    """One query over both indexes (username, at) and (address, at)."""
    at = LoginFailure.at
    same_address = LoginFailure.address == address
    same_username = LoginFailure.username == username
    same_pair = and_(same_address, same_username)
    row = session.execute(
        select(
            func.count().filter(same_address),
            func.min(at).filter(same_address),
            func.count().filter(same_pair),
            func.min(at).filter(same_pair),
            func.count().filter(same_username),
            func.max(at).filter(same_username),
        ).where(at > clock.now() - WINDOW, or_(same_address, same_username))
    ).one()
    return RecentFailures(*row)


def ensure_login_allowed(session: Session, username: str, address: str) -> None:
    """Raise :class:`TooManyAttempts`, saying when to try again, if a limit refuses this attempt."""
    now = clock.now()
    failures = recent_failures(session, username, address)
    if failures.by_address >= MAX_FAILURES_PER_ADDRESS and failures.first_by_address is not None:
        wait = failures.first_by_address + WINDOW - now
        raise TooManyAttempts("too many failed logins from your address", wait)
    if failures.by_pair >= MAX_FAILURES_PER_USERNAME_AND_ADDRESS and failures.first_by_pair is not None:
        wait = failures.first_by_pair + WINDOW - now
        raise TooManyAttempts("too many failed logins for this username from your address", wait)
    if failures.last_by_username is not None:
        wait = failures.last_by_username + username_delay(failures.by_username) - now
        if wait > timedelta(0) and not logged_in_from(session, username, address):
            raise TooManyAttempts("this username had several failed logins just now", wait)


def logged_in_from(session: Session, username: str, address: str) -> bool:
    """Whether the username logged in from this address lately (asked only while it is delayed)."""
    since = clock.now() - KNOWN_ADDRESS_MEMORY
    query = select(AuditEvent.id).where(
        AuditEvent.username == username,
        AuditEvent.at > since,
        AuditEvent.kind == "login",
        AuditEvent.address == address,
    )
    return session.scalar(query.limit(1)) is not None


def record_login_failure(session: Session, username: str, address: str) -> None:
    session.add(LoginFailure(username=username, address=address, at=clock.now()))
