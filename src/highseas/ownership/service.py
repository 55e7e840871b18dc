"""Every ownership transition: claim, release, assign, transfer, deactivate, lock and unlock.

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
3. check the pure rules of :mod:`highseas.ownership.policy` against counts read under that lock;
4. compare-and-set the owner (``UPDATE … WHERE owner_id IS <expected>``): a concurrent change makes
   the row count 0 and the transition fails cleanly instead of overwriting;
5. append the event and refresh the customer's due date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Integer, Select, Table, bindparam, func, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningUpdate, Update
from sqlalchemy.sql.selectable import ExecutableReturnsRows

from highseas import clock, errors
from highseas.auth.permissions import Action, can, can_see_customer, ensure
from highseas.customers.models import Customer
from highseas.customers.queries import (
    claims_since,
    count_locked,
    count_owned,
    get_live_customer,
    last_lost_at,
    owned_count_query,
)
from highseas.db import is_postgresql, table_of
from highseas.org.models import CompanySettings, User
from highseas.org.queries import get_user
from highseas.ownership import policy
from highseas.ownership.due import (
    RULE_COLUMNS,
    expire_loaded_customers,
    refresh_due,
    refresh_due_dates,
    rule_spec,
    rule_specs,
)
from highseas.ownership.events import record_event
from highseas.ownership.locks import hold_rules, rules_lock
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.pools.models import Pool, RecycleRule
from highseas.pools.queries import (
    get_pool,
    is_pool_member,
    member_pools_query,
    membership_parameters,
    visible_pool_ids,
)

DEACTIVATION_REASON = "owner deactivated"


@cache
def _lock_users_query() -> Select[User, CompanySettings]:
    # Statements on the claim path are built once: building one costs more than running it.
    return (
        select(User, CompanySettings)
        .join(CompanySettings, CompanySettings.id == 1)
        .where(User.id.in_(bindparam("user_ids", expanding=True)))
        .order_by(User.id)
        .with_for_update(of=User)
        .execution_options(populate_existing=True)
    )


def lock_users(session: Session, user_ids: Iterable[int]) -> tuple[dict[int, User], CompanySettings]:
    """Row-lock the users (id order) and reread them; every one must be active.

    The company settings, which every caller goes on to need, come in the same round trip.
    """
    ids = sorted(set(user_ids))
    rows = session.execute(_lock_users_query(), {"user_ids": ids}).all()
    if not rows:
        raise errors.NotFound(f"no user {ids[0]}")
    users = {user.id: user for user, _settings in rows}
    for user_id in ids:
        user = users.get(user_id)
        if user is None:
            raise errors.NotFound(f"no user {user_id}")
        _ensure_active(user)
    return users, rows[0][1]


def _ensure_active(user: User) -> None:
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


def move_ownership(
    session: Session,
    customer: Customer,
    *,
    kind: EventKind,
    to_user_id: int | None,
    actor_id: int | None,
    conflict: errors.DomainError,
    pool_id: int | None = None,
    reason: str | None = None,
    rules: list[policy.RuleSpec] | None = None,
) -> Customer:
    """Compare-and-set the owner from the one read to ``to_user_id`` and log the event.

    The same UPDATE stores the new owner's due date, worked out by :func:`policy.due_date` from
    the row as read and the target pool's ``rules`` (read here unless given), and returns the
    whole row; on PostgreSQL the same statement appends the event too. It applies only while the
    row still holds what was read: another owner is ``conflict``; a changed grade, deal or
    follow-up (the values the rules read) makes the move read the row again and retry.
    """
    now = clock.now()
    expected = customer.owner_id
    target_pool = pool_id if pool_id is not None else customer.pool_id
    logs_itself = is_postgresql(session)
    build = _move_and_log_statement if logs_itself else _move_statement
    statement = build(to_user_id is None, expected is not None)
    if to_user_id is None:
        rules = None
        # No deadline to work out, but the row lock below comes after the rules of the pool that
        # owns it, as everywhere (locks.hold_rules).
        hold_rules(session, customer.pool_id)
    elif rules is None:
        rules = rule_specs(session, target_pool)
    for _attempt in range(_MOVE_ATTEMPTS):
        parameters = {
            "customer": customer.id,
            "old_owner": expected,
            "new_owner": to_user_id,
            "new_pool": target_pool,
            "moved_at": now,
            "read_pool": customer.pool_id,
            "read_grade": customer.grade,
            "read_won": customer.won,
            "read_followup": customer.last_followup_at,
            "read_deal": customer.last_deal_at,
            "event_kind": kind,
            "actor": actor_id,
            "reason": reason,
        } | _due_parameters(customer, rules, now)
        moved: Customer | None = session.scalars(statement, parameters).one_or_none()
        if moved is not None:
            break
        session.refresh(customer)
        # Moved meanwhile, or put in another pool (whose rules and members were not checked).
        moved_away = pool_id is None and customer.pool_id != target_pool
        if customer.owner_id != expected or customer.deleted_at is not None or moved_away:
            raise conflict
    else:
        raise conflict
    if not logs_itself:
        record_event(
            session,
            customer_id=moved.id,
            kind=kind,
            pool_id=target_pool,
            from_user_id=expected,
            to_user_id=to_user_id,
            actor_id=actor_id,
            reason=reason,
            at=now,
            seq=moved.record_seq,
        )
    return moved


# A move retried this often without the row holding still (its grade edited over and over) gives up.
_MOVE_ATTEMPTS = 3


def _due_parameters(customer: Customer, rules: list[policy.RuleSpec] | None, now: datetime) -> dict[str, Any]:
    """The deadline of a customer moving to a new owner now (none when it goes back to a pool)."""
    due = None
    if rules is not None:
        held = policy.CustomerClock(
            grade=customer.grade,
            won=customer.won,
            locked=False,
            claimed_at=now,
            last_followup_at=customer.last_followup_at,
            last_deal_at=customer.last_deal_at,
        )
        due = policy.due_date(held, rules)
    return {
        "due_at": due.at if due else None,
        "due_rule_id": due.rule_id if due else None,
        "remind_at": due.remind_at if due else None,
    }


@cache
def _move_statement(releasing: bool, owned: bool) -> ReturningUpdate[Customer]:
    """The compare-and-set UPDATE of :func:`move_ownership`, one per kind of move, built once."""
    return (
        _move_update(Customer, releasing, owned)
        .returning(Customer)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


@cache
def _move_and_log_statement(releasing: bool, owned: bool) -> ExecutableReturnsRows:
    """:func:`_move_statement` and the event it calls for as one PostgreSQL statement (a
    data-modifying ``WITH``): a round trip less on every claim. The event is appended only if the
    UPDATE applied, from the row it returns.

    Plain Core inside, read into a :class:`Customer` through ``from_statement``: an ORM entity
    aliased onto the ``WITH`` was seen to compile into a cartesian product under concurrent first use.
    """
    customers = table_of(Customer)
    moved = _move_update(customers, releasing, owned).returning(*customers.c).cte("moved")
    events = table_of(OwnershipEvent)
    logged = events.insert().from_select(
        ["customer_id", "kind", "from_user_id", "to_user_id", "pool_id", "actor_id", "reason", "at", "seq"],
        select(
            moved.c.id,
            bindparam("event_kind", type_=events.c.kind.type),
            bindparam("old_owner", type_=Integer),
            moved.c.owner_id,
            moved.c.pool_id,
            bindparam("actor", type_=Integer),
            bindparam("reason", type_=events.c.reason.type),
            moved.c.updated_at,
            moved.c.record_seq,
        ),
    )
    row = select(*moved.c).add_cte(logged.cte("logged"))
    return select(Customer).from_statement(row).execution_options(populate_existing=True)


def _move_update(target: type[Customer] | Table, releasing: bool, owned: bool) -> Update:
    """The UPDATE of one move, on the mapped class (ORM) or on its table (Core)."""
    c = Customer
    instant = c.updated_at.type
    moved_at = bindparam("moved_at", type_=instant)
    owner_test = c.owner_id == bindparam("old_owner") if owned else c.owner_id.is_(None)
    as_read = (
        c.pool_id == bindparam("read_pool", type_=Integer),
        c.grade.is_not_distinct_from(bindparam("read_grade", type_=c.grade.type)),
        c.won == bindparam("read_won", type_=Boolean),
        c.last_followup_at.is_not_distinct_from(bindparam("read_followup", type_=instant)),
        c.last_deal_at.is_not_distinct_from(bindparam("read_deal", type_=instant)),
    )
    values: dict[str, Any] = {
        "owner_id": bindparam("new_owner", type_=Integer),
        "locked": False,
        "pool_id": bindparam("new_pool", type_=Integer),
        "updated_at": moved_at,
        "record_seq": c.record_seq + 1,
        "due_at": bindparam("due_at", type_=instant),
        "due_rule_id": bindparam("due_rule_id", type_=Integer),
        "remind_at": bindparam("remind_at", type_=instant),
    }
    if releasing:
        values |= {"previous_owner_id": c.owner_id, "released_at": moved_at, "claimed_at": None}
    else:
        values |= {"claimed_at": moved_at}
    return (
        update(target)
        .where(c.id == bindparam("customer"), owner_test, c.deleted_at.is_(None), *as_read)
        .values(values)
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
        .with_for_update(of=User)
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
    _ensure_active(me)
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


def _hand_to(session: Session, actor: User, customer: Customer, target: User, kind: EventKind) -> Customer:
    """Assign or transfer: the target's capacity is counted under their row lock."""
    users, settings = lock_users(session, [target.id])
    ensure_capacity(session, users[target.id], settings, adding=1)
    return move_ownership(
        session,
        customer,
        kind=kind,
        to_user_id=target.id,
        actor_id=actor.id,
        conflict=errors.AlreadyOwned("the customer changed hands meanwhile; look again"),
    )


