"""Batch distribution (任务分配): hand N customers of a pool to a list of users at once.

The recipe of every ownership transition (see :mod:`highseas.ownership.service`), for many
customers in one transaction:
1. the pool must be visible, each target user may receive from it (the rule of ``assign``);
2. the target users' rows are locked in id order, so their owned counts hold until commit and two
   distributions (or a distribution and a claim) never wait on each other in a cycle;
3. then the candidates are locked (PostgreSQL ``FOR UPDATE SKIP LOCKED``: a customer being claimed
   right now is passed over rather than waited for; SQLite holds its writer lock already);
4. the one gate, for the whole set: deactivated users and users at their capacity are skipped, and
   no customer goes to whoever gave it up inside the pool's reclaim-protection window (unless an
   admin overrides it with a reason, audited); the answer says who was skipped and why;
5. the pure :func:`plan` decides who gets what, never past anyone's capacity;
6. the one writer moves each user's customers in one set-based step, one ``assign`` event each.
"""

from __future__ import annotations

import enum
import heapq
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.permissions import Action, can, ensure, visible_pool
from highseas.customers.models import Customer
from highseas.customers.queries import count_owned
from highseas.org.models import User
from highseas.ownership.due import refresh_due_dates
from highseas.ownership.gate import audit_override, capacity_of, checked_override, lock_users
from highseas.ownership.locks import hold_rules
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.ownership.policy import DAY
from highseas.ownership.service import receiving_user
from highseas.ownership.writer import move_all

MAX_DISTRIBUTION = 10_000


class Strategy(enum.StrEnum):
    ROUND_ROBIN = "round_robin"  # in turn, in the order the users were given
    LEAST_LOADED = "least_loaded"  # each next customer to whoever owns fewest right now


@dataclass(frozen=True)
class Receiver:
    user_id: int
    owned: int
    capacity: int


def plan(
    customer_ids: list[int],
    receivers: list[Receiver],
    strategy: Strategy,
    barred: frozenset[tuple[int, int]] = frozenset(),
) -> list[tuple[int, int]]:
    """(customer, user) pairs: as many customers as fit, nobody past their capacity, no pair in
    ``barred``; a customer nobody may take stays where it is."""
    room = {r.user_id: max(r.capacity - r.owned, 0) for r in receivers}
    pairs: list[tuple[int, int]] = []
    if strategy is Strategy.ROUND_ROBIN:
        order = [r.user_id for r in receivers]
        turn = 0
        for customer_id in customer_ids:
            if not any(room.values()):
                break
            for step in range(len(order)):
                user_id = order[(turn + step) % len(order)]
                if room[user_id] and (customer_id, user_id) not in barred:
                    pairs.append((customer_id, user_id))
                    room[user_id] -= 1
                    turn = (turn + step + 1) % len(order)
                    break
        return pairs
    # Ties go to the user named first.
    heap = [(r.owned, order, r.user_id) for order, r in enumerate(receivers) if room[r.user_id]]
    heapq.heapify(heap)
    for customer_id in customer_ids:
        passed_over: list[tuple[int, int, int]] = []
        while heap and (customer_id, heap[0][2]) in barred:
            passed_over.append(heapq.heappop(heap))
        if heap:
            load, rank, chosen = heapq.heappop(heap)
            pairs.append((customer_id, chosen))
            room[chosen] -= 1
            if room[chosen]:
                heapq.heappush(heap, (load + 1, rank, chosen))
        for entry in passed_over:
            heapq.heappush(heap, entry)
        if not heap:
            break
    return pairs


class SkipReason(enum.StrEnum):
    INACTIVE = "inactive"
    CAPACITY_FULL = "capacity_full"
    RECLAIM_PROTECTED = "reclaim_protected"


@dataclass(frozen=True)
class Skipped:
    """A chosen user who got nothing (inactive, full), or not some customers (``customer_ids``:
    the ones they gave up inside the protection window)."""

    user_id: int
    reason: SkipReason
    customer_ids: tuple[int, ...] = ()


