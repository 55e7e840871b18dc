"""Deactivating a user (zulip's ``do_deactivate_user``): the whole job in one service — the user
leaves, their customers move at once, their sessions end and the audit trail says who did it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.audit import audit
from highseas.auth.permissions import Action, ensure, visible_user
from highseas.auth.service import revoke_all_tokens
from highseas.customers.models import Customer
from highseas.customers.queries import count_owned
from highseas.org.models import User
from highseas.ownership.due import refresh_due_dates
from highseas.ownership.gate import ensure_capacity, lock_users
from highseas.ownership.locks import hold_rules, recycle_lock
from highseas.ownership.models import EventKind
from highseas.ownership.writer import move_all

DEACTIVATION_REASON = "owner deactivated"


def deactivate_user(session: Session, actor: User, user_id: int, transfer_to: int | None) -> User:
    """Deactivate a user and move all their customers at once: to ``transfer_to`` (all or
    nothing: ``capacity_full`` moves none) or back to their pools. Their tokens are revoked (later
    calls get 401) and the deactivation is audited."""
    visible_user(session, actor, user_id)  # someone the actor may not see is not_found, as everywhere
    ensure(session, actor, Action.ADMINISTER, doing="deactivate users")
    if user_id == actor.id:
        raise errors.InvalidInput("user_id", "you cannot deactivate yourself")
    users, settings = lock_users(session, [user_id] + ([transfer_to] if transfer_to is not None else []))
    leaving = users[user_id]
    if transfer_to is not None:
        if transfer_to == user_id:
            raise errors.InvalidInput("transfer_to", "cannot transfer to the user being deactivated")
        ensure_capacity(session, users[transfer_to], settings, adding=count_owned(session, user_id, settings))
    theirs = Customer.owner_id == user_id
    # Many customer rows change below, as in a sweep or a rule edit: one such writer at a time
    # (the recycle lock, taken after the user rows and before the rules, as they take it) keeps
    # two of them from locking the same rows in different orders.
    recycle_lock(session)
    session.flush()
    receiving = Customer.owner_id.in_([user_id, transfer_to]) if transfer_to is not None else theirs
    hold_rules(session, select(Customer.pool_id).where(receiving).distinct())
    # The leaving user's row lock stops new customers reaching them; locking their customers
    # stops a last release or follow-up of theirs from slipping between the writer's statements.
    held = select(Customer.id).where(theirs).order_by(Customer.id).with_for_update()
    session.execute(select(func.count()).select_from(held.subquery()))
    kind = EventKind.TRANSFER if transfer_to is not None else EventKind.RELEASE
    now = clock.now()
    moved = move_all(
        session,
        theirs,
        kind=kind,
        to_user_id=transfer_to,
        actor_id=actor.id,
        at=now,
        reason=DEACTIVATION_REASON,
    )
    leaving.active = False
    session.flush()
    if transfer_to is not None:
        refresh_due_dates(session, Customer.owner_id == transfer_to)
    revoke_all_tokens(session, leaving.id)
    audit(
        session,
        "deactivate_user",
        actor_id=actor.id,
        user_id=leaving.id,
        transfer_to=transfer_to,
        customers_moved=moved,
    )
    return leaving
