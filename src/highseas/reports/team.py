"""The manager's team view: each user's load against capacity, what drops soon, what was recycled."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from highseas import clock
from highseas.auth.permissions import managed_user_ids
from highseas.customers.models import Customer
from highseas.org.models import User
from highseas.org.queries import company_settings
from highseas.ownership.gate import capacity_of
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.ownership.policy import DAY
from highseas.pools.queries import members_clause

RECYCLED_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class TeamRow:
    user: User
    owned: int
    capacity: int
    due_soon: int
    recycled: int


def team_load(
    session: Session, actor: User, due_within_days: int = 3, pool_ids: Collection[int] = ()
) -> list[TeamRow]:
    """One row per active user the actor manages (everyone, for an admin) or who belongs to one of
    ``pool_ids``; three grouped counts, whatever the number of customers."""
    now = clock.now()
    among: ColumnElement[bool] = User.id.in_(managed_user_ids(session, actor))
    if pool_ids:
        among = or_(among, members_clause(session, pool_ids))
    users = list(session.scalars(select(User).where(among, User.active.is_(True)).order_by(User.id)))
    ids = [u.id for u in users]
    settings = company_settings(session)
    live = [Customer.owner_id.in_(ids), Customer.deleted_at.is_(None)]
    counted = [*live] if settings.won_counts_toward_capacity else [*live, Customer.won.is_(False)]
    owned = dict(
        session.execute(
            select(Customer.owner_id, func.count()).where(*counted).group_by(Customer.owner_id)
        ).all()
    )
    due = dict(
        session.execute(
            select(Customer.owner_id, func.count())
            .where(*live, Customer.locked.is_(False), Customer.due_at <= now + due_within_days * DAY)
            .group_by(Customer.owner_id)
        ).all()
    )
    recycled = dict(
        session.execute(
            select(OwnershipEvent.from_user_id, func.count())
            .where(
                OwnershipEvent.kind == EventKind.RECYCLE,
                OwnershipEvent.at >= now - RECYCLED_WINDOW,
                OwnershipEvent.from_user_id.in_(ids),
            )
            .group_by(OwnershipEvent.from_user_id)
        ).all()
    )
    return [
        TeamRow(
            user=u,
            owned=owned.get(u.id, 0),
            capacity=capacity_of(u, settings),
            due_soon=due.get(u.id, 0),
            recycled=recycled.get(u.id, 0),
        )
        for u in users
    ]
