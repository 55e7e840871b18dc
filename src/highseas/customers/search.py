"""Listing customers: views, filters, search and keyset pagination, all under the visibility filter."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.permissions import contact_hidden_pool_ids, managed_user_ids, visible_customers
from highseas.customers.models import Customer
from highseas.org.models import Role, User
from highseas.ownership.policy import DAY
from highseas.pools.service import visible_pool_ids

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


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != "id":
            raise ValueError(prefix)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.InvalidInput("cursor", "is not a cursor this API returned") from None


def _view_filter(
    session: Session, actor: User, query: CustomerQuery, pool_ids: set[int]
) -> ColumnElement[bool]:
    if query.view is View.MINE:
        return Customer.owner_id == actor.id
    if query.view is View.POOL:
        return and_(Customer.owner_id.is_(None), Customer.pool_id.in_(pool_ids))
    if query.view is View.TEAM:
        if actor.role is Role.SALES:
            raise errors.Forbidden("the team view is for managers and admins")
        return Customer.owner_id.in_(managed_user_ids(session, actor))
    if actor.role is not Role.ADMIN:
        raise errors.Forbidden("the all view is for admins")
    return Customer.id.is_not(None)


def _search_filter(session: Session, actor: User, q: str) -> ColumnElement[bool]:
    """Name and company always; contact fields only where this caller may see them."""
    text = q.strip()
    matches: list[ColumnElement[bool]] = [
        Customer.name.icontains(text, autoescape=True),
        Customer.company.icontains(text, autoescape=True),
    ]
    contact: list[ColumnElement[bool]] = [
        Customer.email_key.contains(text.lower(), autoescape=True),
        Customer.wechat == text,
    ]
    # Phones are stored in E.164 ("+8613800138000"): match the digits typed, with an
    # international "00" prefix read as "+".
    digits = _DIGITS.sub("", text).removeprefix("00")
    if len(digits) >= 4:
        contact.append(Customer.phone_e164.contains(digits))
    hidden = contact_hidden_pool_ids(session, actor)
    contact_visible = or_(Customer.owner_id.is_not(None), Customer.pool_id.not_in(hidden)) if hidden else None
    matches.append(and_(or_(*contact), contact_visible) if contact_visible is not None else or_(*contact))
    return or_(*matches)


def search_customers(
    session: Session, actor: User, query: CustomerQuery
) -> tuple[list[Customer], str | None]:
    if not 1 <= query.limit <= MAX_PAGE:
        raise errors.InvalidInput("limit", f"must be between 1 and {MAX_PAGE}")
    pool_ids = visible_pool_ids(session, actor)
    conditions = [
        Customer.deleted_at.is_(None),
        visible_customers(session, actor, pool_ids),
        _view_filter(session, actor, query, pool_ids),
    ]
    if query.pool_id is not None:
        conditions.append(Customer.pool_id == query.pool_id)
    if query.grade is not None:
        conditions.append(Customer.grade == query.grade)
    if query.q:
        conditions.append(_search_filter(session, actor, query.q))
    if query.due_within_days is not None:
        if query.due_within_days < 0:
            raise errors.InvalidInput("due_within_days", "must not be negative")
        conditions.append(Customer.due_at <= clock.now() + query.due_within_days * DAY)
    if query.cursor:
        conditions.append(Customer.id > decode_cursor(query.cursor))
    rows = list(
        session.scalars(select(Customer).where(*conditions).order_by(Customer.id).limit(query.limit + 1))
    )
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    return rows, encode_cursor(rows[-1].id) if has_more else None
