"""Creating and editing customers, follow-ups, deals, soft delete and restore."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.audit import audit
from highseas.auth.permissions import Action, can, ensure
from highseas.customers.companies import company_key, company_of
from highseas.customers.contacts import fold_email, normalise_credit_code, normalise_email, normalise_phone
from highseas.customers.dedup import DEDUP_KEYS, duplicate_of, ensure_under_hit_limit
from highseas.customers.models import GRADES, Customer, CustomerPhone, Deal, FollowUp, FollowUpKind, Stage
from highseas.customers.phones import more_phones, phone_keys, phones_of, store_phones
from highseas.db import is_postgresql
from highseas.org.models import User
from highseas.org.queries import company_settings
from highseas.ownership.due import refresh_due
from highseas.ownership.gate import ensure_capacity, lock_users
from highseas.ownership.service import get_customer, owned_by_actor
from highseas.ownership.writer import add_customer
from highseas.pools.models import Pool
from highseas.pools.queries import is_pool_member
from highseas.validation import in_business_years, reject_nulls


@dataclass
class CustomerInput:
    name: str
    company: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    credit_code: str | None = None
    grade: str | None = None
    stage: str = Stage.LEAD.value
    region: str | None = None
    industry: str | None = None
    source: str | None = None
    tags: list[str] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)  # the numbers after the first


CENT = Decimal("0.01")
EDITABLE_FIELDS = frozenset(CustomerInput.__dataclass_fields__)
COLUMN_FIELDS = EDITABLE_FIELDS - {"phones"}


def normalise_grade(raw: str | None) -> str | None:
    grade = raw.strip().upper() if raw else None
    if not grade:
        return None
    if grade not in GRADES:
        raise errors.InvalidInput("grade", f"must be one of {', '.join(GRADES)}")
    return grade


def _clean(data: CustomerInput) -> dict[str, Any]:
    """Validated column values, naming the field at fault."""
    name = (data.name or "").strip()
    if not name:
        raise errors.InvalidInput("name", "must not be empty")
    grade = normalise_grade(data.grade)
    try:
        stage = Stage(data.stage)
    except ValueError:
        raise errors.InvalidInput("stage", f"must be one of {', '.join(s.value for s in Stage)}") from None
    phone = data.phone.strip() if data.phone and data.phone.strip() else None
    email = fold_email(data.email) if data.email and data.email.strip() else None
    credit = data.credit_code.strip() if data.credit_code and data.credit_code.strip() else None
    # A name that reads as an organisation is the company, for dedup, when no company is given.
    company = company_of(data.company, name)
    return {
        "name": name,
        "company": data.company,
        "company_key": company_key(company) if company else None,
        "phone": phone,
        "phone_e164": normalise_phone(phone) if phone else None,
        "email": email,
        "email_key": normalise_email(email) if email else None,
        "wechat": data.wechat,
        "credit_code": normalise_credit_code(credit) if credit else None,
        "grade": grade,
        "stage": stage,
        "region": data.region,
        "industry": data.industry,
        "source": data.source,
        "tags": sorted({t.strip() for t in data.tags if t.strip()}),
        "custom_fields": dict(data.custom_fields),
    }


def ensure_not_duplicate(
    session: Session,
    actor: User,
    values: dict[str, Any],
    exclude_id: int | None = None,
    held: Iterable[str] = DEDUP_KEYS,
    phones: Iterable[str] = (),
    held_phones: Iterable[str] = (),
) -> None:
    """Refuse a second record of one real customer: same phone (E.164; any of its numbers against
    any of another's: ``phones`` are the numbers after the first), email, credit code or company
    (its :func:`company_key`). Imports apply the same keys to whole files at once.

    The error says where the existing record is only to whom may see it, never its contact
    details; a user making many such hits is held back for a while (:mod:`highseas.customers.dedup`).
    """
    matches = [getattr(Customer, key) == values[key] for key in DEDUP_KEYS if values.get(key)]
    numbers = [n for n in (values.get("phone_e164"), *phones) if n]
    if numbers:
        further = select(CustomerPhone.customer_id).where(CustomerPhone.phone_e164.in_(numbers))
        matches += [Customer.phone_e164.in_(numbers), Customer.id.in_(further)]
    if not matches:
        return
    ensure_under_hit_limit(session, actor, 1)
    # Only new values can meet another request filing the same ones (an edit holds what it changes).
    keys = [f"{key}:{values[key]}" for key in held if values.get(key)]
    keys += [f"phone_e164:{number}" for number in held_phones]
    if keys:
        _hold_dedup_keys(session, keys)
    query = (
        select(Customer).where(or_(*matches), Customer.deleted_at.is_(None)).order_by(Customer.id).limit(1)
    )
    if exclude_id is not None:
        query = query.where(Customer.id != exclude_id)
    existing = session.scalars(query).first()
    if existing is not None:
        raise duplicate_of(session, actor, existing, values)


# PostgreSQL advisory lock classes: one lock per dedup key value, and one over every key.
_KEY_LOCKS = 0x48534431
_ALL_KEYS_LOCK = 0x48534430


def _hold_dedup_keys(session: Session, keys: list[str]) -> None:
    """Hold these dedup keys until the transaction ends, so that two requests filing one real
    customer at once cannot both find no match and both insert: the second waits, then finds the
    first. Each key has its lock, taken in one fixed order so two writers never wait in a cycle;
    all of them sit under one shared lock that an import takes whole (:func:`hold_all_dedup_keys`).

    SQLite needs none of this: every transaction here takes its single writer lock up front.
    """
    if not is_postgresql(session):
        return
    held = session.execute(text("SELECT pg_try_advisory_xact_lock_shared(:all, 0)"), {"all": _ALL_KEYS_LOCK})
    if not held.scalar_one():
        _wait_for_an_import(session)
    session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(:class, h)) FROM (SELECT DISTINCT hashtext(k) AS h "
            "FROM unnest(CAST(:keys AS text[])) AS k ORDER BY h) AS held"
        ),
        {"class": _KEY_LOCKS, "keys": keys},
    )


IMPORT_WAIT_MS = 3_000
"""How long a create or edit waits for an import's dedup check before answering ``busy``: an
import of a big file holds every key for as long as it inserts, and a request waiting all that
while would hold one of the server's worker threads (enough of them, and nothing else is served)."""


_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout that ran out


def _wait_for_an_import(session: Session) -> None:
    connection = session.connection()
    before = connection.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar_one()
    setting = "SELECT set_config('lock_timeout', %(value)s, true)"
    connection.exec_driver_sql(setting, {"value": f"{IMPORT_WAIT_MS}ms"})
    try:
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:all, 0)"), {"all": _ALL_KEYS_LOCK})
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            message = "a file is being imported and checked for duplicates; nothing was saved"
            raise errors.Busy(f"{message}, try again in a minute") from None
        raise
    connection.exec_driver_sql(setting, {"value": before})


