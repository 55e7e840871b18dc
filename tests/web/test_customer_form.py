"""Entering and correcting a customer on the web: the API's checks, with what was typed kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer
from highseas.org.service import update_user
from tests.conftest import an_import_checking_for_duplicates
from tests.web.conftest import Site, flashes


def _customer(site: Site, name: str) -> Customer:
    with site.org.session() as session:
        return session.scalars(select(Customer).where(Customer.name == name)).one()


def test_a_rep_enters_a_customer_who_becomes_theirs(site: Site) -> None:
    rep = site.as_("rep")
    data = {"name": "宁波海曙贸易", "company": "海曙贸易有限公司", "phone": "138 0013 8000", "grade": "B"}
    page = rep.submit("/customers/new", "/customers/new", data | {"keep": "mine"})
    assert page.status_code == 200 and ("success", "Customer saved.") in flashes(page.text)
    saved = _customer(site, "宁波海曙贸易")
    assert (saved.owner_id, saved.phone_e164, saved.grade) == (site.org.rep.id, "+8613800138000", "B")


def test_a_customer_put_in_a_pool_belongs_to_nobody(site: Site) -> None:
    rep = site.as_("rep")
    data = {"name": "温州瓯江电器", "keep": "pool", "pool_id": str(site.org.company_pool.id)}
    rep.submit("/customers/new", "/customers/new", data)
    saved = _customer(site, "温州瓯江电器")
    assert saved.owner_id is None and saved.pool_id == site.org.company_pool.id


def test_a_duplicate_is_refused_and_what_was_typed_stays_on_the_form(site: Site) -> None:
    org = site.org
    org.run(create_customer, org.admin, CustomerInput(name="原客户", phone="13900139000"), in_pool=True)
    rep = site.as_("rep")
    data = {"name": "重复录入", "phone": "+86 139-0013-9000", "region": "华东", "keep": "mine"}
    page = rep.submit("/customers/new", "/customers/new", data)
    assert page.status_code == 400
    assert "This customer already exists" in page.text
    assert 'value="重复录入"' in page.text and 'value="华东"' in page.text
    with org.session() as session:
        assert session.scalar(select(Customer.id).where(Customer.name == "重复录入")) is None


def test_a_rep_at_capacity_can_still_file_the_customer_into_the_pool(site: Site) -> None:
    org = site.org
    with org.session() as session, session.begin():
        update_user(session, SYSTEM, org.rep.id, {"capacity": 0})
    rep = site.as_("rep")
    refused = rep.submit("/customers/new", "/customers/new", {"name": "满额客户", "keep": "mine"})
    assert refused.status_code == 400 and "Capacity full" in refused.text
    filed = rep.submit("/customers/new", "/customers/new", {"name": "满额客户", "keep": "pool"})
    assert ("success", "Customer saved.") in flashes(filed.text)
    assert _customer(site, "满额客户").owner_id is None


def test_the_owner_corrects_a_customer_and_tags_survive(site: Site) -> None:
    org = site.org
    customer = org.run(create_customer, org.rep, CustomerInput(name="旧名字", grade="C", tags=["展会"]))
    rep = site.as_("rep")
    form = rep.get(f"/customers/{customer.id}/edit")
    assert form.status_code == 200 and 'value="旧名字"' in form.text
    data = {"name": "新名字", "grade": "B", "stage": "opportunity"}
    page = rep.submit(f"/customers/{customer.id}/edit", f"/customers/{customer.id}/edit", data)
    assert ("success", "Customer saved.") in flashes(page.text)
    saved = _customer(site, "新名字")
    assert (saved.grade, saved.stage.value, saved.tags) == ("B", "opportunity", ["展会"])


def test_another_reps_customer_cannot_be_opened_for_editing(site: Site) -> None:
    org = site.org
    customer = org.run(create_customer, org.other_rep, CustomerInput(name="别人的客户"))
    rep = site.as_("rep")
    assert rep.get(f"/customers/{customer.id}/edit").status_code == 404
    forged = rep.submit("/mine", f"/customers/{customer.id}/edit", {"name": "改掉"})
    assert forged.status_code == 404
    assert _customer(site, "别人的客户").name == "别人的客户"


def test_a_customer_entered_during_an_import_is_refused_as_busy_and_the_form_is_kept(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = site.as_("rep")
    data = {"name": "导入时录入", "phone": "139 0013 7000", "keep": "mine"}
    with an_import_checking_for_duplicates(site.org.engine, monkeypatch):
        page = rep.submit("/customers/new", "/customers/new", data)
    assert "A file is being imported and checked for duplicates. Nothing was saved" in page.text
    assert 'value="导入时录入"' in page.text
    saved = rep.submit("/customers/new", "/customers/new", data)
    assert ("success", "Customer saved.") in flashes(saved.text)


def test_a_customers_page_shows_every_phone_it_has(site: Site) -> None:
    customer = site.org.run(
        create_customer,
        site.org.rep,
        CustomerInput(name="两个号码", phone="13512345678", phones=["0731-88881234转8001"]),
    )
    page = site.as_("rep").get(f"/customers/{customer.id}")
    assert page.status_code == 200
    assert '<span class="phone">13512345678</span>' in page.text
    assert '<span class="phone">0731-88881234转8001</span>' in page.text
