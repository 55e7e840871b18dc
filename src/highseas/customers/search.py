"""Listing customers: views, filters, search and keyset pagination, all under the visibility filter."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, func, not_, or_, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.permissions import customer_contacts_hidden, visible_customers_clause
from highseas.customers.models import Customer
from highseas.db import from_micros, table_of, to_micros
from highseas.org.models import Role, User
from highseas.ownership.policy import DAY
from highseas.pools.queries import managed_users_query, viewer_parameters, visible_pools_query
from highseas.validation import MAX_DAYS, MAX_INT

MAX_PAGE = 200
_DIGITS = re.compile(r"\D")


class View(StrEnum):
    MINE = "mine"
    POOL = "pool"
    TEAM = "team"
    ALL = "all"


@dataclass
class CustomerQuery:
    view: View = View.MINE
    pool_id: int | None = None
    grade: str | None = None
    q: str | None = None
    due_within_days: int | None = None
    limit: int = 50
    cursor: str | None = None
    region: str | None = None
    industry: str | None = None
    source: str | None = None
    min_days_in_pool: int | None = None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def _in_range(number: int, least: int, most: int) -> int:
    if not least <= number <= most:
        raise ValueError(number)
    return number


_LAST_MICROS = to_micros(datetime.max.replace(tzinfo=UTC))


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != "id":
            raise ValueError(prefix)
        return _in_range(int(value), 0, MAX_INT)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.InvalidInput("cursor", "is not a cursor this API returned") from None


def _view_filter(view: View, role: Role) -> ColumnElement[bool]:
    if view is View.MINE:
        return Customer.owner_id == bindparam("user_id")
    if view is View.POOL:
        return and_(Customer.owner_id.is_(None), Customer.pool_id.in_(visible_pools_query(role)))
    if view is View.TEAM:
        if role is Role.SALES:
            raise errors.Forbidden("the team view is for managers and admins")
        return Customer.owner_id.in_(managed_users_query(role))
    if role is not Role.ADMIN:
        raise errors.Forbidden("the all view is for admins")
    return Customer.id.is_not(None)


def _search_filter(phone_digits: bool, contacts_hidden: ColumnElement[bool]) -> ColumnElement[bool]:
    """Name and company always; contact fields only where the viewer may see them. Run with
    :func:`_search_parameters`."""
    matches: list[ColumnElement[bool]] = [
        Customer.name.icontains(bindparam("q_like"), escape=_LIKE_ESCAPE),
        Customer.company.icontains(bindparam("q_like"), escape=_LIKE_ESCAPE),
    ]
    contact: list[ColumnElement[bool]] = [
        Customer.email_key.contains(bindparam("q_email_like"), escape=_LIKE_ESCAPE),
        Customer.wechat == bindparam("q"),
    ]
    if phone_digits:
        contact.append(Customer.phone_e164.contains(bindparam("q_digits")))
    matches.append(and_(or_(*contact), not_(contacts_hidden)))
    return or_(*matches)


_LIKE_ESCAPE = "/"


def _like_literal(text: str) -> str:
    """``text`` matched as typed inside a LIKE pattern, its wildcards escaped."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _search_parameters(q: str) -> dict[str, str]:
    text = q.strip()
    parameters = {"q": text, "q_like": _like_literal(text), "q_email_like": _like_literal(text.lower())}
    # Phones are stored in E.164 ("+8613800138000"): match the digits typed, with an
    # international "00" prefix read as "+".
    digits = _DIGITS.sub("", text).removeprefix("00")
    if len(digits) >= 4:
        parameters["q_digits"] = digits
    return parameters


# A page of customers is read as plain rows, on the connection rather than through the ORM:
# loading 50 objects costs a list request more than its query. Rows answer the same attribute
# names as the mapped class, for the columns of CUSTOMER_ROW_FIELDS, in that order: what a list
# shows, without the dedup keys, the reminder time and the bookkeeping, which cost decoding too,
# and with whether the viewer may see the contact details.
CustomerRow = Row[Any]
_NOT_LISTED = {"phone_e164", "email_key", "company_key", "remind_at", "created_by_id", "import_batch_id"}
_NOT_LISTED |= {"deleted_at", "record_seq"}
_CUSTOMER_COLUMNS = tuple(c for c in table_of(Customer).c if c.key not in _NOT_LISTED)
CUSTOMER_ROW_FIELDS = (*(column.key for column in _CUSTOMER_COLUMNS), "contact_hidden")


@dataclass(frozen=True)
class _PageShape:
    """What the statement of a page depends on: the viewer's role, the view and which filters
    are set. Their values are its parameters, so each shape is built (and compiled) once."""

    role: Role
    view: View
    filters: frozenset[str]


_FILTERS: dict[str, ColumnElement[bool]] = {
    "pool_id": Customer.pool_id == bindparam("pool_id"),
    "grade": Customer.grade == bindparam("grade"),
    "region": Customer.region == bindparam("region"),
    "industry": Customer.industry == bindparam("industry"),
    "source": Customer.source == bindparam("source"),
    # An unowned customer entered its pool when it was last released or recycled, or created.
    "entered_before": and_(
        Customer.owner_id.is_(None),
        func.coalesce(Customer.released_at, Customer.created_at) <= bindparam("entered_before"),
    ),
    "due_before": Customer.due_at <= bindparam("due_before"),
    "after_id": Customer.id > bindparam("after_id"),
}


