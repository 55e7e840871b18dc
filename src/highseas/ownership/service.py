"""Every ownership transition of one customer: claim, release, assign, transfer, lock and unlock.

Each follows one recipe, in the caller's transaction:
1. read the customer and decide what the actor may know (``not_found`` before any hint);
2. lock the user rows whose counts must hold (capacity, daily limit, lock cap), in id order so two
   transitions never wait on each other in a cycle (a claim locks its claimer in the read of step 1,
   one round trip fewer on the busiest path), then hold the pool's recycle rules shared
   (:func:`~highseas.ownership.locks.hold_rules`) before reading them or locking a customer row.
   The claim's one statement takes the rules just before its claimer: should a rule edit queue
   between it and another transaction of that claimer, PostgreSQL reorders the waits after its
   deadlock timeout (a stall of about a second, never an error), which costs less than the round
   trip a separate statement would add to every claim;
3. check the rules of the one gate (:mod:`highseas.ownership.gate`, :mod:`highseas.ownership.policy`)
   against counts read under that lock;
4. compare-and-set the owner and append the event (:func:`highseas.ownership.writer.move_ownership`):
   a concurrent change makes the row count 0 and the transition fails cleanly instead of overwriting.

Deactivation moves many customers at once: :mod:`highseas.ownership.deactivation`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, literal, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.permissions import Action, can, can_see_customer
from highseas.customers.models import Customer
from highseas.customers.queries import (
    claims_since,
    count_locked,
    get_live_customer,
    last_lost_at,
    owned_count_query,
)
from highseas.db import is_postgresql
from highseas.org.models import CompanySettings, User
from highseas.org.queries import get_user
from highseas.ownership import policy
from highseas.ownership.due import RULE_COLUMNS, refresh_due, rule_spec
from highseas.ownership.gate import (
    capacity_of,
    checked_override,
    ensure_active,
    ensure_capacity,
    ensure_unprotected,
    lock_cap_of,
    lock_users,
)
from highseas.ownership.locks import rules_lock
from highseas.ownership.models import EventKind
from highseas.ownership.writer import move_ownership
from highseas.pools.models import Pool, RecycleRule
from highseas.pools.queries import (
    get_pool,
    is_pool_member,
    member_pools_query,
    membership_parameters,
    visible_pool_ids,
)


def _already_owned() -> errors.AlreadyOwned:
    return errors.AlreadyOwned("someone already owns this customer")


@cache
def _claim_target_query(postgresql: bool) -> Select[Customer, Pool, bool, User, CompanySettings]:
    # Built once, and one round trip: the customer, its pool, whether the claimer belongs to it,
    # and the claimer's row locked and reread with the company settings (as lock_users does). On
    # PostgreSQL the same statement holds the pool's rules (locks.hold_rules), which are therefore
    # read by the next one: this statement's snapshot may predate a rule edit it waited for.
    query = (
        select(Customer, Pool, Customer.pool_id.in_(member_pools_query()), User, CompanySettings)
        .join(Pool, Pool.id == Customer.pool_id)
        .join(User, User.id == bindparam("user_id"))
        .join(CompanySettings, CompanySettings.id == 1)
        .where(Customer.id == bindparam("customer_id"), Customer.deleted_at.is_(None))
        .with_for_update(of=User, key_share=True)
        .execution_options(populate_existing=True)
    )
    return query.add_columns(rules_lock(Customer.pool_id)) if postgresql else query


@cache
def _owned_and_rules_query(won_counts: bool) -> Select[int, *tuple[Any, ...]]:
    """How many customers of the ``user_id`` parameter count toward their capacity, beside each
    recycle rule of the ``pool_id`` parameter's pool (one row per rule; one row if it has none)."""
    owned = owned_count_query(won_counts).scalar_subquery()
    one_row = select(literal(1).label("one")).subquery()
    return (
        select(owned)
        .add_columns(*RULE_COLUMNS)
        .select_from(one_row)
        .outerjoin(RecycleRule, RecycleRule.pool_id == bindparam("pool_id"))
    )