def hold_all_dedup_keys(session: Session) -> None:
    """Hold every dedup key until the transaction ends: for an import, which checks and inserts a
    whole file at once. Creates and edits of customers wait meanwhile."""
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:all, 0)"), {"all": _ALL_KEYS_LOCK})


def ensure_can_fill_pool(session: Session, actor: User, pool: Pool) -> None:
    """Placing unowned customers in a pool (create in pool, import) is for its members and admins."""
    if not (is_pool_member(session, actor, pool.id) or can(session, actor, Action.EDIT, pool)):
        raise errors.NotPoolMember(f"you are not a member of pool {pool.name!r}")


def create_customer(
    session: Session, actor: User, data: CustomerInput, pool_id: int | None = None, in_pool: bool = False
) -> Customer:
    """Create a customer owned by its creator (capacity applies), or unowned in a pool."""
    values = _clean(data)
    phones = more_phones(data.phones, values["phone_e164"])
    settings = company_settings(session)
    home = pool_id if pool_id is not None else settings.default_pool_id
    if home is None:
        raise errors.InvalidInput("pool_id", "the company has no pool yet; create one first")
    pool = session.get(Pool, home)
    # Anyone may file their own customer under the company's default pool; naming another pool
    # needs one the caller can see.
    if pool is None or (pool_id is not None and not can(session, actor, Action.VIEW, pool)):
        raise errors.NotFound(f"no pool {home}")
    if in_pool:
        ensure_can_fill_pool(session, actor, pool)
    numbers = [p.e164 for p in phones]
    ensure_not_duplicate(session, actor, values, phones=numbers, held_phones=numbers)
    owner_id = None
    if not in_pool:
        users, settings = lock_users(session, [actor.id])
        me = users[actor.id]
        ensure_capacity(session, me, settings)
        owner_id = me.id
    customer = add_customer(
        session, values, pool_id=pool.id, owner_id=owner_id, actor_id=actor.id, at=clock.now()
    )
    store_phones(session, customer.id, phones)
    refresh_due(session, customer)
    session.flush()
    return customer


def update_customer(session: Session, actor: User, customer_id: int, changes: dict[str, Any]) -> Customer:
    """Edit descriptive fields; ownership, pool, won and timestamps only move through their services."""
    # Locked: a move storing a due date meanwhile must not be overwritten by one worked out from
    # the row before it.
    customer = get_customer(session, actor, customer_id, for_update=True)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise errors.InvalidInput(sorted(unknown)[0], "cannot be changed here")
    ensure(session, actor, Action.EDIT, customer, doing="edit this customer")
    reject_nulls(changes, ("name", "stage", "tags", "custom_fields", "phones"))
    current: dict[str, Any] = {name: getattr(customer, name) for name in COLUMN_FIELDS}
    current["stage"] = customer.stage.value
    current["phones"] = phones_of(session, customer.id)
    data = CustomerInput(**{**current, **changes})
    values = _clean(data)
    phones = more_phones(data.phones, values["phone_e164"])
    numbers = [p.e164 for p in phones]
    changed_keys = [key for key in DEDUP_KEYS if values.get(key) != getattr(customer, key)]
    new_numbers = sorted(set(numbers) - set(phone_keys(session, customer.id)))
    ensure_not_duplicate(
        session,
        actor,
        values,
        exclude_id=customer.id,
        held=changed_keys,
        phones=numbers,
        held_phones=new_numbers,
    )
    grade_changed = values["grade"] != customer.grade
    changed = {
        name: [getattr(customer, name), new] for name, new in values.items() if getattr(customer, name) != new
    }
    if [p.text for p in phones] != current["phones"]:
        changed["phones"] = [current["phones"], [p.text for p in phones]]
        store_phones(session, customer.id, phones)
    for name, value in values.items():
        setattr(customer, name, value)
    customer.updated_at = clock.now()
    if changed:
        audit(session, "customer_updated", actor_id=actor.id, customer_id=customer.id, changes=changed)
    if grade_changed:
        refresh_due(session, customer)
    session.flush()
    return customer


