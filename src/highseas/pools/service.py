"""Pools, their membership and their recycle rules.

Editing a rule takes effect at once: every owned customer of the pool gets its due date and
reminder moved in the same transaction, under the recycle lock so the edit never interleaves with
a sweep.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    delete,
    func,
    select,
    union,
)
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.customers.models import GRADES, Customer
from highseas.db import table_of
from highseas.org.models import Department, Role, User
from highseas.org.service import company_settings, department_ancestry, department_subtree
from highseas.ownership.due import refresh_due_dates
from highseas.ownership.locks import hold_rules, recycle_lock
from highseas.pools.models import Pool, PoolAdmin, PoolMemberDepartment, PoolMemberUser, RecycleRule, RuleKind


@dataclass
class PoolInput:
    name: str
    member_user_ids: list[int]
    member_department_ids: list[int]
    admin_user_ids: list[int]
    hide_contact: bool = False
    reclaim_protection_days: int = 0
    daily_claim_limit: int | None = None
    source: str | None = None
    public_custom_fields: Sequence[str] = ()  # shown while contacts are hidden


def _validate_pool_input(session: Session, data: PoolInput, pool_id: int | None = None) -> None:
    if not data.name.strip():
        raise errors.InvalidInput("name", "must not be empty")
    if data.reclaim_protection_days < 0:
        raise errors.InvalidInput("reclaim_protection_days", "must not be negative")
    if data.daily_claim_limit is not None and data.daily_claim_limit < 0:
        raise errors.InvalidInput("daily_claim_limit", "must not be negative")
    for field, model, ids in (
        ("member_user_ids", User, data.member_user_ids),
        ("admin_user_ids", User, data.admin_user_ids),
        ("member_department_ids", Department, data.member_department_ids),
    ):
        missing = set(ids) - set(session.scalars(select(model.id).where(model.id.in_(ids))))
        if missing:
            raise errors.InvalidInput(field, f"no such id: {sorted(missing)}")
    clash = session.scalar(select(Pool.id).where(Pool.name == data.name.strip()))
    if clash is not None and clash != pool_id:
        raise errors.InvalidInput("name", f"a pool named {data.name!r} exists")


def _public_fields(data: PoolInput) -> list[str]:
    return sorted({key.strip() for key in data.public_custom_fields if key.strip()})


def _write_membership(session: Session, pool_id: int, data: PoolInput) -> None:
    for model in (PoolMemberUser, PoolMemberDepartment, PoolAdmin):
        session.execute(delete(model).where(model.pool_id == pool_id))
    session.add_all(PoolMemberUser(pool_id=pool_id, user_id=i) for i in set(data.member_user_ids))
    session.add_all(
        PoolMemberDepartment(pool_id=pool_id, department_id=i) for i in set(data.member_department_ids)
    )
    session.add_all(PoolAdmin(pool_id=pool_id, user_id=i) for i in set(data.admin_user_ids))


def create_pool(session: Session, data: PoolInput) -> Pool:
    """Create a pool; the first pool of the company becomes its default pool."""
    _validate_pool_input(session, data)
    pool = Pool(
        name=data.name.strip(),
        source=data.source,
        hide_contact=data.hide_contact,
        reclaim_protection_days=data.reclaim_protection_days,
        daily_claim_limit=data.daily_claim_limit,
        public_custom_fields=_public_fields(data),
        created_at=clock.now(),
    )
    session.add(pool)
    session.flush()
    _write_membership(session, pool.id, data)
    settings = company_settings(session)
    if settings.default_pool_id is None:
        settings.default_pool_id = pool.id
    session.flush()
    return pool


def update_pool(session: Session, pool_id: int, data: PoolInput) -> Pool:
    pool = get_pool(session, pool_id)
    _validate_pool_input(session, data, pool_id)
    pool.name = data.name.strip()
    pool.source = data.source
    pool.hide_contact = data.hide_contact
    pool.reclaim_protection_days = data.reclaim_protection_days
    pool.daily_claim_limit = data.daily_claim_limit
    pool.public_custom_fields = _public_fields(data)
    _write_membership(session, pool_id, data)
    session.flush()
    return pool


def get_pool(session: Session, pool_id: int) -> Pool:
    pool = session.get(Pool, pool_id)
    if pool is None:
        raise errors.NotFound(f"no pool {pool_id}")
    return pool


def _membership_selects() -> tuple[Select[int], Select[int]]:
    by_user = select(PoolMemberUser.pool_id).where(PoolMemberUser.user_id == bindparam("user_id"))
    departments = department_ancestry(bindparam("department_id"))
    by_department = select(PoolMemberDepartment.pool_id).where(
        PoolMemberDepartment.department_id.in_(departments)
    )
    return by_user, by_department


@cache
def member_pools_query() -> CompoundSelect[int]:
    """The ids of the pools a user belongs to, run with :func:`membership_parameters`.

    Built once: constructing this recursive statement costs more than running it, and every
    claim asks it."""
    return union(*_membership_selects())


def _administered_pools_select() -> Select[int]:
    return select(PoolAdmin.pool_id).where(PoolAdmin.user_id == bindparam("user_id"))


@cache
def _member_or_admin_pools_query() -> CompoundSelect[int]:
    return union(*_membership_selects(), _administered_pools_select())


def member_pool_ids(session: Session, user: User) -> set[int]:
    """Pools the user belongs to: by name, or through their department or any department above it."""
    return set(session.scalars(member_pools_query(), membership_parameters(user)))


def membership_parameters(user: User) -> dict[str, int | None]:
    return {"user_id": user.id, "department_id": user.department_id}


def viewer_parameters(session: Session, user: User) -> dict[str, object]:
    """The parameters of :func:`visible_pools_query`, :func:`contacts_hidden_clause` and
    :func:`managed_users_query` for ``user``: who they are and, for a manager, their department
    subtree (read here, in the one query the org tree takes)."""
    parameters: dict[str, object] = {**membership_parameters(user)}
    if user.role is Role.MANAGER:
        parameters["subtree"] = sorted(department_subtree(session, user.department_id))
    return parameters


def is_pool_member(session: Session, user: User, pool_id: int) -> bool:
    return pool_id in member_pool_ids(session, user)


def is_pool_admin(session: Session, user: User, pool_id: int) -> bool:
    return (
        session.get(PoolAdmin, {"pool_id": pool_id, "user_id": user.id}) is not None
        or user.role is Role.ADMIN
    )


@cache
def managed_users_query(role: Role) -> Select[int]:
    """The users a manager manages (their department subtree's), everyone for an admin, run with
    :func:`viewer_parameters` or with ``subtree`` bound."""
    if role is Role.ADMIN:
        return select(User.id)
    return select(User.id).where(User.department_id.in_(bindparam("subtree", expanding=True)))


@cache
def visible_pools_query(role: Role) -> Select[int] | CompoundSelect[int]:
    """The ids of the pools a user of ``role`` sees, run with :func:`viewer_parameters`: admins see
    every pool; others the pools they belong to or administer, and managers also the pools shared
    with any department or user of their subtree.

    Built once per role, so that a customer list can carry it as a subquery at no building cost."""
    if role is Role.ADMIN:
        return select(Pool.id)
    if role is not Role.MANAGER:
        return _member_or_admin_pools_query()
    subtree: BindParameter[int] = bindparam("subtree", expanding=True)
    shared_with_departments = select(PoolMemberDepartment.pool_id).where(
        PoolMemberDepartment.department_id.in_(subtree)
    )
    shared_with_users = select(PoolMemberUser.pool_id).where(
        PoolMemberUser.user_id.in_(managed_users_query(role))
    )
    return union(
        *_membership_selects(), _administered_pools_select(), shared_with_departments, shared_with_users
    )


def visible_pool_ids(session: Session, user: User) -> set[int]:
    return set(session.scalars(visible_pools_query(user.role), viewer_parameters(session, user)))


def contacts_hidden_clause() -> ColumnElement[bool]:
    """Pools whose unowned customers' contact details the user of the ``user_id`` parameter may
    not see: those that hide them, unless the user administers the pool."""
    return and_(Pool.hide_contact.is_(True), Pool.id.not_in(_administered_pools_select()))


def normalise_grades(grades: Iterable[str] | None) -> str | None:
    if grades is None:
        return None
    letters = {g.strip().upper() for g in grades}
    unknown = letters - set(GRADES)
    if unknown or not letters:
        raise errors.InvalidInput("grades", f"must be a non-empty list of {', '.join(GRADES)}")
    return "".join(sorted(letters))


@dataclass
class RuleInput:
    kind: str
    days: int
    grades: list[str] | None = None
    only_not_won: bool = False
    remind_days_before: int | None = None


def _validated_rule_fields(data: RuleInput) -> dict[str, object]:
    try:
        kind = RuleKind(data.kind)
    except ValueError:
        raise errors.InvalidInput("kind", f"must be one of {', '.join(k.value for k in RuleKind)}") from None
    if data.days <= 0:
        raise errors.InvalidInput("days", "must be a whole number of days above 0")
    if data.remind_days_before is not None and not 0 < data.remind_days_before < data.days:
        raise errors.InvalidInput("remind_days_before", "must be above 0 and below the rule's days")
    return {
        "kind": kind,
        "days": data.days,
        "grades": normalise_grades(data.grades),
        "only_not_won": data.only_not_won,
        "remind_days_before": data.remind_days_before,
    }


def _lock_for_rule_change(session: Session, pool_id: int) -> None:
    """One bulk due-date writer at a time, and no due date worked out from the pool's rules while
    they change (:func:`~highseas.ownership.locks.hold_rules`): before any customer row is touched."""
    recycle_lock(session)
    hold_rules(session, pool_id, exclusive=True)


def _apply_rule_change(session: Session, pool_id: int) -> None:
    session.flush()
    refresh_due_dates(session, Customer.pool_id == pool_id)


def add_rule(session: Session, pool_id: int, data: RuleInput) -> RecycleRule:
    return add_rules(session, pool_id, [data])[0]


def add_rules(session: Session, pool_id: int, data: list[RuleInput]) -> list[RecycleRule]:
    """Add several rules at once: the pool's due dates are refreshed once, not once per rule."""
    get_pool(session, pool_id)
    fields = [_validated_rule_fields(d) for d in data]
    _lock_for_rule_change(session, pool_id)
    rules = [RecycleRule(pool_id=pool_id, **f) for f in fields]
    session.add_all(rules)
    _apply_rule_change(session, pool_id)
    return rules


def rules_by_grade(
    kind: str,
    days_by_grade: dict[str, int],
    only_not_won: bool = False,
    remind_days_before: int | None = None,
) -> list[RuleInput]:
    """Per-grade deadlines as rules: grades that share a number of days share one rule
    (B 25 days; C and D 10 days; E 40 days → three rules)."""
    grades_by_days: dict[int, list[str]] = {}
    for grade, days in sorted(days_by_grade.items()):
        grades_by_days.setdefault(days, []).append(grade)
    return [
        RuleInput(kind, days, grades, only_not_won, remind_days_before)
        for days, grades in sorted(grades_by_days.items())
    ]


@dataclass(frozen=True)
class DropPreview:
    """What the next sweep would recycle from one pool: customers per previous owner."""

    by_owner: dict[int, int]

    @property
    def customers(self) -> int:
        return sum(self.by_owner.values())


def preview_drops(session: Session, pool_id: int, new_rules: list[RuleInput]) -> DropPreview:
    """The customers of the pool that would drop now if ``new_rules`` were added; changes nothing.

    The rules are added and the due dates refreshed inside a savepoint that is then rolled back, so
    the preview runs the very code a save would run.
    """
    savepoint = session.begin_nested()
    try:
        add_rules(session, pool_id, new_rules)
        due = (
            select(Customer.owner_id, func.count())
            .where(
                Customer.pool_id == pool_id,
                Customer.owner_id.is_not(None),
                Customer.locked.is_(False),
                Customer.deleted_at.is_(None),
                Customer.due_at <= clock.now(),
            )
            .group_by(Customer.owner_id)
        )
        by_owner = {owner: n for owner, n in session.execute(due).all() if owner is not None}
    finally:
        savepoint.rollback()
    return DropPreview(by_owner)


def update_rule(session: Session, rule_id: int, data: RuleInput) -> RecycleRule:
    rule = get_rule(session, rule_id)
    fields = _validated_rule_fields(data)
    _lock_for_rule_change(session, rule.pool_id)
    for name, value in fields.items():
        setattr(rule, name, value)
    _apply_rule_change(session, rule.pool_id)
    return rule


def delete_rule(session: Session, rule_id: int) -> None:
    rule = get_rule(session, rule_id)
    pool_id = rule.pool_id
    _lock_for_rule_change(session, pool_id)
    session.execute(
        table_of(Customer).update().where(Customer.due_rule_id == rule_id).values(due_rule_id=None)
    )
    session.delete(rule)
    _apply_rule_change(session, pool_id)


def get_rule(session: Session, rule_id: int) -> RecycleRule:
    rule = session.get(RecycleRule, rule_id)
    if rule is None:
        raise errors.NotFound(f"no recycle rule {rule_id}")
    return rule


def pool_rules(session: Session, pool_id: int) -> list[RecycleRule]:
    get_pool(session, pool_id)
    return list(
        session.scalars(select(RecycleRule).where(RecycleRule.pool_id == pool_id).order_by(RecycleRule.id))
    )
