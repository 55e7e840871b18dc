"""Merging two records of one real customer into one, keeping both histories.

The survivor keeps its id, its pool and its owner; the merged record is soft-deleted and points at
it (``merged_into_id``). The merged record's follow-ups and deals move to the survivor, numbered
after the survivor's own in the order they were recorded; its ownership events stay where they are
(the log is append-only, and replaying it must still give every record's owner), and the survivor's
timeline reads them beside its own (:mod:`highseas.customers.history`). Contact details the
survivor lacks are taken from the merged record; the others it keeps as custom fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.audit import audit
from highseas.auth.permissions import Action, ensure
from highseas.customers.contacts import Phone
from highseas.customers.models import Customer, Deal, FollowUp, Stage
from highseas.customers.phones import store_phones, stored_phones
from highseas.org.models import User
from highseas.ownership.due import refresh_due
from highseas.ownership.gate import ensure_capacity, lock_users
from highseas.ownership.locks import hold_rules
from highseas.ownership.service import get_customer
from highseas.ownership.writer import merge_ownership

# Each contact with the column of its dedup key, which moves with it, and what a custom field
# holding a second one is called (custom field names are data, typed by the company's people: in
# Chinese, like the columns of their files).
# A phone the survivor lacks fills its first phone; any other joins its further phones (_take_phones).
_CONTACTS = {"phone": "phone_e164", "email": "email_key", "wechat": None, "credit_code": None}
_LABELS = {"phone": "电话", "email": "邮箱", "wechat": "微信", "credit_code": "统一社会信用代码"}
_DESCRIPTIVE = ("grade", "region", "industry", "source")
_STAGE_ORDER = (Stage.LEAD, Stage.OPPORTUNITY, Stage.CUSTOMER)
_WHO_MAY = "merge these customers: it takes an admin, the owner of both or the admin of both pools"


def merge_customers(session: Session, actor: User, survivor_id: int, merged_id: int) -> Customer:
    """Merge customer ``merged_id`` into ``survivor_id``; returns the survivor.

    Who may: an admin; an owner who owns both; the pool admin of both (unowned) customers' pools.
    A customer the actor may not see is ``not_found``. When the survivor is unowned and the merged
    record owned, the survivor goes to that owner, within their capacity: the merged record stops
    counting as the survivor starts, so only an owner already over capacity is refused.
    """
    if survivor_id == merged_id:
        raise errors.InvalidInput("merged_id", "a customer cannot be merged into itself")
    read = {
        customer_id: get_customer(session, actor, customer_id) for customer_id in (survivor_id, merged_id)
    }
    for customer in read.values():
        ensure(session, actor, Action.MERGE, customer, doing=_WHO_MAY)
    owners = {customer_id: customer.owner_id for customer_id, customer in read.items()}
    new_owner = owners[survivor_id] if owners[survivor_id] is not None else owners[merged_id]
    if owners[survivor_id] is None and new_owner is not None:
        users, settings = lock_users(session, [new_owner])
        ensure_capacity(session, users[new_owner], settings, adding=0)
    survivor, merged = _lock_both(session, survivor_id, merged_id)
    if (survivor.owner_id, merged.owner_id) != (owners[survivor_id], owners[merged_id]):
        raise errors.AlreadyOwned("the customers changed hands meanwhile; look again")
    now = clock.now()
    moved = _move_records(session, survivor, merged)
    filled = _take_details(survivor, merged)
    _take_phones(session, survivor, merged)
    merged.deleted_at = now
    merged.merged_into_id = survivor.id
    merge_ownership(session, survivor, merged, survivor_owner_id=new_owner, actor_id=actor.id, at=now)
    refresh_due(session, survivor)
    refresh_due(session, merged)
    session.flush()
    audit(
        session,
        "customers_merged",
        actor_id=actor.id,
        customer_id=survivor.id,
        merged_id=merged.id,
        moved_records=moved,
        filled=filled,
    )
    return survivor


def _lock_both(session: Session, survivor_id: int, merged_id: int) -> tuple[Customer, Customer]:
    """Both rows locked in id order, after both pools' rules (rules before any customer row)."""
    ids = sorted((survivor_id, merged_id))
    hold_rules(session, select(Customer.pool_id).where(Customer.id.in_(ids)).distinct())
    locked = {}
    for customer_id in ids:
        customer = session.get(Customer, customer_id, with_for_update=True, populate_existing=True)
        if customer is None or customer.deleted_at is not None:
            raise errors.NotFound(f"no customer {customer_id}")
        locked[customer_id] = customer
    return locked[survivor_id], locked[merged_id]