def _past_or_now(value: datetime | None, field_name: str) -> datetime:
    now = clock.now()
    if value is None:
        return now
    in_business_years(value, field_name)
    if value > now:
        raise errors.InvalidInput(field_name, "cannot be in the future")
    return value.astimezone(UTC)


def log_followup(
    session: Session, actor: User, customer_id: int, kind: str, content: str, at: datetime | None = None
) -> FollowUp:
    try:
        followup_kind = FollowUpKind(kind)
    except ValueError:
        raise errors.InvalidInput(
            "kind", f"must be one of {', '.join(k.value for k in FollowUpKind)}"
        ) from None
    when = _past_or_now(at, "at")
    # The row lock orders this write against a sweep that has already selected the customer:
    # either the sweep sees the new follow-up or deal, or this sees that the customer is gone.
    customer = owned_by_actor(session, actor, customer_id, for_update=True)
    followup = FollowUp(
        customer_id=customer.id,
        user_id=actor.id,
        kind=followup_kind,
        content=content or "",
        at=when,
        created_at=clock.now(),
        seq=customer.next_record_seq(),
    )
    session.add(followup)
    if customer.last_followup_at is None or when > customer.last_followup_at:
        customer.last_followup_at = when
    customer.updated_at = clock.now()
    refresh_due(session, customer)
    session.flush()
    return followup


def record_deal(
    session: Session, actor: User, customer_id: int, amount: Decimal, signed_at: datetime | None = None
) -> Deal:
    """The first deal makes the customer won; later ones are repurchases."""
    if amount <= 0:
        raise errors.InvalidInput("amount", "must be above 0")
    amount = amount.quantize(CENT)
    when = _past_or_now(signed_at, "signed_at")
    # The row lock orders this write against a sweep that has already selected the customer:
    # either the sweep sees the new follow-up or deal, or this sees that the customer is gone.
    customer = owned_by_actor(session, actor, customer_id, for_update=True)
    deal = Deal(
        customer_id=customer.id,
        user_id=actor.id,
        amount=amount,
        signed_at=when,
        repurchase=customer.won,
        created_at=clock.now(),
        seq=customer.next_record_seq(),
    )
    session.add(deal)
    customer.won = True
    customer.stage = Stage.CUSTOMER
    if customer.last_deal_at is None or when > customer.last_deal_at:
        customer.last_deal_at = when
    customer.updated_at = clock.now()
    refresh_due(session, customer)
    session.flush()
    return deal


def soft_delete(session: Session, actor: User, customer_id: int) -> None:
    """Admins only: ``not_found`` for a customer the actor may not see, ``forbidden`` otherwise."""
    customer = get_customer(session, actor, customer_id, for_update=True)
    ensure(session, actor, Action.DELETE, customer, doing="delete customers")
    customer.deleted_at = clock.now()
    refresh_due(session, customer)
    session.flush()
    audit(session, "customer_deleted", actor_id=actor.id, customer_id=customer.id)


def restore(session: Session, actor: User, customer_id: int) -> Customer:
    """Bring a soft-deleted customer back as it was; its owner's capacity still applies."""
    customer = session.get(Customer, customer_id, with_for_update=True, populate_existing=True)
    # Deleted or not, a customer the actor may not see is not there for them.
    if customer is None or customer.deleted_at is None or not can(session, actor, Action.VIEW, customer):
        raise errors.NotFound(f"no deleted customer {customer_id}")
    ensure(session, actor, Action.DELETE, customer, doing="restore customers")
    if customer.merged_into_id is not None:
        raise errors.InvalidInput(
            "customer_id", f"this customer was merged into customer {customer.merged_into_id}; open that one"
        )
    # Someone may have filed the same real customer while this one was deleted.
    keys = {key: getattr(customer, key) for key in DEDUP_KEYS}
    numbers = phone_keys(session, customer.id)
    ensure_not_duplicate(session, actor, keys, exclude_id=customer.id, phones=numbers, held_phones=numbers)
    if customer.owner_id is not None:
        users, settings = lock_users(session, [customer.owner_id])
        ensure_capacity(session, users[customer.owner_id], settings)
    customer.deleted_at = None
    customer.updated_at = clock.now()
    refresh_due(session, customer)
    session.flush()
    audit(session, "customer_restored", actor_id=actor.id, customer_id=customer.id)
    return customer
