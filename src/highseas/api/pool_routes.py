"""Pools and their recycle rules."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas import errors
from highseas.api.deps import CurrentUser, Db, IdPath, OneThread, ReadDb
from highseas.auth.permissions import Action, can, ensure, visible_pool
from highseas.org.models import User
from highseas.pools import service
from highseas.pools.models import Pool, PoolAdmin, PoolMemberDepartment, PoolMemberUser, RecycleRule
from highseas.pools.schemas import PoolIn, PoolOut, PoolPatch, RuleIn, RuleOut
from highseas.validation import reject_nulls

router = APIRouter(tags=["pools"], route_class=OneThread)


def pool_out(session: Session, pool: Pool) -> PoolOut:
    def ids(model: type[PoolMemberUser] | type[PoolAdmin], column: str) -> list[int]:
        return sorted(session.scalars(select(getattr(model, column)).where(model.pool_id == pool.id)))

    departments = session.scalars(
        select(PoolMemberDepartment.department_id).where(PoolMemberDepartment.pool_id == pool.id)
    )
    return PoolOut(
        id=pool.id,
        name=pool.name,
        member_user_ids=ids(PoolMemberUser, "user_id"),
        member_department_ids=sorted(departments),
        admin_user_ids=ids(PoolAdmin, "user_id"),
        hide_contact=pool.hide_contact,
        reclaim_protection_days=pool.reclaim_protection_days,
        daily_claim_limit=pool.daily_claim_limit,
        source=pool.source,
        public_custom_fields=pool.public_custom_fields,
    )


def rule_out(rule: RecycleRule) -> RuleOut:
    return RuleOut(
        id=rule.id,
        pool_id=rule.pool_id,
        kind=rule.kind.value,
        days=rule.days,
        grades=list(rule.grades) if rule.grades else None,  # type: ignore[arg-type]
        only_not_won=rule.only_not_won,
        remind_days_before=rule.remind_days_before,
    )


def _managed_pool(session: Session, user: User, pool_id: int) -> Pool:
    pool = visible_pool(session, user, pool_id)
    ensure(session, user, Action.EDIT, pool, doing="change this pool: only an admin or its pool admins may")
    return pool


@router.post("/pools", status_code=201)
def create_pool(body: PoolIn, user: CurrentUser, session: Db) -> PoolOut:
    ensure(session, user, Action.ADMINISTER, doing="create pools")
    return pool_out(session, service.create_pool(session, service.PoolInput(**body.model_dump())))


@router.get("/pools")
def list_pools(user: CurrentUser, session: ReadDb) -> list[PoolOut]:
    visible = service.visible_pool_ids(session, user)
    pools = session.scalars(select(Pool).where(Pool.id.in_(visible)).order_by(Pool.id))
    return [pool_out(session, p) for p in pools]


@router.get("/pools/{pool_id}")
def get_pool(pool_id: IdPath, user: CurrentUser, session: ReadDb) -> PoolOut:
    return pool_out(session, visible_pool(session, user, pool_id))


@router.patch("/pools/{pool_id}")
def patch_pool(pool_id: IdPath, body: PoolPatch, user: CurrentUser, session: Db) -> PoolOut:
    _managed_pool(session, user, pool_id)
    current = pool_out(session, service.get_pool(session, pool_id)).model_dump(exclude={"id"})
    merged = current | body.model_dump(exclude_unset=True)
    reject_nulls(
        merged,
        (
            "name",
            "member_user_ids",
            "member_department_ids",
            "admin_user_ids",
            "hide_contact",
            "public_custom_fields",
        ),
    )
    return pool_out(session, service.update_pool(session, pool_id, service.PoolInput(**merged)))


@router.post("/pools/{pool_id}/rules", status_code=201)
def add_rule(pool_id: IdPath, body: RuleIn, user: CurrentUser, session: Db) -> RuleOut:
    _managed_pool(session, user, pool_id)
    return rule_out(service.add_rule(session, pool_id, service.RuleInput(**body.model_dump())))


@router.get("/pools/{pool_id}/rules")
def list_rules(pool_id: IdPath, user: CurrentUser, session: ReadDb) -> list[RuleOut]:
    visible_pool(session, user, pool_id)
    return [rule_out(r) for r in service.pool_rules(session, pool_id)]


def _managed_rule(session: Session, user: User, rule_id: int) -> RecycleRule:
    rule = session.get(RecycleRule, rule_id)
    if rule is None or not can(session, user, Action.VIEW, service.get_pool(session, rule.pool_id)):
        raise errors.NotFound(f"no recycle rule {rule_id}")
    _managed_pool(session, user, rule.pool_id)
    return rule


@router.put("/rules/{rule_id}")
def replace_rule(rule_id: IdPath, body: RuleIn, user: CurrentUser, session: Db) -> RuleOut:
    """Change a rule; every customer it touches gets its due date and reminder moved at once."""
    _managed_rule(session, user, rule_id)
    return rule_out(service.update_rule(session, rule_id, service.RuleInput(**body.model_dump())))


@router.delete("/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: IdPath, user: CurrentUser, session: Db) -> Response:
    _managed_rule(session, user, rule_id)
    service.delete_rule(session, rule_id)
    return Response(status_code=204)