def claim(session: Session, actor: User, customer_id: int) -> Customer:
    parameters = membership_parameters(actor) | {"customer_id": customer_id}
    target = session.execute(_claim_target_query(is_postgresql(session)), parameters).first()
    if target is None:
        raise errors.NotFound(f"no customer {customer_id}")
    customer, pool, member, me, settings = target[:5]
    if customer.owner_id is not None:
        if member or can_see_customer(session, actor, customer):
            if customer.owner_id == actor.id:
                raise errors.AlreadyOwned("you already own this customer", by_you=True)
            raise _already_owned()
        raise errors.NotFound(f"no customer {customer_id}")
    if not member:
        if pool.id in visible_pool_ids(session, actor):
            raise errors.NotPoolMember(f"you are not a member of pool {pool.name!r}")
        raise errors.NotFound(f"no customer {customer_id}")
    ensure_active(me)
    now = clock.now()
    # The daily count and the last loss cost a query each; skip them where the pool sets no limit.
    claims_today = 0
    if pool.daily_claim_limit is not None:
        claims_today = claims_since(session, me.id, pool.id, policy.local_day_start(now, settings.timezone))
    protected_until = None
    if pool.reclaim_protection_days > 0:
        lost_at = last_lost_at(session, customer.id, me.id)
        protected_until = policy.protection_ends(lost_at, pool.reclaim_protection_days)
    counted = session.execute(
        _owned_and_rules_query(settings.won_counts_toward_capacity), {"user_id": me.id, "pool_id": pool.id}
    ).all()
    rules = [rule_spec(tuple(row[1:])) for row in counted if row[1] is not None]
    policy.ensure_claim_allowed(
        owned=counted[0][0],
        capacity=capacity_of(me, settings),
        claims_today=claims_today,
        daily_limit=pool.daily_claim_limit,
        protected_until=protected_until,
        now=now,
    )
    return move_ownership(
        session,
        customer,
        kind=EventKind.CLAIM,
        to_user_id=me.id,
        actor_id=me.id,
        conflict=_already_owned(),
        at=now,
        rules=rules,
    )


def owned_by_actor(session: Session, actor: User, customer_id: int, for_update: bool = False) -> Customer:
    """The actor's own customer: ``not_found`` if they may not see it, ``not_owner`` if not theirs."""
    customer = get_customer(session, actor, customer_id, for_update)
    if customer.owner_id != actor.id:
        raise errors.NotOwner("you do not own this customer; claim it first")
    return customer


def release(
    session: Session, actor: User, customer_id: int, reason: str, pool_id: int | None = None
) -> Customer:
    """Give a customer back: to its home pool, or to another pool the owner belongs to."""
    reason = (reason or "").strip()
    if not reason:
        raise errors.InvalidInput("reason", "say why you release this customer")
    customer = owned_by_actor(session, actor, customer_id)
    if pool_id is not None and pool_id != customer.pool_id:
        pool = session.get(Pool, pool_id)
        if pool is None or not can(session, actor, Action.VIEW, pool):
            raise errors.NotFound(f"no pool {pool_id}")
        if not is_pool_member(session, actor, pool.id):
            raise errors.NotPoolMember(f"you can only release into pools you belong to, not {pool.name!r}")
    return move_ownership(
        session,
        customer,
        kind=EventKind.RELEASE,
        to_user_id=None,
        actor_id=actor.id,
        conflict=errors.NotOwner("you no longer own this customer"),
        at=clock.now(),
        pool_id=pool_id,
        reason=reason,
    )


def get_customer(session: Session, actor: User, customer_id: int, for_update: bool = False) -> Customer:
    """A live customer the actor may see, else ``not_found``; ``for_update`` locks its row."""
    customer = get_live_customer(session, customer_id, for_update=for_update)
    if not can_see_customer(session, actor, customer):
        raise errors.NotFound(f"no customer {customer_id}")
    return customer


