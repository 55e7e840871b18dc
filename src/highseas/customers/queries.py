"""Reads about customers shared by the services: lookups, counts that rules depend on."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from highseas import errors
from highseas.customers.models import Customer
from highseas.org.models import CompanySettings
from highseas.ownership.locks import hold_rules
from highseas.ownership.models import EventKind, OwnershipEvent


def get_live_customer(session: Session, customer_id: int, for_update: bool = False) -> Customer:
    """A customer that is not soft-deleted; ``for_update`` takes its row lock and rereads it,
    having first held its pool's rules (:func:`~highseas.ownership.locks.hold_rules` comes before
    any customer row lock)."""
    if for_update:
        hold_rules(session, select(Customer.pool_id).where(Customer.id == customer_id))
    customer = session.get(Customer, customer_id, with_for_update=for_update, populate_existing=for_update)
    if customer is None or customer.deleted_at is not None:
        raise errors.NotFound(f"no customer {customer_id}")
    return customer


def count_owned(session: Session, user_id: int, settings: CompanySettings) -> int:
    """Customers that count toward the user's capacity."""
    query = owned_count_query(settings.won_counts_toward_capacity)
    return session.scalar(query, {"user_id": user_id}) or 0


@cache
def owned_count_query(won_counts: bool) -> Select[int]:
    """Customers that count toward the capacity of the user of the ``user_id`` parameter."""
    # Built once: every claim, assignment and transfer counts, and building costs more than running.
    owned = Customer.owner_id == bindparam("user_id")
    query = select(func.count()).where(owned, Customer.deleted_at.is_(None))
    return query if won_counts else query.where(Customer.won.is_(False))


def count_locked(session: Session, user_id: int) -> int:
    query = select(func.count()).where(
        Customer.owner_id == user_id, Customer.locked.is_(True), Customer.deleted_at.is_(None)
    )
    return session.scalar(query) or 0


def claims_since(session: Session, user_id: int, pool_id: int, since: datetime) -> int:
    query = select(func.count()).where(
        OwnershipEvent.actor_id == user_id,
        OwnershipEvent.kind == EventKind.CLAIM,
        OwnershipEvent.at >= since,
        OwnershipEvent.pool_id == pool_id,
    )
    return session.scalar(query) or 0


def last_lost_at(session: Session, customer_id: int, user_id: int) -> datetime | None:
    """When the user last gave up (release) or lost (recycle) this customer."""
    query = select(func.max(OwnershipEvent.at)).where(
        OwnershipEvent.customer_id == customer_id,
        OwnershipEvent.from_user_id == user_id,
        OwnershipEvent.kind.in_([EventKind.RELEASE, EventKind.RECYCLE]),
    )
    return session.scalar(query)