@cache
def _page_statement(shape: _PageShape) -> Select[Any]:
    """The page query of ``shape``, run with the viewer's :func:`viewer_parameters` and the
    filters' values: the viewer's pools are subqueries of it, not a round trip of their own."""
    contacts_hidden = customer_contacts_hidden(shape.role)
    conditions = [
        Customer.deleted_at.is_(None),
        visible_customers_clause(shape.role),
        _view_filter(shape.view, shape.role),
        *(_FILTERS[name] for name in sorted(shape.filters & _FILTERS.keys())),
    ]
    if "q" in shape.filters:
        conditions.append(_search_filter("q_digits" in shape.filters, contacts_hidden))
    return (
        select(*_CUSTOMER_COLUMNS, contacts_hidden.label("contact_hidden"))
        .where(*conditions)
        .order_by(Customer.id)
        .limit(bindparam("page_size"))
    )


@dataclass
class FoundCustomers:
    rows: list[CustomerRow]
    next_cursor: str | None


def _days(field: str, days: int) -> int:
    if not 0 <= days <= MAX_DAYS:
        raise errors.InvalidInput(field, f"must be between 0 and {MAX_DAYS}")
    return days


def search_customers(session: Session, actor: User, query: CustomerQuery) -> FoundCustomers:
    if not 1 <= query.limit <= MAX_PAGE:
        raise errors.InvalidInput("limit", f"must be between 1 and {MAX_PAGE}")
    values: dict[str, object] = {
        "pool_id": query.pool_id,
        "grade": query.grade,
        "region": query.region or None,
        "industry": query.industry or None,
        "source": query.source or None,
    }
    if query.min_days_in_pool is not None:
        values["entered_before"] = clock.now() - _days("min_days_in_pool", query.min_days_in_pool) * DAY
    if query.due_within_days is not None:
        values["due_before"] = clock.now() + _days("due_within_days", query.due_within_days) * DAY
    if query.cursor:
        values["after_id"] = decode_cursor(query.cursor)
    if query.q:
        values |= _search_parameters(query.q)
    values = {name: value for name, value in values.items() if value is not None}
    statement = _page_statement(_PageShape(actor.role, query.view, frozenset(values)))
    parameters = viewer_parameters(session, actor) | values | {"page_size": query.limit + 1}
    rows = list(session.connection().execute(statement, parameters).all())
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    return FoundCustomers(rows, encode_cursor(rows[-1].id) if has_more else None)


def encode_due_cursor(customer: Customer) -> str:
    due = "-" if customer.due_at is None else str(to_micros(customer.due_at))
    return base64.urlsafe_b64encode(f"due:{due}:{customer.id}".encode()).decode().rstrip("=")


def _decode_due_cursor(cursor: str) -> tuple[int | None, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, due, last_id = text.split(":")
        if prefix != "due":
            raise ValueError(prefix)
        # The instant must be one a date can hold, or it cannot be compared.
        return (None if due == "-" else _in_range(int(due), 0, _LAST_MICROS)), _in_range(
            int(last_id), 0, MAX_INT
        )
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.InvalidInput("cursor", "is not a cursor this page returned") from None


def owned_by_due(
    session: Session, actor: User, limit: int = 50, cursor: str | None = None
) -> tuple[list[Customer], str | None]:
    """The actor's own customers, soonest drop first (no deadline last), in keyset pages.

    The order is (due_at, id) with nulls after every date, which the (owner_id, due_at) index
    serves directly: one range scan per page, whatever the size of the private pool.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise errors.InvalidInput("limit", f"must be between 1 and {MAX_PAGE}")
    mine = [Customer.owner_id == actor.id, Customer.deleted_at.is_(None)]
    rows: list[Customer] = []
    due_after: tuple[int, int] | None = None
    null_after: int | None = None
    if cursor:
        due, last_id = _decode_due_cursor(cursor)
        if due is None:
            null_after = last_id
        else:
            due_after = (due, last_id)
    if null_after is None:
        dated = select(Customer).where(*mine, Customer.due_at.is_not(None))
        if due_after is not None:
            at = from_micros(due_after[0])
            dated = dated.where(
                or_(Customer.due_at > at, and_(Customer.due_at == at, Customer.id > due_after[1]))
            )
        rows = list(session.scalars(dated.order_by(Customer.due_at, Customer.id).limit(limit + 1)))
    if len(rows) <= limit:
        undated = select(Customer).where(*mine, Customer.due_at.is_(None))
        if null_after is not None:
            undated = undated.where(Customer.id > null_after)
        undated = undated.order_by(Customer.id).limit(limit + 1 - len(rows))
        rows += session.scalars(undated)
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_due_cursor(rows[-1]) if has_more else None
