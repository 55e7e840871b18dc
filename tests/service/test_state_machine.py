"""A hypothesis state machine drives random ownership traffic and checks every invariant after
every step: claims, releases, assigns, transfers, locks, follow-ups, deals, clock jumps, rule
edits, sweeps, deactivations, distributions, imports and merges, as any mix of users might send them."""

from __future__ import annotations

import itertools
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine, select

from highseas import clock, errors
from highseas.auth.permissions import SYSTEM
from highseas.customers.merge import merge_customers
from highseas.customers.models import Customer
from highseas.customers.service import (
    CustomerInput,
    create_customer,
    log_followup,
    record_deal,
    update_customer,
)
from highseas.db import session_scope
from highseas.intake.distribution import Strategy, distribute
from highseas.intake.importer import import_file
from highseas.org.models import User
from highseas.ownership import service as ownership
from highseas.ownership.deactivation import deactivate_user
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.ownership.policy import protection_ends
from highseas.ownership.sweep import sweep
from highseas.pools.service import RuleInput, add_rule, update_rule
from tests.conftest import START, Org, build_org, reset_database
from tests.invariants import assert_invariants

CUSTOMERS = 6
people = st.sampled_from(["rep", "other_rep", "west_rep", "east_manager"])
managers = st.sampled_from(["admin", "east_manager", "west_manager"])
# An index into the customers made so far (imports add some), taken modulo their number.
customer_index = st.integers(0, 40)
leavers = st.sampled_from(["other_rep", "west_rep"])


