"""A customer's several phones (SQLite and PostgreSQL): every number is a dedup key when a customer
is created, edited or restored, whichever number it is on either side."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from highseas import errors
from highseas.customers.models import CustomerPhone
from highseas.customers.phones import phones_of
from highseas.customers.service import (
    CustomerInput,
    create_customer,
    restore,
    soft_delete,
    update_customer,
)
from tests.conftest import Org


def test_a_customer_keeps_its_further_numbers_as_typed_each_once(org: Org) -> None:
    customer = org.run(
        create_customer,
        org.rep,
        CustomerInput(
            name="王总",
            phone="13800138000",
            phones=["0731-88881234-8001", "0731 8888 1234", "+86 138 0013 8000"],
        ),
    )
    with org.session() as s:
        assert phones_of(s, customer.id) == ["0731-88881234-8001"]
        keys = s.scalars(select(CustomerPhone.phone_e164).where(CustomerPhone.customer_id == customer.id))
        assert list(keys) == ["+8673188881234"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # (the existing customer's numbers, the new one's)
        ({"phone": "13800138000", "phones": ["0731-88881234"]}, {"phone": "0731 8888 1234"}),
        ({"phone": "13800138000"}, {"phone": "13900139000", "phones": ["+86 138 0013 8000"]}),
        ({"phone": "13800138000", "phones": ["0731-88881234"]}, {"phones": ["0731-88881234转8001"]}),
    ],
)
def test_any_number_of_a_customer_against_any_number_of_another_is_a_duplicate(
    org: Org, first: dict[str, object], second: dict[str, object]
) -> None:
    known = org.run(create_customer, org.rep, CustomerInput(name="甲", **first))  # type: ignore[arg-type]
    with pytest.raises(errors.DuplicateCustomer) as refused:
        org.run(create_customer, org.rep, CustomerInput(name="乙", **second))  # type: ignore[arg-type]
    assert refused.value.details["existing"]["id"] == known.id


def test_an_edit_adding_a_number_of_another_customer_is_refused_and_its_own_numbers_are_not(org: Org) -> None:
    other = org.run(create_customer, org.rep, CustomerInput(name="甲", phone="13800138000"))
    mine = org.run(
        create_customer, org.rep, CustomerInput(name="乙", phone="13900139000", phones=["010-62345678"])
    )
    with pytest.raises(errors.DuplicateCustomer) as refused:
        org.run(update_customer, org.rep, mine.id, {"phones": ["010-62345678", "138 0013 8000"]})
    assert refused.value.details["existing"]["id"] == other.id
    org.run(update_customer, org.rep, mine.id, {"grade": "A"})  # its own further number is no duplicate
    org.run(update_customer, org.rep, mine.id, {"phones": ["021-62345678"]})
    with org.session() as s:
        assert phones_of(s, mine.id) == ["021-62345678"]
    with pytest.raises(errors.InvalidInput) as bad:
        org.run(update_customer, org.rep, mine.id, {"phones": ["62345678"]})
    assert (bad.value.field, bad.value.message) == ("phone", 'phone: "62345678" has no area code')


def test_restoring_a_customer_whose_further_number_was_filed_meanwhile_is_refused(org: Org) -> None:
    customer = org.run(
        create_customer, org.rep, CustomerInput(name="甲", phone="13800138000", phones=["010-62345678"])
    )
    org.run(soft_delete, org.admin, customer.id)
    again = org.run(create_customer, org.rep, CustomerInput(name="甲", phone="(010) 6234 5678"))
    with pytest.raises(errors.DuplicateCustomer) as refused:
        org.run(restore, org.admin, customer.id)
    assert refused.value.details["existing"]["id"] == again.id
