"""POST /auth/token and /auth/logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from highseas import errors
from highseas.api.deps import CurrentUser, Db, OneThread, bearer_token, client_address, engine_of
from highseas.auth import service
from highseas.auth.schemas import TokenIn, TokenOut
from highseas.db import session_scope

router = APIRouter(prefix="/auth", tags=["auth"], route_class=OneThread)


@router.post("/token")
def login(body: TokenIn, request: Request) -> TokenOut:
    # This route owns its transaction instead of taking the request's: a failed login must be
    # recorded (for rate limiting and the audit trail) although the answer is an error.
    address = client_address(request)
    with session_scope(engine_of(request)) as session:
        logged_in = service.log_in(session, body.username, body.password, address)
    if logged_in is not None:
        return TokenOut(access_token=logged_in[1])
    raise errors.Unauthenticated("wrong username or password")


@router.post("/logout", status_code=204)
def logout(user: CurrentUser, session: Db, token: Annotated[str, Depends(bearer_token)]) -> Response:
    service.log_out(session, token)
    return Response(status_code=204)