class OwnershipMachine(RuleBasedStateMachine):
    engine: Engine

    @initialize()
    def company(self) -> None:
        clock.set_now(START)
        reset_database(self.engine)
        self.org: Org = build_org(self.engine)
        for name, capacity in (("rep", 2), ("other_rep", 3)):
            self.org.run(_set_capacity, getattr(self.org, name).id, capacity)
        east, company = self.org.east_pool.id, self.org.company_pool.id
        self.rules = [
            self.org.run(
                add_rule, SYSTEM, east, RuleInput("no_followup", 10, ["C", "D"], remind_days_before=2)
            ).id,
            self.org.run(add_rule, SYSTEM, east, RuleInput("no_deal", 30)).id,
            self.org.run(add_rule, SYSTEM, company, RuleInput("no_followup", 5, only_not_won=True)).id,
            self.org.run(add_rule, SYSTEM, company, RuleInput("no_repurchase", 20)).id,
        ]
        self.ids = [
            self.org.run(
                create_customer,
                self.org.admin,
                CustomerInput(name=f"客户{i}", grade="ABCDE"[i % 5]),
                east if i % 2 else company,
                True,
            ).id
            for i in range(CUSTOMERS)
        ]

    def customer(self, i: int) -> int:
        return self.ids[i % len(self.ids)]

    def user(self, name: str) -> User:
        return getattr(self.org, name)  # type: ignore[no-any-return]

    def attempt(self, fn: object, *args: object) -> object:
        try:
            return self.org.run(fn, *args)  # type: ignore[arg-type]
        except errors.DomainError as refused:
            return refused

    @rule(who=people, i=customer_index)
    def claim(self, who: str, i: int) -> None:
        result = self.attempt(ownership.claim, self.user(who), self.customer(i))
        if isinstance(result, Customer):
            self._check_claim_was_not_protected(self.user(who).id, self.customer(i))

    @rule(who=people, i=customer_index, elsewhere=st.booleans())
    def release(self, who: str, i: int, elsewhere: bool) -> None:
        target = self.org.company_pool.id if elsewhere else None
        self.attempt(ownership.release, self.user(who), self.customer(i), "换人跟进", target)

    @rule(actor=managers, i=customer_index, to=people)
    def assign(self, actor: str, i: int, to: str) -> None:
        self.attempt(ownership.assign, self.user(actor), self.customer(i), self.user(to).id)

    @rule(actor=managers, i=customer_index, to=people)
    def transfer(self, actor: str, i: int, to: str) -> None:
        self.attempt(ownership.transfer, self.user(actor), self.customer(i), self.user(to).id)

    @rule(who=people, i=customer_index, lock=st.booleans())
    def lock_or_unlock(self, who: str, i: int, lock: bool) -> None:
        service = ownership.lock_customer if lock else ownership.unlock_customer
        self.attempt(service, self.user(who), self.customer(i))

    @rule(who=people, i=customer_index)
    def follow_up(self, who: str, i: int) -> None:
        self.attempt(log_followup, self.user(who), self.customer(i), "call", "跟进一下")

    @rule(who=people, i=customer_index)
    def deal(self, who: str, i: int) -> None:
        self.attempt(record_deal, self.user(who), self.customer(i), Decimal("999.00"))

    @rule(who=people, i=customer_index, grade=st.sampled_from("ABCDE"))
    def regrade(self, who: str, i: int, grade: str) -> None:
        self.attempt(update_customer, self.user(who), self.customer(i), {"grade": grade})

    @rule(who=leavers, to=st.one_of(st.none(), people))
    def deactivate(self, who: str, to: str | None) -> None:
        target = self.user(to).id if to is not None else None
        self.attempt(deactivate_user, self.org.admin, self.user(who).id, target)

    @rule(
        actor=managers,
        east=st.booleans(),
        to=st.lists(people, min_size=1, max_size=3, unique=True),
        count=st.integers(1, 4),
        strategy=st.sampled_from(Strategy),
    )
    def distribute(self, actor: str, east: bool, to: list[str], count: int, strategy: Strategy) -> None:
        pool = self.org.east_pool if east else self.org.company_pool
        users = [self.user(name).id for name in to]
        self.attempt(distribute, self.user(actor), pool.id, users, count, strategy)

    @rule(rows=st.integers(1, 3), east=st.booleans())
    def import_leads(self, rows: int, east: bool) -> None:
        pool = self.org.east_pool if east else self.org.company_pool
        body = "".join(f"线索{next(_lead_numbers)},,,,C,,,\n" for _ in range(rows))
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "leads.csv"
            path.write_text("姓名,手机,公司,邮箱,等级,地区,行业,来源\n" + body, encoding="utf-8")
            result = self.attempt(import_file, self.org.admin, pool.id, path)
        with self.org.session() as s:
            self.ids = list(s.scalars(select(Customer.id).order_by(Customer.id)))
        assert not isinstance(result, errors.DomainError), result

    @rule(actor=st.sampled_from(["admin", "rep", "other_rep"]), i=customer_index, j=customer_index)
    def merge(self, actor: str, i: int, j: int) -> None:
        result = self.attempt(merge_customers, self.user(actor), self.customer(i), self.customer(j))
        if isinstance(result, Customer):
            with self.org.session() as s:
                merged = s.get(Customer, self.customer(j))
                assert merged is not None and merged.deleted_at is not None
                assert (merged.merged_into_id, merged.owner_id) == (result.id, None)

    @rule(hours=st.integers(1, 24 * 15))
    def time_passes(self, hours: int) -> None:
        clock.advance(timedelta(hours=hours))

    @rule(which=st.integers(0, 1), days=st.integers(1, 40))
    def edit_rule(self, which: int, days: int) -> None:
        kind = "no_followup" if which == 0 else "no_deal"
        self.org.run(
            update_rule, SYSTEM, self.rules[which], RuleInput(kind, days, ["C", "D"] if which == 0 else None)
        )

    @rule()
    def run_sweep(self) -> None:
        with session_scope(self.engine) as s:
            sweep(s)
        with self.org.session() as s:
            overdue = s.scalars(
                select(Customer.id).where(
                    Customer.owner_id.is_not(None), Customer.due_at <= clock.now(), Customer.locked.is_(False)
                )
            ).all()
        assert overdue == [], "a sweep left due customers owned"

    @invariant()
    def invariants_hold(self) -> None:
        if hasattr(self, "org"):
            assert_invariants(self.engine)

    def _check_claim_was_not_protected(self, user_id: int, customer_id: int) -> None:
        with self.org.session() as s:
            events = s.scalars(
                select(OwnershipEvent)
                .where(OwnershipEvent.customer_id == customer_id)
                .order_by(OwnershipEvent.id)
            ).all()
            claim = events[-1]
            assert claim.kind is EventKind.CLAIM and claim.to_user_id == user_id
            lost = [
                e.at
                for e in events[:-1]
                if e.from_user_id == user_id and e.kind in (EventKind.RELEASE, EventKind.RECYCLE)
            ]
            protection = (
                self.org.east_pool.reclaim_protection_days if claim.pool_id == self.org.east_pool.id else 0
            )
            if lost:
                ends = protection_ends(max(lost), protection)
                assert ends is None or claim.at >= ends, (
                    "a previous owner reclaimed inside the protection window"
                )


_lead_numbers = itertools.count()


def _set_capacity(session: object, user_id: int, capacity: int) -> None:
    user = session.get(User, user_id)  # type: ignore[attr-defined]
    user.capacity = capacity


def test_random_ownership_traffic_keeps_every_invariant(engine: Engine) -> None:
    OwnershipMachine.engine = engine
    run_state_machine_as_test(
        OwnershipMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
