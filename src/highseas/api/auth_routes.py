"""POST /auth/token and /auth/logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from highseas import errors
from highseas.api.deps import CurrentUser, Db, bearer_token, client_address, engine_of
from highseas.auth import service
from highseas.auth.audit import audit
from highseas.auth.schemas import TokenIn, TokenOut
from highseas.db import session_scope

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token")
def login(body: TokenIn, request: Request, session: Db) -> TokenOut:
    address = client_address(request)
    service.ensure_not_rate_limited(session, body.username, address)
    user = service.check_credentials(session, body.username, body.password)
    if user is None:
        # Its own transaction: the request's is rolled back with the 401.
        with session_scope(engine_of(request)) as failures:
            service.record_login_failure(failures, body.username, address)
            audit(failures, "login_failed", username=body.username, address=address)
        raise errors.Unauthenticated("wrong username or password")
    audit(session, "login", actor_id=user.id, username=user.username, address=address)
    return TokenOut(access_token=service.issue_token(session, user))


@router.post("/logout", status_code=204)
def logout(user: CurrentUser, session: Db, token: Annotated[str, Depends(bearer_token)]) -> Response:
    service.revoke_token(session, token)
    audit(session, "logout", actor_id=user.id, username=user.username)
    return Response(status_code=204)