def assign(session: Session, actor: User, customer_id: int, user_id: int) -> Customer:
    customer = get_customer(session, actor, customer_id)
    target = receiving_user(session, actor, customer, user_id)
    if not can(session, actor, Action.ASSIGN, customer, to=target):
        raise errors.Forbidden("you may not assign this customer to that user")
    if customer.owner_id == target.id:
        raise errors.AlreadyOwned(f"{target.username!r} already owns this customer")
    return _hand_to(session, actor, customer, target, EventKind.ASSIGN)


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


def deactivate_user(session: Session, actor: User, user_id: int, transfer_to: int | None) -> User:
    """Deactivate a user and move all their customers at once: to ``transfer_to`` (all or
    nothing: ``capacity_full`` moves none) or back to their pools."""
    ensure(session, actor, Action.ADMINISTER, doing="deactivate users")
    if user_id == actor.id:
        raise errors.InvalidInput("user_id", "you cannot deactivate yourself")
    users, settings = lock_users(session, [user_id] + ([transfer_to] if transfer_to is not None else []))
    leaving = users[user_id]
    if transfer_to is not None:
        if transfer_to == user_id:
            raise errors.InvalidInput("transfer_to", "cannot transfer to the user being deactivated")
        ensure_capacity(session, users[transfer_to], settings, adding=count_owned(session, user_id, settings))
    now = clock.now()
    theirs = Customer.owner_id == user_id
    kind = EventKind.TRANSFER if transfer_to is not None else EventKind.RELEASE
    session.flush()
    receiving = Customer.owner_id.in_([user_id, transfer_to]) if transfer_to is not None else theirs
    hold_rules(session, select(Customer.pool_id).where(receiving).distinct())
    # The leaving user's row lock stops new customers reaching them; locking their customers
    # stops a last release or follow-up of theirs from slipping between the two statements below.
    session.execute(
        select(func.count()).select_from(select(Customer.id).where(theirs).with_for_update().subquery())
    )
    session.execute(
        table_of(OwnershipEvent)
        .insert()
        .from_select(
            [
                "customer_id",
                "kind",
                "from_user_id",
                "to_user_id",
                "pool_id",
                "actor_id",
                "reason",
                "at",
                "seq",
            ],
            select(
                Customer.id,
                literal(kind.value),
                Customer.owner_id,
                literal(transfer_to),
                Customer.pool_id,
                literal(actor.id),
                literal(DEACTIVATION_REASON),
                literal(now, OwnershipEvent.at.type),
                Customer.record_seq + 1,
            ).where(theirs),
        )
    )
    moved: dict[str, object] = {
        "owner_id": transfer_to,
        "locked": False,
        "updated_at": now,
        "record_seq": Customer.record_seq + 1,
    }
    if transfer_to is None:
        moved |= {"previous_owner_id": user_id, "released_at": now, "claimed_at": None}
        moved |= {"due_at": None, "due_rule_id": None, "remind_at": None}
    else:
        moved |= {"claimed_at": now}
    session.execute(update(table_of(Customer)).where(theirs).values(moved))
    leaving.active = False
    session.flush()
    if transfer_to is not None:
        refresh_due_dates(session, Customer.owner_id == transfer_to)
    expire_loaded_customers(session)
    return leaving


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