@dataclass
class Distribution:
    requested: int
    matching: int  # pool customers that matched the filters, up to ``requested``
    by_user: dict[int, list[int]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def distributed(self) -> int:
        return sum(len(ids) for ids in self.by_user.values())


def distribute(
    session: Session,
    actor: User,
    pool_id: int,
    user_ids: list[int],
    count: int,
    strategy: Strategy = Strategy.ROUND_ROBIN,
    *,
    grade: str | None = None,
    region: str | None = None,
    source: str | None = None,
    override_reason: str | None = None,
) -> Distribution:
    """Hand up to ``count`` matching customers of the pool to the users; an admin's
    ``override_reason`` lets customers reach the users who gave them up recently (audited)."""
    pool = visible_pool(session, actor, pool_id)
    ensure(session, actor, Action.DISTRIBUTE, pool, doing="hand out this pool's customers")
    if not 1 <= count <= MAX_DISTRIBUTION:
        raise errors.InvalidInput("count", f"must be between 1 and {MAX_DISTRIBUTION}")
    if not user_ids:
        raise errors.InvalidInput("user_ids", "name at least one user")
    if len(set(user_ids)) != len(user_ids):
        raise errors.InvalidInput("user_ids", "names a user twice")
    override = checked_override(session, actor, override_reason)
    query = (
        select(Customer)
        .where(Customer.pool_id == pool.id, Customer.owner_id.is_(None), Customer.deleted_at.is_(None))
        .order_by(Customer.id)
    )
    for column, value in ((Customer.grade, grade), (Customer.region, region), (Customer.source, source)):
        if value is not None:
            query = query.where(column == value)
    # Every candidate is an unowned customer of this one pool, and ``can`` decides an assignment
    # of such a customer by the pool, the actor and the target alone: asking about any one of them
    # answers for all.
    probe = session.scalars(query.limit(1)).first()
    if probe is None:
        return Distribution(requested=count, matching=0)
    targets = [receiving_user(session, actor, probe, user_id) for user_id in user_ids]
    for target in targets:
        if not can(session, actor, Action.ASSIGN, probe, to=target):
            raise errors.Forbidden(f"you may not assign this pool's customers to {target.username!r}")
    # Users first (in _receivers), then the rules, then customers, as every other transition
    # does: a claim holding its user's lock and waiting for a customer this distribution holds
    # would otherwise deadlock with it.
    result = Distribution(requested=count, matching=0)
    receivers = _receivers(session, user_ids, result)
    hold_rules(session, pool_id)
    candidates = [c.id for c in session.scalars(query.limit(count).with_for_update(skip_locked=True))]
    result.matching = len(candidates)
    if not candidates or not receivers:
        return result
    barred = _protected_pairs(
        session, candidates, [r.user_id for r in receivers], pool.reclaim_protection_days
    )
    for customer_id, user_id in plan(candidates, receivers, strategy, frozenset() if override else barred):
        result.by_user.setdefault(user_id, []).append(customer_id)
    _account_for_protection(session, actor, barred, override, result)
    _move(session, actor, result.by_user)
    return result


def _account_for_protection(
    session: Session,
    actor: User,
    barred: frozenset[tuple[int, int]],
    override: str | None,
    result: Distribution,
) -> None:
    """Say who was kept from which customers by reclaim protection, or audit the admin's override
    for those it let through."""
    for user_id in sorted({u for _, u in barred}):
        kept_from = tuple(sorted(c for c, u in barred if u == user_id))
        if override is None:
            result.skipped.append(Skipped(user_id, SkipReason.RECLAIM_PROTECTED, kept_from))
            continue
        handed = set(result.by_user.get(user_id, ()))
        if overridden := [c for c in kept_from if c in handed]:
            audit_override(session, actor, overridden, user_id, override)


def _receivers(session: Session, user_ids: list[int], result: Distribution) -> list[Receiver]:
    """The chosen users who may receive, their rows locked (in id order); the others go to
    ``result.skipped``: deactivated, or already at their capacity."""
    locked, settings = lock_users(session, user_ids, active_only=False)
    receivers = []
    for user_id in user_ids:
        user = locked[user_id]
        if not user.active:
            result.skipped.append(Skipped(user_id, SkipReason.INACTIVE))
            continue
        receiver = Receiver(user_id, count_owned(session, user_id, settings), capacity_of(user, settings))
        if receiver.owned >= receiver.capacity:
            result.skipped.append(Skipped(user_id, SkipReason.CAPACITY_FULL))
        else:
            receivers.append(receiver)
    return receivers


def _move(session: Session, actor: User, by_user: dict[int, list[int]]) -> None:
    now = clock.now()
    for user_id, customer_ids in by_user.items():
        unowned = Customer.id.in_(customer_ids) & Customer.owner_id.is_(None) & Customer.deleted_at.is_(None)
        moved = move_all(
            session, unowned, kind=EventKind.ASSIGN, to_user_id=user_id, actor_id=actor.id, at=now
        )
        if moved != len(customer_ids):
            raise errors.AlreadyOwned("some of these customers changed hands meanwhile; try again")
    refresh_due_dates(session, Customer.id.in_([c for ids in by_user.values() for c in ids]))


def _protected_pairs(
    session: Session, customer_ids: list[int], user_ids: list[int], protection_days: int
) -> frozenset[tuple[int, int]]:
    """(customer, user) where the user gave the customer up (release, recycle) less than
    ``protection_days`` ago: one query for the whole set."""
    if protection_days <= 0:
        return frozenset()
    e = OwnershipEvent
    lost = (
        select(e.customer_id, e.from_user_id)
        .distinct()
        .where(
            e.customer_id.in_(bindparam("customers", expanding=True)),
            e.from_user_id.in_(bindparam("users", expanding=True)),
            e.kind.in_([EventKind.RELEASE, EventKind.RECYCLE]),
            e.at > clock.now() - protection_days * DAY,
        )
    )
    rows = session.execute(lost, {"customers": customer_ids, "users": user_ids})
    return frozenset((customer_id, user_id) for customer_id, user_id in rows if user_id is not None)
