"""Logging in and out: opaque bearer tokens kept (hashed) in the database.

A token is 256 random bits. Keeping tokens in the database rather than signing them lets logout,
a password change and deactivation revoke them at once in every server process.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth import throttle
from highseas.auth.audit import audit, mask_phone_like
from highseas.auth.models import AuthToken
from highseas.auth.passwords import hash_password, verify_password
from highseas.org.models import User

TOKEN_LIFETIME = timedelta(hours=12)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_credentials(session: Session, username: str, password: str) -> User | None:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    # Hash even for an unknown username so response times do not tell which usernames exist.
    password_hash = user.password_hash if user is not None else _unknown_user_hash()
    if not verify_password(password_hash, password) or user is None or not user.active:
        return None
    return user


def log_in(session: Session, username: str, password: str, address: str) -> tuple[User, str] | None:
    """Check a login and issue a token, or record the failure (limits, audit) and return None;
    :class:`~highseas.auth.throttle.TooManyAttempts` when a limit refuses the attempt unchecked.

    The caller commits either way: a failed login must stay recorded although it answers an error.
    """
    throttle.ensure_login_allowed(session, username, address)
    user = check_credentials(session, username, password)
    if user is not None:
        audit(session, "login", actor_id=user.id, username=user.username, address=address)
        return user, issue_token(session, user)
    throttle.record_login_failure(session, username, address)
    audit(session, "login_failed", username=mask_phone_like(username), address=address)
    return None


@cache
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def issue_token(session: Session, user: User) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        AuthToken(token_hash=_digest(token), user_id=user.id, created_at=now, expires_at=now + TOKEN_LIFETIME)
    )
    session.flush()
    return token


@cache
def _token_user_query() -> Select[User]:
    # Built once: every authenticated request runs it, and building it costs more than running it.
    return (
        select(User)
        .join(AuthToken, AuthToken.user_id == User.id)
        .where(
            AuthToken.token_hash == bindparam("token_hash"),
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > bindparam("now", type_=AuthToken.expires_at.type),
            User.active.is_(True),
        )
    )


def user_for_token(session: Session, token: str) -> User:
    parameters = {"token_hash": _digest(token), "now": clock.now()}
    user = session.scalars(_token_user_query(), parameters).one_or_none()
    if user is None:
        raise errors.Unauthenticated("the token is unknown, expired or revoked; log in again")
    return user


def revoke_token(session: Session, token: str) -> None:
    session.execute(
        update(AuthToken).where(AuthToken.token_hash == _digest(token)).values(revoked_at=clock.now())
    )


def log_out(session: Session, token: str) -> None:
    """End the session of ``token`` (an unknown or revoked one is already over) and record whose."""
    try:
        user: User | None = user_for_token(session, token)
    except errors.Unauthenticated:
        user = None
    revoke_token(session, token)
    if user is not None:
        audit(session, "logout", actor_id=user.id, username=user.username)


def revoke_all_tokens(session: Session, user_id: int) -> None:
    session.execute(
        update(AuthToken)
        .where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def change_password(session: Session, user: User, password: str) -> None:
    user.password_hash = hash_password(password, (user.username, user.name))
    revoke_all_tokens(session, user.id)
