"""Changing pools: their settings, membership and recycle rules.

Every function takes the acting user, decides through :func:`~highseas.auth.permissions.can` and
writes its audit row (old → new values) in the caller's transaction. A pool's name, source,
members, admins and hiding are the admins'; its pool admins run its rules and its claim settings.

Editing a rule takes effect at once: every owned customer of the pool gets its due date and
reminder moved in the same transaction, under the recycle lock so the edit never interleaves with
a sweep.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.audit import audit
from highseas.auth.permissions import Action, can, ensure, visible_pool
from highseas.customers.models import GRADES, Customer
from highseas.db import table_of
from highseas.org.models import Department, User
from highseas.org.queries import company_settings
from highseas.ownership.due import refresh_due_dates
from highseas.ownership.locks import hold_rules, recycle_lock
from highseas.pools.models import Pool, PoolAdmin, PoolMemberDepartment, PoolMemberUser, RecycleRule, RuleKind
from highseas.pools.queries import get_pool, pool_membership

# The settings of a pool its pool admins may change; the others are the admins' alone.
POOL_ADMIN_FIELDS = frozenset({"reclaim_protection_days", "daily_claim_limit"})


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


def create_pool(session: Session, actor: User, data: PoolInput) -> Pool:
    """Create a pool; the first pool of the company becomes its default pool."""
    ensure(session, actor, Action.ADMINISTER, doing="create pools")
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
    audit(session, "pool_created", actor_id=actor.id, pool_id=pool.id, pool=_comparable(data))
    return pool


def pool_input(session: Session, pool: Pool) -> PoolInput:
    """The pool as it stands, in the shape :func:`update_pool` takes."""
    members = pool_membership(session, pool.id)
    return PoolInput(
        name=pool.name,
        member_user_ids=members.user_ids,
        member_department_ids=members.department_ids,
        admin_user_ids=members.admin_ids,
        hide_contact=pool.hide_contact,
        reclaim_protection_days=pool.reclaim_protection_days,
        daily_claim_limit=pool.daily_claim_limit,
        source=pool.source,
        public_custom_fields=list(pool.public_custom_fields),
    )


def _comparable(data: PoolInput) -> dict[str, object]:
    fields = asdict(data)
    for ids in ("member_user_ids", "member_department_ids", "admin_user_ids"):
        fields[ids] = sorted(set(fields[ids]))
    fields["name"] = data.name.strip()
    fields["public_custom_fields"] = _public_fields(data)
    return fields


def update_pool(session: Session, actor: User, pool_id: int, data: PoolInput) -> Pool:
    """Save the pool as ``data`` has it. Changing anything but :data:`POOL_ADMIN_FIELDS` is for
    admins; those are for its pool admins too."""
    pool = visible_pool(session, actor, pool_id)
    before, after = _comparable(pool_input(session, pool)), _comparable(data)
    changed = {name: [before[name], value] for name, value in after.items() if before[name] != value}
    if set(changed) - POOL_ADMIN_FIELDS:
        ensure(
            session,
            actor,
            Action.ADMINISTER,
            pool,
            doing="change a pool's name, source, members, admins, hiding or public fields: only an admin may",
        )
    ensure(session, actor, Action.EDIT, pool, doing="change this pool: only an admin or its pool admins may")
    _validate_pool_input(session, data, pool_id)
    pool.name = data.name.strip()
    pool.source = data.source
    pool.hide_contact = data.hide_contact
    pool.reclaim_protection_days = data.reclaim_protection_days
    pool.daily_claim_limit = data.daily_claim_limit
    pool.public_custom_fields = _public_fields(data)
    _write_membership(session, pool_id, data)
    session.flush()
    if changed:
        audit(session, "pool_updated", actor_id=actor.id, pool_id=pool.id, changes=changed)
    return pool


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


def _ruled_pool(session: Session, actor: User, pool_id: int) -> Pool:
    """The pool, when the actor may change its rules (``not_found`` when they may not see it)."""
    pool = visible_pool(session, actor, pool_id)
    ensure(
        session,
        actor,
        Action.EDIT,
        pool,
        doing="change this pool's rules: only an admin or its pool admins may",
    )
    return pool


def visible_rule(session: Session, actor: User, rule_id: int) -> RecycleRule:
    """The rule, or ``not_found`` when the actor may not see its pool."""
    rule = session.get(RecycleRule, rule_id)
    if rule is None or not can(session, actor, Action.VIEW, get_pool(session, rule.pool_id)):
        raise errors.NotFound(f"no recycle rule {rule_id}")
    return rule


def _rule_fields(rule: RecycleRule) -> dict[str, object]:
    return {
        "kind": rule.kind.value,
        "days": rule.days,
        "grades": rule.grades,
        "only_not_won": rule.only_not_won,
        "remind_days_before": rule.remind_days_before,
    }


def add_rule(session: Session, actor: User, pool_id: int, data: RuleInput) -> RecycleRule:
    return add_rules(session, actor, pool_id, [data])[0]


def add_rules(session: Session, actor: User, pool_id: int, data: list[RuleInput]) -> list[RecycleRule]:
    """Add several rules at once: the pool's due dates are refreshed once, not once per rule."""
    _ruled_pool(session, actor, pool_id)
    fields = [_validated_rule_fields(d) for d in data]
    _lock_for_rule_change(session, pool_id)
    rules = [RecycleRule(pool_id=pool_id, **f) for f in fields]
    session.add_all(rules)
    _apply_rule_change(session, pool_id)
    added = [{"rule_id": r.id, **_rule_fields(r)} for r in rules]
    audit(session, "rules_added", actor_id=actor.id, pool_id=pool_id, rules=added)
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


def preview_drops(session: Session, actor: User, pool_id: int, new_rules: list[RuleInput]) -> DropPreview:
    """The customers of the pool that would drop now if ``new_rules`` were added; changes nothing.

    The rules are added and the due dates refreshed inside a savepoint that is then rolled back, so
    the preview runs the very code a save would run.
    """
    savepoint = session.begin_nested()
    try:
        add_rules(session, actor, pool_id, new_rules)
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


def update_rule(session: Session, actor: User, rule_id: int, data: RuleInput) -> RecycleRule:
    rule = visible_rule(session, actor, rule_id)
    _ruled_pool(session, actor, rule.pool_id)
    fields = _validated_rule_fields(data)
    _lock_for_rule_change(session, rule.pool_id)
    before = _rule_fields(rule)
    for name, value in fields.items():
        setattr(rule, name, value)
    _apply_rule_change(session, rule.pool_id)
    after = _rule_fields(rule)
    changes = {name: [before[name], value] for name, value in after.items() if before[name] != value}
    audit(session, "rule_updated", actor_id=actor.id, pool_id=rule.pool_id, rule_id=rule.id, changes=changes)
    return rule


def delete_rule(session: Session, actor: User, rule_id: int) -> int:
    """Delete the rule; returns its pool's id."""
    rule = visible_rule(session, actor, rule_id)
    pool_id = rule.pool_id
    _ruled_pool(session, actor, pool_id)
    audit(
        session, "rule_deleted", actor_id=actor.id, pool_id=pool_id, rule_id=rule.id, rule=_rule_fields(rule)
    )
    _lock_for_rule_change(session, pool_id)
    session.execute(
        table_of(Customer).update().where(Customer.due_rule_id == rule_id).values(due_rule_id=None)
    )
    session.delete(rule)
    _apply_rule_change(session, pool_id)
    return pool_id
