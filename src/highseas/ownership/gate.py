"""The checks every move of a customer to a user passes, whoever asks: the receiving users' row
locks, capacity, and reclaim protection (which an admin may override with a written reason).

User rows are locked ``FOR NO KEY UPDATE``: strong enough that two transitions counting one user's
customers take turns, yet not in the way of the foreign-key checks (``FOR KEY SHARE``) that a sweep
or a release makes on the same user row when it names them as a previous owner. With a plain
``FOR UPDATE`` a sweep holding a due customer and waiting on that check, and a transfer holding its
target's row and waiting on that customer, deadlocked.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from highseas import errors
from highseas.auth.audit import audit
from highseas.auth.permissions import Action, ensure
from highseas.customers.queries import count_owned, last_lost_at
from highseas.org.models import CompanySettings, User
from highseas.ownership import policy
from highseas.pools.models import Pool


@cache
def _lock_users_query() -> Select[User, CompanySettings]:
    # Statements on the claim path are built once: building one costs more than running it.
    return (
        select(User, CompanySettings)
        .join(CompanySettings, CompanySettings.id == 1)
        .where(User.id.in_(bindparam("user_ids", expanding=True)))
        .order_by(User.id)
        .with_for_update(of=User, key_share=True)
        .execution_options(populate_existing=True)
    )


def lock_users(
    session: Session, user_ids: Iterable[int], *, active_only: bool = True
) -> tuple[dict[int, User], CompanySettings]:
    """Row-lock the users (id order) and reread them; every one must exist, and be active unless
    ``active_only`` is false. The company settings, which every caller goes on to need, come in
    the same round trip."""
    ids = sorted(set(user_ids))
    rows = session.execute(_lock_users_query(), {"user_ids": ids}).all()
    if not rows:
        raise errors.NotFound(f"no user {ids[0]}")
    users = {user.id: user for user, _settings in rows}
    for user_id in ids:
        user = users.get(user_id)
        if user is None:
            raise errors.NotFound(f"no user {user_id}")
        if active_only:
            ensure_active(user)
    return users, rows[0][1]


def ensure_active(user: User) -> None:
    if not user.active:
        raise errors.InvalidInput("user_id", f"user {user.username!r} is deactivated")


def capacity_of(user: User, settings: CompanySettings) -> int:
    return policy.effective_capacity(user.capacity, settings.default_capacity)


def lock_cap_of(user: User, settings: CompanySettings) -> int:
    return user.lock_cap if user.lock_cap is not None else settings.default_lock_cap


def ensure_capacity(session: Session, user: User, settings: CompanySettings, adding: int = 1) -> None:
    """Call with ``user``'s row locked, so the count cannot change before the write."""
    policy.ensure_room(
        count_owned(session, user.id, settings), capacity_of(user, settings), adding, user.username
    )


def checked_override(session: Session, actor: User, reason: str | None) -> str | None:
    """The admin's written reason to move a customer to a protected previous owner, or None.

    Anyone else sending one is refused, so that a refusal is never mistaken for a permission."""
    if reason is None:
        return None
    ensure(session, actor, Action.ADMINISTER, doing="override reclaim protection")
    reason = reason.strip()
    if not reason:
        raise errors.InvalidInput("override_reason", "say why the protection does not apply")
    return reason


def ensure_unprotected(
    session: Session,
    actor: User,
    *,
    customer_id: int,
    pool: Pool,
    to: User,
    now: datetime,
    override: str | None,
) -> None:
    """Refuse handing a customer to whoever gave it up inside ``pool``'s protection window, unless
    an admin overrides it (``override`` from :func:`checked_override`), which is audited."""
    if pool.reclaim_protection_days <= 0:
        return
    lost_at = last_lost_at(session, customer_id, to.id)
    until = policy.protection_ends(lost_at, pool.reclaim_protection_days)
    if override is None:
        policy.ensure_unprotected(until, now, to.name or to.username)
    elif until is not None and now < until:
        audit_override(session, actor, [customer_id], to.id, override)


def audit_override(session: Session, actor: User, customer_ids: list[int], user_id: int, reason: str) -> None:
    audit(
        session,
        "reclaim_protection_override",
        actor_id=actor.id,
        customer_ids=customer_ids,
        user_id=user_id,
        reason=reason,
    )
