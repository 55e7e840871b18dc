"""The set-based due-date SQL and the pure policy function agree on every customer."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from highseas import clock
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.db import session_scope
from highseas.ownership.due import refresh_due_dates, rule_specs
from highseas.ownership.policy import CustomerClock, due_date
from highseas.pools.models import RecycleRule, RuleKind
from highseas.pools.service import PoolInput, create_pool
from tests.conftest import Org

T0 = datetime(2026, 1, 1, tzinfo=UTC)
_pool_names = itertools.count()

some_instant = st.integers(0, 200 * 24).map(lambda h: T0 + timedelta(hours=h))
instants = st.one_of(st.none(), some_instant)
rules = st.lists(
    st.builds(
        dict,
        kind=st.sampled_from([k.value for k in RuleKind]),
        days=st.integers(1, 60),
        grades=st.one_of(
            st.none(), st.sets(st.sampled_from("ABCDE"), min_size=1).map(lambda s: "".join(sorted(s)))
        ),
        only_not_won=st.booleans(),
        remind_days_before=st.one_of(st.none(), st.just(1)),
    ),
    max_size=4,
)
customers = st.lists(
    st.builds(
        dict,
        grade=st.one_of(st.none(), st.sampled_from("ABCDE")),
        won=st.booleans(),
        locked=st.booleans(),
        claimed_at=some_instant,
        last_followup_at=instants,
        last_deal_at=instants,
    ),
    min_size=1,
    max_size=8,
)


@pytest.mark.rows_without_events  # rows of every shape, not the history that would lead to them
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule_rows=rules, customer_rows=customers)
def test_bulk_sql_matches_the_policy_function(
    org: Org, rule_rows: list[dict], customer_rows: list[dict]
) -> None:  # type: ignore[type-arg]
    with session_scope(org.engine) as s:
        pool = create_pool(s, SYSTEM, PoolInput(f"prop-{next(_pool_names)}", [], [], []))
        s.add_all(RecycleRule(pool_id=pool.id, **row) for row in rule_rows)
        s.add_all(
            Customer(
                name="c",
                pool_id=pool.id,
                owner_id=org.rep.id,
                created_at=clock.now(),
                updated_at=clock.now(),
                **row,
            )
            for row in customer_rows
        )
        s.flush()
        refresh_due_dates(s, Customer.pool_id == pool.id)
        specs = rule_specs(s, pool.id)
        for customer in s.scalars(select(Customer).where(Customer.pool_id == pool.id)):
            expected = due_date(
                CustomerClock(
                    customer.grade,
                    customer.won,
                    customer.locked,
                    customer.claimed_at,
                    customer.last_followup_at,
                    customer.last_deal_at,
                ),
                specs,
            )
            got = (customer.due_at, customer.due_rule_id, customer.remind_at)
            assert got == (
                (expected.at, expected.rule_id, expected.remind_at) if expected else (None, None, None)
            )
