"""Creating and editing customers: duplicates, validation, follow-ups, deals, delete and restore."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from highseas import clock, errors
from highseas.auth.models import AuditEvent
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer, Deal, Stage
from highseas.customers.service import (
    CustomerInput,
    create_customer,
    log_followup,
    record_deal,
    restore,
    soft_delete,
    update_customer,
)
from highseas.org.models import User
from highseas.ownership import service as ownership
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.pools.service import PoolInput, create_pool
from tests.conftest import Org


def test_created_customer_is_owned_by_its_creator_in_the_default_pool(org: Org) -> None:
    customer = org.run(create_customer, org.rep, CustomerInput(name="杭州云帆科技有限公司", grade="b"))
    assert (customer.owner_id, customer.pool_id, customer.grade, customer.stage) == (
        org.rep.id,
        org.company_pool.id,
        "B",
        Stage.LEAD,
    )
    with org.session() as s:
        event = s.scalars(select(OwnershipEvent).where(OwnershipEvent.customer_id == customer.id)).one()
    assert (event.kind, event.to_user_id, event.pool_id) == (
        EventKind.CREATE,
        org.rep.id,
        org.company_pool.id,
    )


def test_creating_an_owned_customer_respects_capacity(org: Org) -> None:
    def cap(session):  # type: ignore[no-untyped-def]
        session.get(User, org.rep.id).capacity = 1

    org.run(cap)
    org.run(create_customer, org.rep, CustomerInput(name="甲"))
    with pytest.raises(errors.CapacityFull):
        org.run(create_customer, org.rep, CustomerInput(name="乙"))
    assert org.run(create_customer, org.rep, CustomerInput(name="乙"), in_pool=True).owner_id is None


@pytest.mark.parametrize("typed", ["+86 13800138000", "0086-138-0013-8000", "13800138000"])
def test_same_phone_in_another_spelling_is_a_duplicate_naming_the_pool(org: Org, typed: str) -> None:
    first = org.run(
        create_customer, org.admin, CustomerInput(name="甲", phone="138 0013 8000"), org.east_pool.id, True
    )
    with pytest.raises(errors.DuplicateCustomer) as refused:
        org.run(create_customer, org.rep, CustomerInput(name="甲公司", phone=typed))
    assert refused.value.details["existing"] == {"visible": True, "id": first.id, "where": "East Leads"}
    assert "138" not in refused.value.message


def test_duplicate_of_a_colleagues_customer_does_not_point_at_it_for_a_rep(org: Org) -> None:
    org.run(create_customer, org.other_rep, CustomerInput(name="甲", email="Boss@Example.com"))
    with pytest.raises(errors.DuplicateCustomer) as refused:
        org.run(create_customer, org.rep, CustomerInput(name="甲", email="boss@example.com"))
    assert refused.value.details["existing"] == {"visible": False}
    with pytest.raises(errors.DuplicateCustomer) as to_manager:
        org.run(create_customer, org.east_manager, CustomerInput(name="甲", email="BOSS@example.com"))
    assert to_manager.value.details["existing"]["where"] == "owned by 李娜"


def test_same_credit_code_is_a_duplicate(org: Org) -> None:
    org.run(create_customer, org.rep, CustomerInput(name="甲", credit_code="91310000MA1FL0B119"))
    with pytest.raises(errors.DuplicateCustomer):
        org.run(create_customer, org.rep, CustomerInput(name="甲二", credit_code="91310000ma1fl0b119"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "x", "grade": "F"}, "grade"),
        ({"name": "x", "phone": "not a phone"}, "phone"),
        ({"name": "x", "email": "nobody"}, "email"),
        ({"name": "x", "stage": "won"}, "stage"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(org: Org, fields: dict[str, str], field: str) -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        org.run(create_customer, org.rep, CustomerInput(**fields))  # type: ignore[arg-type]
    assert refused.value.field == field
    with org.session() as s:
        assert s.scalars(select(Customer)).all() == []


def test_ownership_fields_cannot_be_edited(org: Org) -> None:
    customer = org.run(create_customer, org.rep, CustomerInput(name="甲"))
    for field in ("owner_id", "pool_id", "won", "due_at", "claimed_at"):
        with pytest.raises(errors.InvalidInput) as refused:
            org.run(update_customer, org.rep, customer.id, {field: None})
        assert refused.value.field == field


def test_another_reps_customer_is_not_found(org: Org) -> None:
    customer = org.run(create_customer, org.rep, CustomerInput(name="甲"))
    for outsider in (org.other_rep, org.west_rep, org.west_manager, org.outsider):
        with pytest.raises(errors.NotFound):
            org.run(ownership.get_customer, outsider, customer.id)
        with pytest.raises(errors.NotFound):
            org.run(update_customer, outsider, customer.id, {"name": "改名"})
    assert org.run(ownership.get_customer, org.east_manager, customer.id).id == customer.id


def test_followups_in_the_future_are_refused(org: Org) -> None:
    customer = org.run(create_customer, org.rep, CustomerInput(name="甲"))
    with pytest.raises(errors.InvalidInput) as refused:
        org.run(log_followup, org.rep, customer.id, "call", "x", clock.now() + timedelta(minutes=1))
    assert refused.value.field == "at"
    with pytest.raises(errors.InvalidInput):
        org.run(log_followup, org.rep, customer.id, "fax", "x")


def test_only_the_owner_logs_followups(org: Org) -> None:
    customer = org.run(create_customer, org.rep, CustomerInput(name="甲"))
    with pytest.raises(errors.NotOwner):
        org.run(log_followup, org.east_manager, customer.id, "call", "x")


def test_first_deal_wins_the_customer_and_later_ones_are_repurchases(org: Org) -> None:
    customer = org.run(create_customer, org.rep, CustomerInput(name="甲"))
    with pytest.raises(errors.InvalidInput):
        org.run(record_deal, org.rep, customer.id, Decimal("0"))
    org.run(record_deal, org.rep, customer.id, Decimal("8000"))
    org.run(record_deal, org.rep, customer.id, Decimal("1200.50"))
    with org.session() as s:
        deals = s.scalars(select(Deal).where(Deal.customer_id == customer.id).order_by(Deal.id)).all()
        row = s.get(Customer, customer.id)
    assert [(d.amount, d.repurchase) for d in deals] == [
        (Decimal("8000.00"), False),
        (Decimal("1200.50"), True),
    ]
    assert row is not None and row.won and row.stage is Stage.CUSTOMER


def test_soft_delete_is_admin_only_and_restore_brings_it_back(org: Org) -> None:
    customer = org.run(create_customer, org.rep, CustomerInput(name="甲", phone="13900001111"))
    with pytest.raises(errors.Forbidden):
        org.run(soft_delete, org.rep, customer.id)
    org.run(soft_delete, org.admin, customer.id)
    with pytest.raises(errors.NotFound):
        org.run(ownership.get_customer, org.rep, customer.id)
    again = org.run(create_customer, org.rep, CustomerInput(name="甲", phone="13900001111"))
    assert again.id != customer.id
    # Restoring the first record now would make two of one real customer.
    with pytest.raises(errors.DuplicateCustomer) as refused:
        org.run(restore, org.admin, customer.id)
    assert refused.value.details["existing"]["id"] == again.id
    org.run(soft_delete, org.admin, again.id)
    assert org.run(restore, org.admin, customer.id).deleted_at is None


def test_the_first_pool_is_the_default_and_pools_need_a_unique_name(org: Org) -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        org.run(create_pool, SYSTEM, PoolInput("Company", [], [], []))
    assert refused.value.field == "name"
    with pytest.raises(errors.InvalidInput) as unknown:
        org.run(create_pool, SYSTEM, PoolInput("Ghost", [999], [], []))
    assert unknown.value.field == "member_user_ids"


def test_claimed_customer_is_visible_to_its_owner_manager_chain_only(org: Org) -> None:
    customer = org.run(create_customer, org.admin, CustomerInput(name="甲"), org.east_pool.id, True)
    with pytest.raises(errors.NotFound):
        org.run(ownership.get_customer, org.west_rep, customer.id)
    org.run(ownership.claim, org.rep, customer.id)
    assert org.run(ownership.get_customer, org.east_manager, customer.id).owner_id == org.rep.id
    with pytest.raises(errors.NotFound):
        org.run(ownership.get_customer, org.other_rep, customer.id)


def test_same_company_in_another_legal_form_is_a_duplicate(org: Org) -> None:
    pingan = CustomerInput(name="王总", company="中国平安（集团）股份有限公司")
    first = org.run(create_customer, org.rep, pingan)
    with pytest.raises(errors.DuplicateCustomer) as refused:
        org.run(create_customer, org.other_rep, CustomerInput(name="李总", company="中国平安集团有限公司"))
    assert refused.value.details["customer_id"] == first.id
    assert refused.value.details["key"] == "company"


def test_an_edit_a_deletion_and_a_restore_are_audited_with_who_and_what_changed(org: Org) -> None:
    customer = org.run(create_customer, org.rep, CustomerInput(name="甲公司", grade="C", tags=["展会"]))
    org.run(update_customer, org.rep, customer.id, {"grade": "B", "name": "甲公司"})
    org.run(soft_delete, org.admin, customer.id)
    org.run(restore, org.admin, customer.id)
    with org.session() as s:
        rows = s.execute(
            select(AuditEvent.kind, AuditEvent.actor_id, AuditEvent.detail)
            .where(AuditEvent.kind.startswith("customer_"))
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("customer_updated", org.rep.id, {"customer_id": customer.id, "changes": {"grade": ["C", "B"]}}),
        ("customer_deleted", org.admin.id, {"customer_id": customer.id}),
        ("customer_restored", org.admin.id, {"customer_id": customer.id}),
    ]
