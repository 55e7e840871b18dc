"""Small reads that pages share: names of users, pools and rules to show beside ids."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas.auth.permissions import Action, can
from highseas.org.models import User
from highseas.pools.models import Pool, RecycleRule
from highseas.pools.queries import visible_pool_ids


def user_names(session: Session) -> dict[int, str]:
    return {
        i: name or username
        for i, name, username in session.execute(select(User.id, User.name, User.username))
    }


def pool_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Pool.id, Pool.name)).all())


def rules_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, RecycleRule]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {r.id: r for r in session.scalars(select(RecycleRule).where(RecycleRule.id.in_(wanted)))}


def administered_pools(session: Session, user: User) -> list[Pool]:
    """The pools the user may fill by import: those they may edit (admins: every pool)."""
    visible = session.scalars(
        select(Pool).where(Pool.id.in_(visible_pool_ids(session, user))).order_by(Pool.id)
    )
    return [pool for pool in visible if can(session, user, Action.EDIT, pool)]
