"""Dismissing a possible duplicate: a person looked and decided the two are two companies.

A dismissed pair is never offered again, neither in an import's report nor by the possible
duplicate lookups (:mod:`highseas.intake.similar`).
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.audit import audit
from highseas.auth.permissions import Action, ensure
from highseas.customers.models import DismissedDuplicate
from highseas.org.models import User
from highseas.ownership.service import get_customer


def dismiss_possible_duplicate(session: Session, actor: User, first_id: int, second_id: int) -> None:
    """Record that two customers are not one. Whoever may merge them may say they are not one;
    ``not_found`` for a customer the actor may not see. Dismissing a pair twice changes nothing."""
    if first_id == second_id:
        raise errors.InvalidInput("customer_ids", "name two different customers")
    low, high = sorted((first_id, second_id))
    for customer_id in (low, high):
        customer = get_customer(session, actor, customer_id)
        ensure(
            session,
            actor,
            Action.MERGE,
            customer,
            doing="dismiss this possible duplicate: it takes an admin, the owner of both or the "
            "admin of both pools",
        )
    if is_dismissed(session, low, high):
        return
    session.add(DismissedDuplicate(customer_id=low, other_id=high, actor_id=actor.id, at=clock.now()))
    session.flush()
    audit(session, "possible_duplicate_dismissed", actor_id=actor.id, customer_ids=[low, high])


def is_dismissed(session: Session, first_id: int, second_id: int) -> bool:
    low, high = sorted((first_id, second_id))
    query = select(DismissedDuplicate.id).where(
        DismissedDuplicate.customer_id == low, DismissedDuplicate.other_id == high
    )
    return session.scalar(query) is not None


def dismissed_with(session: Session, customer_ids: Select[int] | list[int]) -> set[tuple[int, int]]:
    """The dismissed pairs (lower id first) that involve any of these customers: a list, or a
    SELECT of their ids (an import's batch, too many to send as parameters)."""
    d = DismissedDuplicate
    pairs = session.execute(
        select(d.customer_id, d.other_id).where(
            or_(d.customer_id.in_(customer_ids), d.other_id.in_(customer_ids))
        )
    )
    return {(low, high) for low, high in pairs}


def pair(first_id: int, second_id: int) -> tuple[int, int]:
    low, high = sorted((first_id, second_id))
    return low, high
