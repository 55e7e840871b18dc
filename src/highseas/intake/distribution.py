"""Batch distribution (任务分配): hand N customers of a pool to a list of users at once.

The recipe of every ownership transition (see :mod:`highseas.ownership.service`), for many
customers in one transaction:
1. the pool must be visible, each target user may receive from it (the rule of ``assign``);
2. the target users' rows are locked in id order, so their owned counts hold until commit and two
   distributions (or a distribution and a claim) never wait on each other in a cycle;
3. then the candidates are locked (PostgreSQL ``FOR UPDATE SKIP LOCKED``: a customer being claimed
   right now is passed over rather than waited for; SQLite holds its writer lock already);
4. the pure :func:`plan` decides who gets what, never past anyone's capacity;
5. one compare-and-set ``UPDATE`` per target user moves their customers, and one ``assign`` event
   per customer is appended.
"""

from __future__ import annotations

import enum
import heapq
import itertools
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.permissions import Action, can, ensure, visible_pool
from highseas.customers.models import Customer
from highseas.customers.queries import count_owned
from highseas.db import table_of
from highseas.org.models import User
from highseas.ownership.due import refresh_due_dates
from highseas.ownership.locks import hold_rules
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.ownership.service import capacity_of, lock_users, receiving_user

MAX_DISTRIBUTION = 10_000


class Strategy(enum.StrEnum):
    ROUND_ROBIN = "round_robin"  # in turn, in the order the users were given
    LEAST_LOADED = "least_loaded"  # each next customer to whoever owns fewest right now


@dataclass(frozen=True)
class Receiver:
    user_id: int
    owned: int
    capacity: int


def plan(customer_ids: list[int], receivers: list[Receiver], strategy: Strategy) -> list[tuple[int, int]]:
    """(customer, user) pairs: as many customers as fit, nobody past their capacity."""
    room = {r.user_id: max(r.capacity - r.owned, 0) for r in receivers}
    pairs: list[tuple[int, int]] = []
    customers = iter(customer_ids)
    if strategy is Strategy.ROUND_ROBIN:
        turns = itertools.cycle([r.user_id for r in receivers])
        while any(room.values()):
            user_id = next(turns)
            if not room[user_id]:
                continue
            customer_id = next(customers, None)
            if customer_id is None:
                break
            pairs.append((customer_id, user_id))
            room[user_id] -= 1
        return pairs
    # Ties go to the user named first.
    heap = [(r.owned, order, r.user_id) for order, r in enumerate(receivers) if room[r.user_id]]
    heapq.heapify(heap)
    for customer_id in customers:
        if not heap:
            break
        owned, order, user_id = heapq.heappop(heap)
        pairs.append((customer_id, user_id))
        room[user_id] -= 1
        if room[user_id]:
            heapq.heappush(heap, (owned + 1, order, user_id))
    return pairs


@dataclass
class Distribution:
    requested: int
    matching: int  # pool customers that matched the filters, up to ``requested``
    by_user: dict[int, list[int]] = field(default_factory=dict)

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
) -> Distribution:
    pool = visible_pool(session, actor, pool_id)
    ensure(session, actor, Action.DISTRIBUTE, pool, doing="hand out this pool's customers")
    if not 1 <= count <= MAX_DISTRIBUTION:
        raise errors.InvalidInput("count", f"must be between 1 and {MAX_DISTRIBUTION}")
    if not user_ids:
        raise errors.InvalidInput("user_ids", "name at least one user")
    if len(set(user_ids)) != len(user_ids):
        raise errors.InvalidInput("user_ids", "names a user twice")
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
    # Users first, then customers, as every other transition does: a claim holding its user's lock
    # and waiting for a customer this distribution holds would otherwise deadlock with it.
    locked, settings = lock_users(session, user_ids)
    hold_rules(session, pool_id)
    candidates = list(session.scalars(query.limit(count).with_for_update(skip_locked=True)))
    result = Distribution(requested=count, matching=len(candidates))
    if not candidates:  # all taken meanwhile
        return result
    receivers = [
        Receiver(u, count_owned(session, u, settings), capacity_of(locked[u], settings)) for u in user_ids
    ]
    pairs = plan([c.id for c in candidates], receivers, strategy)
    if not pairs:
        names = ", ".join(locked[u].username for u in user_ids)
        raise errors.CapacityFull(f"{names}: every one of them already owns their capacity")
    for customer_id, user_id in pairs:
        result.by_user.setdefault(user_id, []).append(customer_id)
    _move(session, actor, pool.id, result.by_user)
    return result


def _move(session: Session, actor: User, pool_id: int, by_user: dict[int, list[int]]) -> None:
    now = clock.now()
    events: list[dict[str, object]] = []
    for user_id, customer_ids in by_user.items():
        moved = session.execute(
            update(table_of(Customer))
            .where(
                Customer.id.in_(customer_ids),
                Customer.owner_id.is_(None),
                Customer.deleted_at.is_(None),
            )
            .values(
                owner_id=user_id,
                locked=False,
                claimed_at=now,
                updated_at=now,
                record_seq=Customer.record_seq + 1,
            )
            .returning(Customer.id, Customer.record_seq)
        ).all()
        if len(moved) != len(customer_ids):
            raise errors.AlreadyOwned("some of these customers changed hands meanwhile; try again")
        events.extend(
            {
                "customer_id": customer_id,
                "kind": EventKind.ASSIGN.value,
                "from_user_id": None,
                "to_user_id": user_id,
                "pool_id": pool_id,
                "actor_id": actor.id,
                "at": now,
                "seq": seq,
            }
            for customer_id, seq in moved
        )
    session.execute(table_of(OwnershipEvent).insert(), events)
    moved_ids = [customer_id for ids in by_user.values() for customer_id in ids]
    refresh_due_dates(session, Customer.id.in_(moved_ids))