def _move_records(session: Session, survivor: Customer, merged: Customer) -> int:
    """Move the merged record's follow-ups and deals to the survivor, numbered after its records.

    A record's number among the moved ones is its old number less the merged record's events
    before it (events, follow-ups and deals share one numbering per customer, and the events stay).
    """
    base = survivor.record_seq
    moved = 0
    for model in (FollowUp, Deal):
        table = model.__tablename__
        result = session.execute(
            text(
                f"UPDATE {table} SET customer_id = :survivor, seq = :base + seq - (SELECT count(*) FROM "
                f"ownership_event e WHERE e.customer_id = :merged AND e.seq < {table}.seq) "
                "WHERE customer_id = :merged"
            ),
            {"survivor": survivor.id, "merged": merged.id, "base": base},
        )
        moved += result.rowcount  # type: ignore[attr-defined]
    survivor.record_seq = base + moved
    survivor.last_followup_at = session.scalar(
        select(func.max(FollowUp.at)).where(FollowUp.customer_id == survivor.id)
    )
    survivor.last_deal_at = session.scalar(
        select(func.max(Deal.signed_at)).where(Deal.customer_id == survivor.id)
    )
    return moved


def _take_details(survivor: Customer, merged: Customer) -> list[str]:
    """Fill the survivor's empty fields from the merged record; its other contact details and
    custom fields are kept as custom fields. Returns the fields filled."""
    filled: list[str] = []
    extra: dict[str, Any] = {}
    for contact, key in _CONTACTS.items():
        theirs = getattr(merged, contact)
        if not theirs:
            continue
        if not getattr(survivor, contact):
            setattr(survivor, contact, theirs)
            if key is not None:
                setattr(survivor, key, getattr(merged, key))
            filled.append(contact)
        # One contact however typed (compared by its dedup key) is not a second one.
        elif contact != "phone" and getattr(survivor, key or contact) != getattr(merged, key or contact):
            # Kept under a label of its own until customers have several emails and WeChat ids.
            extra[_merged_label(_LABELS[contact], merged)] = theirs
    if not survivor.company and merged.company:
        survivor.company, survivor.company_key = merged.company, merged.company_key
        filled.append("company")
    for name in _DESCRIPTIVE:
        if getattr(survivor, name) is None and getattr(merged, name) is not None:
            setattr(survivor, name, getattr(merged, name))
            filled.append(name)
    mine = dict(survivor.custom_fields or {})
    for label, value in (merged.custom_fields or {}).items():
        if label not in mine:
            mine[label] = value
        elif mine[label] != value:
            extra[_merged_label(label, merged)] = value
    survivor.custom_fields = mine | extra
    survivor.tags = sorted(set(survivor.tags or []) | set(merged.tags or []))
    survivor.won = survivor.won or merged.won
    survivor.stage = max(survivor.stage, merged.stage, key=_STAGE_ORDER.index)
    return filled


def _take_phones(session: Session, survivor: Customer, merged: Customer) -> None:
    """Every number of the merged record becomes one of the survivor's further phones, once each
    (by its E.164), after the survivor's own; the merged record's further phones go with it. The
    numbers are taken as stored, not read again: one filed under older rules still moves."""
    first = [Phone(merged.phone, merged.phone_e164)] if merged.phone and merged.phone_e164 else []
    numbers: dict[str, Phone] = {}
    for phone in (*stored_phones(session, survivor.id), *first, *stored_phones(session, merged.id)):
        if phone.e164 != survivor.phone_e164:
            numbers.setdefault(phone.e164, phone)
    store_phones(session, survivor.id, list(numbers.values()))
    store_phones(session, merged.id, [])


def _merged_label(label: str, merged: Customer) -> str:
    """电话（合并自 #12）: a value of the merged record that the survivor already has another of."""
    return f"{label}（合并自 #{merged.id}）"
