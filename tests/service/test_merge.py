"""Company dedup a Chinese sales-ops person agrees with, merging two records of one customer and
dismissing a possible duplicate (issue 13), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import literal, select

from highseas import clock, errors
from highseas.auth.models import AuditEvent
from highseas.auth.permissions import SYSTEM
from highseas.customers import history
from highseas.customers.dismissals import dismiss_possible_duplicate
from highseas.customers.merge import merge_customers
from highseas.customers.models import Customer, Deal, FollowUp
from highseas.customers.phones import phones_of
from highseas.customers.service import CustomerInput, create_customer, log_followup, record_deal, restore
from highseas.intake.importer import import_file
from highseas.intake.similar import (
    block_of,
    possible_duplicates_of,
    possible_duplicates_of_customer,
    python_block_of,
)
from highseas.org.models import User
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.pools.service import PoolInput, update_pool
from tests.conftest import Org


def _customer(org: Org, customer_id: int) -> Customer:
    with org.session() as s:
        customer = s.get(Customer, customer_id)
        assert customer is not None
        return customer


# Company dedup


def test_a_company_given_only_as_the_name_on_the_form_is_a_duplicate(org: Org) -> None:
    org.run(create_customer, org.rep, CustomerInput(name="王总", company="广州联创化工有限公司"))
    with pytest.raises(errors.DuplicateCustomer) as refused:
        org.run(create_customer, org.other_rep, CustomerInput(name="广州联创化工有限公司"))
    assert refused.value.details["key"] == "company"


def test_a_company_given_only_in_the_name_column_of_a_file_is_a_duplicate(org: Org, tmp_path: Path) -> None:
    org.run(create_customer, org.rep, CustomerInput(name="王总", company="广州联创化工有限公司"))
    path = tmp_path / "leads.csv"
    path.write_text("姓名,手机\n广州联创化工有限公司,13800138000\n李娜,13900139000\n", encoding="utf-8")
    batch = org.run(import_file, org.admin, org.company_pool.id, path).batch
    assert (batch.imported, batch.duplicates) == (1, 1)


def test_two_people_called_li_na_are_two_customers_when_created(org: Org) -> None:
    first = org.run(create_customer, org.rep, CustomerInput(name="李娜", company="李娜", phone="13800138000"))
    second = org.run(
        create_customer, org.rep, CustomerInput(name="李娜", company="李娜", phone="13900139000")
    )
    assert first.id != second.id and first.company_key is None


def test_two_people_called_li_na_are_two_customers_when_imported(org: Org, tmp_path: Path) -> None:
    # WukongCRM's and yudao's customer sheets name the customer in 客户名称, a person for a private buyer.
    path = tmp_path / "customers.csv"
    path.write_text("客户名称,手机\n李娜,13800138000\n李娜,13900139000\n", encoding="utf-8")
    batch = org.run(import_file, org.admin, org.company_pool.id, path).batch
    assert (batch.imported, batch.duplicates) == (2, 0)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("鴻海精密工業股份有限公司", "鸿海精密工业股份有限公司"),
        ("Acme Trading Co., Ltd.", "ACME TRADING COMPANY LIMITED"),
    ],
)
def test_one_company_spelled_another_way_is_a_duplicate(org: Org, first: str, second: str) -> None:
    org.run(create_customer, org.rep, CustomerInput(name="王总", company=first))
    with pytest.raises(errors.DuplicateCustomer):
        org.run(create_customer, org.rep, CustomerInput(name="李经理", company=second))


def test_one_brand_with_and_without_its_city_is_a_possible_duplicate(org: Org) -> None:
    known = org.run(create_customer, org.rep, CustomerInput(name="王总", company="北京小米科技有限责任公司"))
    other_city = org.run(create_customer, org.rep, CustomerInput(name="李总", company="上海小米科技有限公司"))
    found = org.run(possible_duplicates_of, org.rep, "小米科技有限责任公司")
    assert {m.customer_id for m in found} == {known.id, other_city.id}
    assert all(m.score == 100 for m in found)


def test_possible_duplicates_of_a_customer_include_records_filed_before_the_keys_folded(org: Org) -> None:
    mainland = org.run(
        create_customer, org.rep, CustomerInput(name="王总", company="北京小米科技有限责任公司")
    )
    bare = org.run(create_customer, org.rep, CustomerInput(name="李总", company="小米科技"))
    hidden = org.run(create_customer, org.west_rep, CustomerInput(name="赵总", company="深圳市小米科技"))
    found = org.run(possible_duplicates_of_customer, org.rep, mainland.id)
    assert [m.customer_id for m in found] == [bare.id]
    assert hidden.id not in {
        m.customer_id for m in org.run(possible_duplicates_of_customer, org.rep, bare.id)
    }


# Merge


def _two_records(org: Org) -> tuple[Customer, Customer]:
    survivor = org.run(
        create_customer,
        org.rep,
        CustomerInput(name="王总", company="北京小米科技有限责任公司", phone="13800138000", tags=["华北"]),
    )
    merged = org.run(
        create_customer,
        org.rep,
        CustomerInput(
            name="王建国",
            company="小米科技",
            phone="13900139000",
            email="wang@xiaomi.example",
            wechat="wangjg",
            tags=["重点"],
            custom_fields={"职位": "采购经理"},
        ),
    )
    return survivor, merged


def test_the_merged_records_number_still_finds_the_survivor(org: Org) -> None:
    survivor, merged = _two_records(org)
    org.run(merge_customers, org.rep, survivor.id, merged.id)
    with pytest.raises(errors.DuplicateCustomer) as refused:
        org.run(create_customer, org.rep, CustomerInput(name="新线索", phone="139 0013 9000"))
    assert refused.value.details["existing"]["id"] == survivor.id
    assert refused.value.details["key"] == "phone"


def test_a_merge_keeps_both_timelines_contacts_and_deals_under_the_survivor(org: Org) -> None:
    survivor, merged = _two_records(org)
    org.run(log_followup, org.rep, survivor.id, "call", "第一次电话")
    clock.advance(timedelta(hours=1))
    org.run(log_followup, org.rep, merged.id, "visit", "拜访采购部")
    org.run(record_deal, org.rep, merged.id, Decimal("5000"))
    clock.advance(timedelta(hours=1))
    org.run(log_followup, org.rep, merged.id, "call", "回访")

    kept = org.run(merge_customers, org.rep, survivor.id, merged.id)

    assert kept.id == survivor.id
    assert (kept.phone, kept.email, kept.wechat) == ("13800138000", "wang@xiaomi.example", "wangjg")
    assert kept.custom_fields == {"职位": "采购经理"}
    assert kept.tags == ["华北", "重点"] and kept.won and kept.owner_id == org.rep.id
    with org.session() as s:
        followups = list(s.scalars(select(FollowUp).where(FollowUp.customer_id == survivor.id)))
        deals = list(s.scalars(select(Deal).where(Deal.customer_id == survivor.id)))
        gone = s.get(Customer, merged.id)
        assert gone is not None
        assert phones_of(s, survivor.id) == ["13900139000"] and phones_of(s, merged.id) == []
        assert (gone.deleted_at is not None, gone.merged_into_id, gone.owner_id) == (True, survivor.id, None)
        kinds = [
            (e.customer_id, e.kind)
            for e in s.scalars(select(OwnershipEvent).where(OwnershipEvent.kind == EventKind.MERGE))
        ]
        merge_audit = s.scalars(select(AuditEvent).where(AuditEvent.kind == "customers_merged")).one()
    assert sorted(f.content for f in followups) == ["回访", "拜访采购部", "第一次电话"]
    assert [d.amount for d in deals] == [Decimal("5000.00")]
    assert sorted(kinds) == sorted([(merged.id, EventKind.MERGE), (survivor.id, EventKind.MERGE)])
    assert merge_audit.detail["merged_id"] == merged.id and merge_audit.actor_id == org.rep.id
    timeline = org.run(history.timeline, org.rep, survivor.id)
    contents = [item.followup.content for item in timeline if item.followup is not None]
    assert contents == ["第一次电话", "拜访采购部", "回访"]
    assert sum(1 for item in timeline if item.event is not None and item.event.kind == "create") == 2


def test_a_merged_record_is_gone_for_everyone_and_cannot_be_restored(org: Org) -> None:
    survivor, merged = _two_records(org)
    org.run(merge_customers, org.rep, survivor.id, merged.id)
    with pytest.raises(errors.NotFound):
        org.run(merge_customers, org.rep, survivor.id, merged.id)
    with pytest.raises(errors.InvalidInput, match="merged into"):
        org.run(restore, org.admin, merged.id)


def test_an_unowned_survivor_takes_the_merged_records_owner(org: Org) -> None:
    in_pool = org.run(
        create_customer, org.admin, CustomerInput(name="王总", company="小米科技"), in_pool=True
    )
    owned = org.run(create_customer, org.rep, CustomerInput(name="李总", company="北京小米科技"))
    got_it = clock.now()
    clock.advance(timedelta(days=3))
    kept = org.run(merge_customers, org.admin, in_pool.id, owned.id)
    # The rep's clock goes on from when they got the customer: a merge restarts no deadline.
    assert (kept.owner_id, kept.claimed_at) == (org.rep.id, got_it)


def test_the_surviving_owner_over_capacity_refuses_the_merge_and_nothing_moves(org: Org) -> None:
    in_pool = org.run(
        create_customer, org.admin, CustomerInput(name="王总", company="小米科技"), in_pool=True
    )
    owned = org.run(create_customer, org.rep, CustomerInput(name="李总", company="北京小米科技"))
    org.run(create_customer, org.rep, CustomerInput(name="赵总", company="华为技术"))

    def set_capacity(session, capacity):  # type: ignore[no-untyped-def]
        session.get(User, org.rep.id).capacity = capacity

    org.run(set_capacity, 1)  # an admin lowered it after the rep took two
    with pytest.raises(errors.CapacityFull):
        org.run(merge_customers, org.admin, in_pool.id, owned.id)
    assert _customer(org, in_pool.id).owner_id is None
    assert _customer(org, owned.id).deleted_at is None
    org.run(set_capacity, 2)
    assert org.run(merge_customers, org.admin, in_pool.id, owned.id).owner_id == org.rep.id


def test_only_an_admin_the_owner_of_both_or_the_pool_admin_of_both_may_merge(org: Org) -> None:
    mine = org.run(create_customer, org.rep, CustomerInput(name="王总", company="小米科技"))
    theirs = org.run(create_customer, org.other_rep, CustomerInput(name="李总", company="北京小米科技"))
    # The rep sees the colleague's customer nowhere: it is not there for them.
    with pytest.raises(errors.NotFound):
        org.run(merge_customers, org.rep, mine.id, theirs.id)
    # Their manager sees both, but merging is for the owner, not for whoever manages them.
    with pytest.raises(errors.Forbidden):
        org.run(merge_customers, org.east_manager, mine.id, theirs.id)
    pooled = [
        org.run(
            create_customer,
            org.admin,
            CustomerInput(name=n, company=c),
            pool_id=org.east_pool.id,
            in_pool=True,
        )
        for n, c in (("甲", "云帆科技"), ("乙", "杭州云帆科技"))
    ]
    with pytest.raises(errors.Forbidden):
        org.run(merge_customers, org.rep, pooled[0].id, pooled[1].id)
    east = PoolInput(
        "East Leads", [], [org.east_manager.department_id or 0], [org.rep.id], reclaim_protection_days=7
    )
    org.run(update_pool, SYSTEM, org.east_pool.id, east)
    assert org.run(merge_customers, org.rep, pooled[0].id, pooled[1].id).id == pooled[0].id
    assert org.run(merge_customers, org.admin, mine.id, theirs.id).owner_id == org.rep.id


def test_a_customer_cannot_be_merged_into_itself(org: Org) -> None:
    mine = org.run(create_customer, org.rep, CustomerInput(name="王总", company="小米科技"))
    with pytest.raises(errors.InvalidInput) as refused:
        org.run(merge_customers, org.rep, mine.id, mine.id)
    assert refused.value.field == "merged_id"


# Dismiss


def test_a_dismissed_pair_is_no_longer_offered_and_the_dismissal_is_audited(org: Org) -> None:
    first = org.run(create_customer, org.rep, CustomerInput(name="王总", company="北京小米科技"))
    second = org.run(create_customer, org.rep, CustomerInput(name="李总", company="上海小米科技"))
    assert [m.customer_id for m in org.run(possible_duplicates_of_customer, org.rep, first.id)] == [second.id]
    org.run(dismiss_possible_duplicate, org.rep, second.id, first.id)
    org.run(dismiss_possible_duplicate, org.rep, first.id, second.id)
    assert org.run(possible_duplicates_of_customer, org.rep, first.id) == []
    assert org.run(possible_duplicates_of_customer, org.rep, second.id) == []
    with org.session() as s:
        audited = list(s.scalars(select(AuditEvent).where(AuditEvent.kind == "possible_duplicate_dismissed")))
    assert [a.detail["customer_ids"] for a in audited] == [[first.id, second.id]]


def test_only_who_may_merge_may_dismiss_and_invisible_customers_are_not_found(org: Org) -> None:
    mine = org.run(create_customer, org.rep, CustomerInput(name="王总", company="北京小米科技"))
    theirs = org.run(create_customer, org.other_rep, CustomerInput(name="李总", company="上海小米科技"))
    with pytest.raises(errors.NotFound):
        org.run(dismiss_possible_duplicate, org.rep, mine.id, theirs.id)
    with pytest.raises(errors.Forbidden):
        org.run(dismiss_possible_duplicate, org.east_manager, mine.id, theirs.id)
    with pytest.raises(errors.InvalidInput):
        org.run(dismiss_possible_duplicate, org.rep, mine.id, mine.id)


# The same in an import


def _import(org: Org, tmp_path: Path, body: str) -> tuple[int, int, int]:
    path = tmp_path / "leads.csv"
    path.write_text("联系人,手机,公司名称\n" + body, encoding="utf-8")
    batch = org.run(import_file, org.admin, org.company_pool.id, path).batch
    return batch.imported, batch.duplicates, batch.possible_duplicates


def test_an_import_reports_one_brand_with_and_without_its_city_as_a_possible_duplicate(
    org: Org, tmp_path: Path
) -> None:
    org.run(create_customer, org.rep, CustomerInput(name="王总", company="北京小米科技有限责任公司"))
    counts = _import(
        org, tmp_path, "李总,13900139000,小米科技有限公司\n赵总,13700137000,深圳市腾讯计算机系统\n"
    )
    assert counts == (2, 0, 1)


def test_an_import_takes_traditional_characters_and_english_legal_forms_for_the_same_company(
    org: Org, tmp_path: Path
) -> None:
    org.run(create_customer, org.rep, CustomerInput(name="王总", company="鸿海精密工业股份有限公司"))
    org.run(create_customer, org.rep, CustomerInput(name="Mr. Lee", company="Acme Trading Co., Ltd."))
    body = "李总,13900139000,鴻海精密工業股份有限公司\nMs. Chan,13700137000,ACME TRADING COMPANY LIMITED\n"
    assert _import(org, tmp_path, body) == (0, 2, 0)


def test_the_brand_blocks_computed_in_sql_agree_with_python(org: Org) -> None:
    names = [
        "北京小米科技",
        "小米科技",
        "广东省深圳市腾讯",
        "内蒙古伊利实业",
        "北京",
        "延边长白山",
        "acmetrading",
    ]
    with org.session() as s:
        for name in names:
            sql = s.scalar(select(block_of(literal(name))))
            assert sql == python_block_of(name), name
