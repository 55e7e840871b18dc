"""POST /auth/token and /auth/logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from highseas import errors
from highseas.api.deps import CurrentUser, Db, bearer_token, client_address, engine_of
from highseas.auth import service
from highseas.auth.audit import audit, mask_phone_like
from highseas.auth.schemas import TokenIn, TokenOut
from highseas.db import session_scope

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token")
def login(body: TokenIn, request: Request) -> TokenOut:
    # This route owns its transaction instead of taking the request's: a failed login must be
    # recorded (for rate limiting and the audit trail) although the answer is an error.
    address = client_address(request)
    with session_scope(engine_of(request)) as session:
        service.ensure_not_rate_limited(session, body.username, address)
        user = service.check_credentials(session, body.username, body.password)
        if user is not None:
            audit(session, "login", actor_id=user.id, username=user.username, address=address)
            return TokenOut(access_token=service.issue_token(session, user))
        service.record_login_failure(session, body.username, address)
        audit(session, "login_failed", username=mask_phone_like(body.username), address=address)
    raise errors.Unauthenticated("wrong username or password")


@router.post("/logout", status_code=204)
def logout(user: CurrentUser, session: Db, token: Annotated[str, Depends(bearer_token)]) -> Response:
    service.revoke_token(session, token)
    audit(session, "logout", actor_id=user.id, username=user.username)
    return Response(status_code=204)
