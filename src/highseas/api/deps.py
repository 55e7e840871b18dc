"""Request dependencies: the transaction (one per request) and the authenticated user, and the
route class that runs a request's database work in one worker thread."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from highseas import errors
from highseas.auth.service import user_for_token
from highseas.db import committed
from highseas.org.models import User
from highseas.validation import MAX_INT, MAX_JSON_BODY, nul_field, nul_path, refuse_nul

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def _transaction(request: Request) -> AsyncIterator[Session]:
    """The transaction of a web page's request: services only flush; the commit happens at the end
    of the request.

    ``scope="function"`` below makes it happen before the response is sent, so a failed commit is
    never reported as 200. Opening a session does no I/O (the connection is taken at the first
    statement), so this dependency needs no thread of its own.
    """
    session = Session(engine_of(request), expire_on_commit=False)
    try:
        yield session
        if session.in_transaction():
            await run_in_threadpool(session.commit)
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        raise
    finally:
        session.close()


def _session_on(engine_of_app: Callable[[Request], Engine]) -> Callable[[Request], Awaitable[Session]]:
    async def open_session(request: Request) -> Session:
        """The session of an API request, which its :class:`OneThread` route commits (or rolls
        back) and closes in the endpoint's worker thread: a plain dependency, without the
        generator machinery that :func:`_transaction` costs every request."""
        if not isinstance(request.scope.get("route"), OneThread):
            raise TypeError(f"{request.url.path}: a route that takes a session must be a OneThread route")
        return Session(engine_of_app(request), expire_on_commit=False)

    return open_session


def _read_engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.read_engine
    return engine


_open_session = _session_on(engine_of)
_open_read_session = _session_on(_read_engine_of)

IdPath = Annotated[int, Path(ge=1, le=MAX_INT)]

Db = Annotated[Session, Depends(_open_session)]
"""The request's session in an API (:class:`OneThread`) route."""

ReadDb = Annotated[Session, Depends(_open_read_session)]
"""The session of an API route that only reads, on :func:`~highseas.db.read_only_engine`. Not for
server-side cursors (``yield_per``), which need a transaction."""

PageDb = Annotated[Session, Depends(_transaction, scope="function")]
"""The request's session in a web page route, committed when the page is done."""


class _Bearer:
    """A request's bearer token before its lookup, which :class:`OneThread` does in the endpoint's
    worker thread and session, handing the endpoint the :class:`User` instead."""

    def __init__(self, request: Request, token: str) -> None:
        self.request = request
        self.token = token

    def user(self, session: Session) -> User:
        user = user_for_token(session, self.token)
        self.request.state.user_id = user.id
        return user


async def _current_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> _Bearer:
    return _Bearer(request, _token(credentials))


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise errors.Unauthenticated(
            "send Authorization: Bearer <token>; get one from POST /api/v1/auth/token"
        )
    return credentials.credentials


CurrentUser = Annotated[User, Depends(_current_user)]


class OneThread(APIRoute):
    """A route whose synchronous endpoint runs with the token lookup before it and the commit (or
    rollback) after it, all in the one worker thread FastAPI gives the endpoint.

    FastAPI gives each synchronous dependency a worker-thread hop of its own, and the commit needed
    another: three hops, which under load cost a claim more CPU than its SQL does.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _in_one_thread(endpoint), **kwargs)
        direct = self.dependant.dependencies
        users = [d for d in direct if d.call is _current_user]
        # Only an endpoint parameter is looked up: anywhere else the token would go unchecked.
        if any(d.name is None for d in users) or any(_depends_on(d, _current_user) for d in direct):
            raise TypeError(f"{path}: CurrentUser must be a parameter of the endpoint itself")
        sessions = [d for d in direct if d.call in (_open_session, _open_read_session)]
        if len(sessions) > 1 or (users and not sessions):
            raise TypeError(f"{path}: the endpoint takes one session (Db or ReadDb), which CurrentUser uses")
        self.needs_user = bool(users)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def checked(request: Request) -> Response:
            await _check_raw_input(request)
            return await handle(request)

        return checked


async def _check_raw_input(request: Request) -> None:
    """Refuse what no field may hold before FastAPI reads it: NUL characters in the query, the
    path or a JSON body (PostgreSQL cannot store them, and they serve no one), and JSON bodies past
    :data:`MAX_JSON_BODY`. One check for every route, the login included; it costs a request
    without such input one substring search of its body."""
    problem = nul_field(request.query_params.multi_items()) or nul_field(request.path_params.items())
    if problem is None and _read_as_json(request.headers.get("content-type")):
        body = await request.body()
        if len(body) > MAX_JSON_BODY:
            await authenticate_first(request)
            raise errors.InvalidInput("body", f"is larger than {MAX_JSON_BODY // 1024} KiB")
        if b"\\u0000" in body:
            try:
                problem = nul_path(json.loads(body))
            except (ValueError, RecursionError):
                problem = None  # FastAPI refuses a body that is not JSON
    if problem is not None:
        await authenticate_first(request)
        refuse_nul(problem)


def _read_as_json(content_type: str | None) -> bool:
    """Whether FastAPI reads the body as JSON: also when no content type is given."""
    media = (content_type or "").partition(";")[0].strip().lower()
    return (
        not media
        or media == "application/json"
        or (media.startswith("application/") and media.endswith("+json"))
    )


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


async def authenticate_first(request: Request) -> None:
    """Raise ``Unauthenticated`` if the request's route needs a user and its token is not valid.

    A OneThread route looks the token up only once the request's input is valid, so the handler of
    invalid input calls this: an unauthenticated caller learns nothing about what an endpoint takes.
    """
    route = request.scope.get("route")
    if not (isinstance(route, OneThread) and route.needs_user):
        return
    token = _token(await _bearer(request))

    def look_up() -> None:
        with Session(engine_of(request)) as session:
            user_for_token(session, token)

    await run_in_threadpool(look_up)


def _in_one_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # FastAPI reads the endpoint's parameters through the wrapper
    def run(**kwargs: Any) -> Any:
        session = next((v for v in kwargs.values() if isinstance(v, Session)), None)
        if session is None:
            return endpoint(**kwargs)
        with committed(session):
            for name, value in kwargs.items():
                if isinstance(value, _Bearer):
                    kwargs[name] = value.user(session)
            return endpoint(**kwargs)

    return run


async def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    return credentials.credentials if credentials else ""


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
