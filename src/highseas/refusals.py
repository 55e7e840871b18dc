"""Refusals worth a line in the security audit trail, whichever edge (API or web pages) answered
them. They are written in a transaction of their own because the request's transaction is rolled
back."""

from __future__ import annotations

from fastapi import Request

from highseas import errors
from highseas.auth.audit import audit
from highseas.db import session_scope


def audit_refusal(request: Request, exc: errors.DomainError) -> None:
    """Record a refusal worth auditing, whichever edge (API or web pages) answered it."""
    kind = exc.audit_kind
    if kind is None:
        return
    user = getattr(request.state, "user_id", None)
    with session_scope(request.app.state.engine) as session:
        audit(
            session,
            kind,
            actor_id=user,
            address=request.client.host if request.client else None,
            path=request.url.path,
            method=request.method,
            **exc.details,
        )
