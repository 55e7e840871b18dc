"""Recycle rules and the sweep: the seed scenario, idempotence, dry runs, rule edits, reminders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from highseas import clock, errors
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer, FollowUp
from highseas.customers.service import (
    CustomerInput,
    create_customer,
    log_followup,
    record_deal,
    update_customer,
)
from highseas.db import session_scope
from highseas.ownership import service as ownership
from highseas.ownership import writer
from highseas.ownership.models import EventKind, OwnershipEvent, Reminder
from highseas.ownership.sweep import SweepReport, sweep
from highseas.pools.models import RecycleRule
from highseas.pools.service import RuleInput, add_rule, delete_rule, update_rule
from tests.conftest import Org
from tests.invariants import assert_invariants

DAY = timedelta(days=1)


def seed_rules(org: Org) -> dict[str, RecycleRule]:
    """The seed article's rules on the East pool (7 days of reclaim protection)."""
    pool = org.east_pool.id
    return {
        "B": org.run(
            add_rule,
            SYSTEM,
            pool,
            RuleInput("no_followup", 25, ["B"], only_not_won=True, remind_days_before=3),
        ),
        "CD": org.run(add_rule, SYSTEM, pool, RuleInput("no_followup", 10, ["C", "D"], only_not_won=True)),
        "E": org.run(add_rule, SYSTEM, pool, RuleInput("no_followup", 40, ["E"], only_not_won=True)),
    }


def owned_by_rep(org: Org, grade: str, name: str | None = None) -> Customer:
    customer = org.run(
        create_customer,
        org.admin,
        CustomerInput(name=name or f"{grade}级客户", grade=grade),
        org.east_pool.id,
        True,
    )
    return org.run(ownership.claim, org.rep, customer.id)


def run_sweep(org: Org, dry_run: bool = False) -> SweepReport:
    with session_scope(org.engine) as s:
        report = sweep(s, dry_run=dry_run)
        if dry_run:
            s.rollback()
    return report


def owner_of(org: Org, customer_id: int) -> int | None:
    with org.session() as s:
        return s.scalar(select(Customer.owner_id).where(Customer.id == customer_id))


@pytest.mark.parametrize(("grade", "days"), [("B", 25), ("C", 10), ("D", 10), ("E", 40)])
def test_each_grade_drops_after_its_days_without_a_followup(org: Org, grade: str, days: int) -> None:
    rules = seed_rules(org)
    customer = owned_by_rep(org, grade)
    clock.advance(days * DAY - timedelta(seconds=1))
    assert run_sweep(org).recycled == 0
    clock.advance(timedelta(seconds=1))
    report = run_sweep(org)
    assert (report.recycled, report.by_owner) == (1, {org.rep.id: 1})
    assert owner_of(org, customer.id) is None
    rule = rules["CD" if grade in "CD" else grade]
    assert report.by_rule == {rule.id: 1}
    with org.session() as s:
        last = s.scalars(
            select(OwnershipEvent)
            .where(OwnershipEvent.customer_id == customer.id)
            .order_by(OwnershipEvent.id.desc())
        ).first()
    assert last is not None
    assert (last.kind, last.rule_id, last.from_user_id, last.to_user_id) == (
        EventKind.RECYCLE,
        rule.id,
        org.rep.id,
        None,
    )
    assert_invariants(org.engine)


def test_grade_a_and_won_customers_never_drop_under_only_not_won_rules(org: Org) -> None:
    seed_rules(org)
    grade_a = owned_by_rep(org, "A")
    won = owned_by_rep(org, "C", "已成交客户")
    org.run(record_deal, org.rep, won.id, Decimal("5000"))
    clock.advance(365 * DAY)
    assert run_sweep(org).recycled == 0
    assert owner_of(org, grade_a.id) == owner_of(org, won.id) == org.rep.id


def test_a_followup_resets_the_clock(org: Org) -> None:
    seed_rules(org)
    customer = owned_by_rep(org, "C")
    clock.advance(9 * DAY)
    org.run(log_followup, org.rep, customer.id, "call", "客户说下周再谈")
    clock.advance(9 * DAY)
    assert run_sweep(org).recycled == 0
    clock.advance(DAY)
    assert run_sweep(org).recycled == 1


def test_previous_owner_is_protected_out_and_the_next_owner_sees_the_history(org: Org) -> None:
    seed_rules(org)
    customer = owned_by_rep(org, "C")
    org.run(log_followup, org.rep, customer.id, "visit", "上门拜访，见了采购")
    clock.advance(10 * DAY)
    run_sweep(org)
    with pytest.raises(errors.ReclaimProtected):
        org.run(ownership.claim, org.rep, customer.id)
    org.run(ownership.claim, org.other_rep, customer.id)
    with org.session() as s:
        history = s.scalars(select(FollowUp.content).where(FollowUp.customer_id == customer.id)).all()
    assert history == ["上门拜访，见了采购"]
    clock.advance(7 * DAY)
    org.run(ownership.release, org.other_rep, customer.id, "交还公海")
    assert org.run(ownership.claim, org.rep, customer.id).owner_id == org.rep.id


def test_a_second_sweep_at_the_same_instant_changes_nothing(org: Org) -> None:
    seed_rules(org)
    for grade in "BCDE":
        owned_by_rep(org, grade)
    clock.advance(50 * DAY)
    assert run_sweep(org).recycled == 4
    with org.session() as s:
        events_before = s.scalar(select(func.count()).select_from(OwnershipEvent))
    assert run_sweep(org).recycled == 0
    with org.session() as s:
        assert s.scalar(select(func.count()).select_from(OwnershipEvent)) == events_before
    assert_invariants(org.engine)


