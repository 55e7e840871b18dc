"""What a dedup hit may tell the person who made it, and how many such hits they may make.

Dedup must say "this customer exists" — that stops 撞单 — but a hit is also an answer to "whose
number is this?". So the answer names the customer and where it is only when the caller may see
it; every hit is audited with the key kind and the customer; and the hits that tell the caller
something they may not see (a customer they cannot see, or one whose contact details are hidden
from them) are limited per user: at most :data:`HIT_LIMIT` in any :data:`HIT_WINDOW`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.models import AuditEvent
from highseas.auth.permissions import Action, can, contact_hidden_pool_ids, contacts_shown
from highseas.customers.models import Customer
from highseas.org.models import Role, User
from highseas.org.queries import get_user
from highseas.pools.queries import get_pool

KEY_KINDS = {
    "phone_e164": "phone",
    "email_key": "email",
    "credit_code": "credit_code",
    "company_key": "company",
}
"""The customer columns that identify one real customer (equal in any of them means a duplicate)
and what a person calls each."""
DEDUP_KEYS = tuple(KEY_KINDS)

HIT_LIMIT = 20
HIT_WINDOW = timedelta(minutes=10)
# The audit kinds of dedup hits: a refused create or edit, and a row of an import.
HIT_KINDS = ("duplicate_customer", "dedup_hit")
HIDDEN_MESSAGE = "this customer already exists where you cannot see it"


def where_it_is(session: Session, actor: User, existing: Customer) -> str:
    """Where a customer the actor may see is: its pool's name, or whose it is."""
    if existing.owner_id is None:
        return get_pool(session, existing.pool_id).name
    owner = get_user(session, existing.owner_id)
    if owner.id == actor.id:
        return "owned by you"
    if can(session, actor, Action.VIEW, owner):
        return f"owned by {owner.name}"
    return "owned by a colleague"


def duplicate_of(
    session: Session, actor: User, existing: Customer, values: dict[str, Any]
) -> errors.DuplicateCustomer:
    """The refusal of a second record of ``existing``: it names the customer only when the actor
    may see it; the audit trail (the details beside ``existing``) always does."""
    visible = can(session, actor, Action.VIEW, existing)
    shown = visible and contacts_shown(
        existing.owner_id, existing.pool_id, contact_hidden_pool_ids(session, actor)
    )
    audited = {"key": _key_kind(existing, values), "customer_id": existing.id, "revealing": not shown}
    if not visible:
        return errors.DuplicateCustomer(HIDDEN_MESSAGE, existing={"visible": False}, **audited)
    where = where_it_is(session, actor, existing)
    answer = {"visible": True, "id": existing.id, "where": where}
    return errors.DuplicateCustomer(f"this customer already exists ({where})", existing=answer, **audited)


def _key_kind(existing: Customer, values: dict[str, Any]) -> str:
    """Which key made the match: a column equal in both, or else a phone after the first of one
    of them (the only match that is not a column of ``customer``)."""
    return next(
        (
            kind
            for key, kind in KEY_KINDS.items()
            if values.get(key) and getattr(existing, key) == values[key]
        ),
        "phone",
    )


def recent_revealing_hits(session: Session, actor: User) -> int:
    """The actor's dedup hits of the last :data:`HIT_WINDOW` that told them something hidden."""
    query = select(func.count()).where(
        AuditEvent.actor_id == actor.id,
        AuditEvent.at > clock.now() - HIT_WINDOW,
        AuditEvent.kind.in_(HIT_KINDS),
        AuditEvent.detail["revealing"].as_boolean(),
    )
    return session.scalar(query) or 0


def ensure_under_hit_limit(session: Session, actor: User, adding: int) -> None:
    """Refuse (``rate_limited``) what could answer ``adding`` more revealing hits past the limit.

    A create or edit is checked before its lookup (``adding`` 1), so that the refusal says nothing
    about whether it would have hit; an import once it knows its hits. Admins see everything:
    nothing a hit tells them is hidden.
    """
    if actor.role is Role.ADMIN or adding <= 0:
        return
    if recent_revealing_hits(session, actor) + adding > HIT_LIMIT:
        minutes = int(HIT_WINDOW.total_seconds() // 60)
        raise errors.RateLimited(
            f"too many duplicate checks hit customers you cannot fully see: at most {HIT_LIMIT} in "
            f"{minutes} minutes; nothing was saved, try again later",
            limit=HIT_LIMIT,
            minutes=minutes,
        )
