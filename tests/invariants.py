"""Checks of DESIGN.md's invariants against a live database, shared by many tests."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from highseas.customers.models import Customer, Deal, FollowUp
from highseas.org.models import CompanySettings, User
from highseas.ownership.due import rule_specs
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.ownership.policy import CustomerClock, RuleSpec, due_date


def replayed_state(session: Session) -> dict[int, tuple[int | None, int]]:
    """Every customer's (owner, pool) as the event log tells it, oldest event first."""
    state: dict[int, tuple[int | None, int]] = {}
    for event in session.scalars(select(OwnershipEvent).order_by(OwnershipEvent.id)):
        if event.kind is not EventKind.CREATE and event.kind is not EventKind.IMPORT:
            assert event.customer_id in state, f"event {event.id} before the customer's create"
            assert state[event.customer_id][0] == event.from_user_id, (
                f"event {event.id} moves from a non-owner"
            )
        state[event.customer_id] = (event.to_user_id, event.pool_id)
    return state


def assert_invariants(engine: Engine) -> None:
    with Session(engine) as session:
        customers = {c.id: (c.owner_id, c.pool_id) for c in session.scalars(select(Customer))}
        # 1. owned by at most one user or in exactly one pool: pool_id is never null.
        assert all(pool_id is not None for _, pool_id in customers.values())
        # 2. the event log replays to the current owners and pools.
        assert replayed_state(session) == customers
        # 3. nobody owns more than their capacity.
        settings = session.get(CompanySettings, 1)
        assert settings is not None
        owned = dict(
            session.execute(
                select(Customer.owner_id, func.count())
                .where(Customer.owner_id.is_not(None), Customer.deleted_at.is_(None))
                .group_by(Customer.owner_id)
            ).all()
        )
        for user in session.scalars(select(User)):
            capacity = settings.default_capacity if user.capacity is None else user.capacity
            if settings.won_counts_toward_capacity:
                assert owned.get(user.id, 0) <= capacity, (
                    f"{user.username} owns {owned[user.id]} > {capacity}"
                )
            if not user.active:
                assert owned.get(user.id, 0) == 0, f"deactivated {user.username} still owns customers"
        # Unowned customers carry no deadline; locked ones are never due.
        stray = session.scalar(
            select(func.count()).where(
                Customer.due_at.is_not(None), (Customer.owner_id.is_(None)) | (Customer.locked.is_(True))
            )
        )
        assert stray == 0
        # Every owned customer's stored deadline is what the pure rules say, however it got there
        # (a claim's UPDATE, a rule edit's bulk refresh, a follow-up, an import, a distribution).
        rules: dict[int, list[RuleSpec]] = {}
        for c in session.scalars(select(Customer).where(Customer.owner_id.is_not(None))):
            facts = CustomerClock(c.grade, c.won, c.locked, c.claimed_at, c.last_followup_at, c.last_deal_at)
            if c.pool_id not in rules:
                rules[c.pool_id] = rule_specs(session, c.pool_id)
            due = due_date(facts, rules[c.pool_id])
            expected = (due.at, due.rule_id) if due else (None, None)
            assert (c.due_at, c.due_rule_id) == expected, f"customer {c.id}: due date off the rules"
        # Events, follow-ups and deals of each customer are numbered 1, 2, 3… in recorded order.
        numbers: dict[int, list[int]] = {}
        for model in (OwnershipEvent, FollowUp, Deal):
            for customer_id, seq in session.execute(select(model.customer_id, model.seq)):
                numbers.setdefault(customer_id, []).append(seq)
        # A record merged into another keeps its events, numbered as they were: its follow-ups
        # and deals moved on, renumbered after the survivor's records.
        for c in session.scalars(select(Customer)):
            kept = sorted(numbers.get(c.id, []))
            if c.merged_into_id is None:
                assert kept == list(range(1, c.record_seq + 1)), f"customer {c.id}"
            else:
                assert len(set(kept)) == len(kept) and kept[-1] == c.record_seq, f"merged {c.id}"
