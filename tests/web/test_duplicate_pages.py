"""Possible duplicates on the customer page: compare, merge (after confirming) or dismiss, in
Chinese and English."""

from __future__ import annotations

import re

from sqlalchemy import select

from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer
from tests.conftest import Org
from tests.web.conftest import Site, flashes

_LATIN_WORD = re.compile(r">[^<]*\b[A-Za-z]{3,}\b[^<]*<")


def _pair(org: Org) -> tuple[Customer, Customer]:
    keep = org.run(create_customer, org.rep, CustomerInput(name="王总", company="北京小米科技有限责任公司"))
    other = org.run(
        create_customer, org.rep, CustomerInput(name="王建国", company="小米科技", phone="13900139000")
    )
    return keep, other


def test_the_customer_page_offers_its_possible_duplicates_in_chinese(site: Site) -> None:
    keep, other = _pair(site.org)
    page = site.as_("rep", "zh").get(f"/customers/{keep.id}")
    assert page.status_code == 200
    assert "疑似重复" in page.text and "王建国" in page.text and "100%" in page.text
    assert f"/customers/{keep.id}/merge?with={other.id}" in page.text and "不是同一家公司" in page.text
    section = page.text.split('id="duplicates-h"')[1].split("</section>")[0]
    assert not _LATIN_WORD.search(section), section


def test_a_colleague_who_may_not_merge_sees_no_duplicates_section(site: Site) -> None:
    keep, _ = _pair(site.org)
    page = site.as_("east_manager").get(f"/customers/{keep.id}")
    assert page.status_code == 200 and "Possible duplicates" not in page.text


def test_merging_needs_the_confirmation_then_keeps_one_customer(site: Site) -> None:
    keep, other = _pair(site.org)
    rep = site.as_("rep")
    form = f"/customers/{keep.id}/merge?with={other.id}"
    compare = rep.get(form)
    assert compare.status_code == 200 and "王建国" in compare.text and "13900139000" in compare.text
    unconfirmed = rep.submit(form, f"/customers/{keep.id}/merge", {"merged_id": str(other.id)})
    assert ("error", "Tick the confirmation box to go ahead.") in flashes(unconfirmed.text)
    done = rep.submit(form, f"/customers/{keep.id}/merge", {"merged_id": str(other.id), "confirm": "yes"})
    assert ("success", "Merged: both histories are now on this customer.") in flashes(done.text)
    with site.org.session() as s:
        gone = s.get(Customer, other.id)
        assert gone is not None and gone.merged_into_id == keep.id
        assert s.scalars(select(Customer.phone).where(Customer.id == keep.id)).one() == "13900139000"
    assert rep.get(f"/customers/{other.id}").status_code == 404


def test_the_merge_page_of_a_customer_the_viewer_may_not_see_is_not_found(site: Site) -> None:
    keep, other = _pair(site.org)
    assert site.as_("west_rep").get(f"/customers/{keep.id}/merge?with={other.id}").status_code == 404


def test_dismissing_takes_the_pair_off_the_page(site: Site) -> None:
    keep, other = _pair(site.org)
    rep = site.as_("rep", "zh")
    page = f"/customers/{keep.id}"
    done = rep.submit(page, f"/customers/{keep.id}/possible-duplicates/dismiss", {"other_id": str(other.id)})
    assert ("success", "已忽略：这两个客户不再显示为疑似重复。") in flashes(done.text)
    assert "疑似重复" not in rep.get(page).text