def test_dry_run_reports_the_same_figures_and_changes_nothing(org: Org) -> None:
    seed_rules(org)
    ids = [owned_by_rep(org, grade).id for grade in "BCDE"]
    clock.advance(30 * DAY)
    preview = run_sweep(org, dry_run=True)
    assert [owner_of(org, i) for i in ids] == [org.rep.id] * 4
    real = run_sweep(org)
    assert (preview.recycled, preview.by_rule, preview.by_owner) == (
        real.recycled,
        real.by_rule,
        real.by_owner,
    )
    assert real.recycled == 3


def test_locked_customers_are_never_recycled(org: Org) -> None:
    seed_rules(org)
    customer = owned_by_rep(org, "C")
    org.run(ownership.lock_customer, org.rep, customer.id)
    clock.advance(100 * DAY)
    assert run_sweep(org).recycled == 0
    org.run(ownership.unlock_customer, org.rep, customer.id)
    assert run_sweep(org).recycled == 1  # unlocking restarts nothing: the rule's clock kept running


def test_a_new_rule_applies_at_once_to_customers_already_owned(org: Org) -> None:
    customer = owned_by_rep(org, "A")
    rule = org.run(add_rule, SYSTEM, org.east_pool.id, RuleInput("no_deal", 30, remind_days_before=5))
    with org.session() as s:
        row = s.get(Customer, customer.id)
        assert row is not None
        assert (row.due_at, row.due_rule_id, row.remind_at) == (
            row.claimed_at + 30 * DAY,
            rule.id,
            row.claimed_at + 25 * DAY,
        )  # type: ignore[operator]


def test_editing_or_deleting_a_rule_moves_every_due_date(org: Org) -> None:
    rules = seed_rules(org)
    customer = owned_by_rep(org, "C")
    clock.advance(12 * DAY)
    org.run(update_rule, SYSTEM, rules["CD"].id, RuleInput("no_followup", 20, ["C", "D"], only_not_won=True))
    assert run_sweep(org).recycled == 0
    org.run(update_rule, SYSTEM, rules["CD"].id, RuleInput("no_followup", 5, ["C"], only_not_won=True))
    org.run(delete_rule, SYSTEM, rules["CD"].id)
    assert run_sweep(org).recycled == 0
    with org.session() as s:
        row = s.get(Customer, customer.id)
        assert row is not None and (row.due_at, row.due_rule_id) == (None, None)


def test_a_grade_change_moves_the_due_date(org: Org) -> None:
    seed_rules(org)
    customer = owned_by_rep(org, "E")
    clock.advance(15 * DAY)
    assert run_sweep(org).recycled == 0
    org.run(update_customer, org.rep, customer.id, {"grade": "C"})
    assert run_sweep(org).recycled == 1


def test_a_move_that_read_the_customer_before_a_grade_edit_stores_the_edited_grades_deadline(
    org: Org,
) -> None:
    rules = seed_rules(org)
    customer = org.run(
        create_customer, org.admin, CustomerInput(name="E级客户", grade="E"), org.east_pool.id, True
    )
    with org.session() as s:
        as_read = s.get(Customer, customer.id)  # grade E: 40 days
        s.commit()
        org.run(update_customer, org.admin, customer.id, {"grade": "C"})  # meanwhile: 10 days
        assert as_read is not None and as_read.grade == "E"
        moved = writer.move_ownership(
            s,
            as_read,
            kind=EventKind.CLAIM,
            to_user_id=org.rep.id,
            actor_id=org.rep.id,
            conflict=errors.AlreadyOwned("taken"),
            at=clock.now(),
        )
        s.commit()
    assert (moved.grade, moved.due_rule_id) == ("C", rules["CD"].id)
    assert moved.due_at == clock.now() + 10 * DAY
    assert_invariants(org.engine)


def test_no_repurchase_drops_a_won_customer_without_a_new_deal(org: Org) -> None:
    org.run(add_rule, SYSTEM, org.east_pool.id, RuleInput("no_repurchase", 90))
    customer = owned_by_rep(org, "A")
    org.run(record_deal, org.rep, customer.id, Decimal("12000"))
    clock.advance(60 * DAY)
    org.run(record_deal, org.rep, customer.id, Decimal("3000"))
    clock.advance(89 * DAY)
    assert run_sweep(org).recycled == 0
    clock.advance(DAY)
    assert run_sweep(org).recycled == 1


def test_owners_are_reminded_once_before_the_drop(org: Org) -> None:
    seed_rules(org)
    customer = owned_by_rep(org, "B")  # drops after 25 days, reminded 3 days before
    clock.advance(21 * DAY)
    assert run_sweep(org).reminded == 0
    clock.advance(DAY)
    assert run_sweep(org).reminded == 1
    assert run_sweep(org).reminded == 0
    with org.session() as s:
        reminders = s.scalars(select(Reminder)).all()
    assert [(r.customer_id, r.user_id) for r in reminders] == [(customer.id, org.rep.id)]
    org.run(log_followup, org.rep, customer.id, "call", "续上了")
    clock.advance(22 * DAY)
    assert run_sweep(org).reminded == 1  # a new due date earns a new reminder


def test_a_deleted_customer_is_never_recycled_and_restores_with_its_owner(org: Org) -> None:
    from highseas.customers.service import restore, soft_delete

    seed_rules(org)
    customer = owned_by_rep(org, "C")
    org.run(soft_delete, org.admin, customer.id)
    clock.advance(30 * DAY)
    assert run_sweep(org).recycled == 0
    restored = org.run(restore, org.admin, customer.id)
    assert restored.owner_id == org.rep.id
    assert run_sweep(org).recycled == 1