def receiving_user(session: Session, actor: User, customer: Customer, user_id: int) -> User:
    """The user a customer is handed to: ``not_found`` unless the actor may see them, or they
    belong to the pool the actor administers."""
    target = session.get(User, user_id)
    if target is None or not (
        can(session, actor, Action.VIEW, target)
        or (
            customer.owner_id is None
            and can(session, actor, Action.EDIT, get_pool(session, customer.pool_id))
            and is_pool_member(session, target, customer.pool_id)
        )
    ):
        raise errors.NotFound(f"no user {user_id}")
    return target


def _hand_to(
    session: Session,
    actor: User,
    customer: Customer,
    target: User,
    kind: EventKind,
    override: str | None = None,
) -> Customer:
    """Assign or transfer: the target's capacity is counted under their row lock; an assignment
    also passes reclaim protection."""
    users, settings = lock_users(session, [target.id])
    now = clock.now()
    if kind is EventKind.ASSIGN:
        pool = get_pool(session, customer.pool_id)
        ensure_unprotected(
            session, actor, customer_id=customer.id, pool=pool, to=target, now=now, override=override
        )
    ensure_capacity(session, users[target.id], settings, adding=1)
    return move_ownership(
        session,
        customer,
        kind=kind,
        to_user_id=target.id,
        actor_id=actor.id,
        conflict=errors.AlreadyOwned("the customer changed hands meanwhile; look again"),
        at=now,
    )


def assign(
    session: Session, actor: User, customer_id: int, user_id: int, override_reason: str | None = None
) -> Customer:
    """Hand a customer to a user; an admin's ``override_reason`` lets it reach a previous owner
    inside the reclaim-protection window (audited)."""
    customer = get_customer(session, actor, customer_id)
    target = receiving_user(session, actor, customer, user_id)
    if not can(session, actor, Action.ASSIGN, customer, to=target):
        raise errors.Forbidden("you may not assign this customer to that user")
    if customer.owner_id == target.id:
        raise errors.AlreadyOwned(f"{target.username!r} already owns this customer")
    override = checked_override(session, actor, override_reason)
    return _hand_to(session, actor, customer, target, EventKind.ASSIGN, override)


def transfer(session: Session, actor: User, customer_id: int, user_id: int) -> Customer:
    customer = get_customer(session, actor, customer_id)
    target = receiving_user(session, actor, customer, user_id)
    if customer.owner_id is None:
        raise errors.NotOwner("nobody owns this customer; assign it from its pool instead")
    owner = get_user(session, customer.owner_id)
    if not can(session, actor, Action.TRANSFER, customer, to=target):
        raise errors.Forbidden("only an admin or a manager over both users may transfer")
    if owner.id == target.id:
        raise errors.InvalidInput("user_id", "the customer already belongs to that user")
    return _hand_to(session, actor, customer, target, EventKind.TRANSFER)


def lock_customer(session: Session, actor: User, customer_id: int) -> Customer:
    """Exempt an owned customer from recycling, within the owner's lock cap."""
    users, settings = lock_users(session, [actor.id])
    me = users[actor.id]
    customer = owned_by_actor(session, me, customer_id, for_update=True)
    if not customer.locked:
        policy.ensure_lock_room(count_locked(session, me.id), lock_cap_of(me, settings))
        customer.locked = True
        customer.updated_at = clock.now()
        refresh_due(session, customer)
        session.flush()
    return customer


def unlock_customer(session: Session, actor: User, customer_id: int) -> Customer:
    customer = owned_by_actor(session, actor, customer_id, for_update=True)
    if customer.locked:
        customer.locked = False
        customer.updated_at = clock.now()
        refresh_due(session, customer)
        session.flush()
    return customer
