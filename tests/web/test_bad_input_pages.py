"""Bad input on the web pages is refused by name (a 422 page, or the form again with the error and
what was typed), never a server error: NUL characters, day counts, cursors and deal amounts."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from highseas.customers.models import Customer, Deal
from highseas.customers.service import CustomerInput, create_customer
from tests.web.conftest import Site, csrf_of, flashes


def test_a_nul_character_in_the_login_form_is_refused_by_name(site: Site) -> None:
    visitor = site.visitor()
    refused = visitor.submit("/login", "/login", {"username": "rep\x00", "password": "x"})
    assert refused.status_code == 422
    assert "username" in refused.text and "NUL" in refused.text


@pytest.mark.parametrize(
    "query",
    [
        {"q": "张\x00"},
        {"days": "100000000"},
        {"days": "99999999999999999999"},
        {"cursor": base64.urlsafe_b64encode(b"id:99999999999999999999").decode()},
    ],
)
def test_the_pool_page_refuses_out_of_range_filters_by_name(site: Site, query: dict[str, str]) -> None:
    page = site.as_("rep").get("/pool", params=query)
    assert page.status_code == 422, page.text
    assert next(iter(query)) in page.text or "min_days_in_pool" in page.text


def test_my_list_refuses_a_cursor_with_a_huge_date(site: Site) -> None:
    cursor = base64.urlsafe_b64encode(f"due:{10**30}:1".encode()).decode()
    page = site.as_("rep").get("/mine", params={"cursor": cursor})
    assert page.status_code == 422 and "cursor" in page.text


@pytest.mark.parametrize("amount", ["0.005", "1e20", "NaN", "-5", "abc", "1000000000.01"])
def test_the_deal_form_checks_amounts_as_the_api_does_and_keeps_what_was_typed(
    site: Site, amount: str
) -> None:
    with site.org.session() as session, session.begin():
        customer_id = create_customer(session, site.org.rep, CustomerInput(name="钱多多")).id
    rep = site.as_("rep")
    refused = rep.submit(f"/customers/{customer_id}", f"/customers/{customer_id}/deals", {"amount": amount})
    assert refused.status_code == 200
    assert [kind for kind, _ in flashes(refused.text)] == ["error"], refused.text
    assert "amount" in flashes(refused.text)[0][1]
    assert f'name="amount" inputmode="decimal" required maxlength="20" value="{amount}"' in refused.text
    with site.org.session() as session:
        assert session.scalar(select(func.count()).select_from(Deal)) == 0
        assert session.get(Customer, customer_id).won is False  # type: ignore[union-attr]
    done = rep.client.post(
        f"/customers/{customer_id}/deals", data={"csrf_token": csrf_of(refused.text), "amount": "12,800.50"}
    )
    assert ("success", "Deal recorded.") in flashes(done.text)
    assert 'value=""' in done.text
