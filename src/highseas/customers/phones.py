"""A customer's phones after the first (:class:`~highseas.customers.models.CustomerPhone`): read
like the first, kept once each, in the order given."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from highseas.customers.contacts import Phone, read_phone
from highseas.customers.models import CustomerPhone


def more_phones(typed: Iterable[str], primary: str | None) -> list[Phone]:
    """A customer's numbers after the first, each read like the first and kept once."""
    phones: dict[str, Phone] = {}
    for number in typed:
        if number and number.strip():
            phone = read_phone(number)
            if phone.e164 != primary:
                phones.setdefault(phone.e164, phone)
    return list(phones.values())


def phones_of(session: Session, customer_id: int) -> list[str]:
    """A customer's numbers after the first, as typed, in order."""
    return [phone.text for phone in stored_phones(session, customer_id)]


def stored_phones(session: Session, customer_id: int) -> list[Phone]:
    """A customer's numbers after the first, as stored, in order."""
    query = select(CustomerPhone.phone, CustomerPhone.phone_e164).where(
        CustomerPhone.customer_id == customer_id
    )
    return [Phone(text, e164) for text, e164 in session.execute(query.order_by(CustomerPhone.position))]


def store_phones(session: Session, customer_id: int, phones: list[Phone]) -> None:
    """Make ``phones`` the customer's numbers after the first, in this order."""
    session.execute(delete(CustomerPhone).where(CustomerPhone.customer_id == customer_id))
    session.add_all(
        CustomerPhone(customer_id=customer_id, phone=p.text, phone_e164=p.e164, position=n)
        for n, p in enumerate(phones, start=1)
    )


def phone_keys(session: Session, customer_id: int) -> list[str]:
    """The dedup keys (E.164) of a customer's numbers after the first."""
    query = select(CustomerPhone.phone_e164).where(CustomerPhone.customer_id == customer_id)
    return list(session.scalars(query))
