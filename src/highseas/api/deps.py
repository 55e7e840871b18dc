"""Request dependencies: the transaction (one per request) and the authenticated user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from highseas import errors
from highseas.auth.service import user_for_token
from highseas.db import session_scope
from highseas.org.models import User
from highseas.validation import MAX_INT

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _transaction(request: Request) -> Iterator[Session]:
    # The request owns the transaction: services only flush. ``scope="function"`` below makes
    # the commit happen before the response is sent, so a failed commit is never reported as 200.
    with session_scope(engine_of(request)) as session:
        yield session


IdPath = Annotated[int, Path(ge=1, le=MAX_INT)]

Db = Annotated[Session, Depends(_transaction, scope="function")]


def _current_user(
    request: Request,
    session: Db,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise errors.Unauthenticated(
            "send Authorization: Bearer <token>; get one from POST /api/v1/auth/token"
        )
    user = user_for_token(session, credentials.credentials)
    request.state.user_id = user.id
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    return credentials.credentials if credentials else ""


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
