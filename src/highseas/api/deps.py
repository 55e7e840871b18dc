"""Request dependencies: the transaction (one per request) and the authenticated user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from highseas import errors
from highseas.auth.service import user_for_token
from highseas.org.models import User
from highseas.validation import MAX_INT

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def _transaction(request: Request) -> AsyncIterator[Session]:
    """The request's transaction: services only flush; the commit happens here.

    ``scope="function"`` below makes the commit happen before the response is sent, so a failed
    commit is never reported as 200. Opening a session does no I/O (the connection is taken at
    the first statement), so only the commit or rollback needs a worker thread: a synchronous
    dependency would cost two thread hops per request instead of one.
    """
    session = Session(engine_of(request), expire_on_commit=False)
    try:
        yield session
        await run_in_threadpool(session.commit)
    except BaseException:
        await run_in_threadpool(session.rollback)
        raise
    finally:
        session.close()


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
