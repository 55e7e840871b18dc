"""Pools and their recycle rules."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from highseas.api.deps import CurrentUser, Db, IdPath, OneThread, ReadDb
from highseas.auth.permissions import visible_pool
from highseas.pools import queries, service
from highseas.pools.models import Pool, RecycleRule
from highseas.pools.schemas import PoolIn, PoolOut, PoolPatch, RuleIn, RuleOut
from highseas.validation import reject_nulls

router = APIRouter(tags=["pools"], route_class=OneThread)


def pool_out(session: Session, pool: Pool) -> PoolOut:
    return PoolOut(id=pool.id, **asdict(service.pool_input(session, pool)))


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


@router.post("/pools", status_code=201)
def create_pool(body: PoolIn, user: CurrentUser, session: Db) -> PoolOut:
    return pool_out(session, service.create_pool(session, user, service.PoolInput(**body.model_dump())))


@router.get("/pools")
def list_pools(user: CurrentUser, session: ReadDb) -> list[PoolOut]:
    return [pool_out(session, p) for p in queries.visible_pools(session, user)]


@router.get("/pools/{pool_id}")
def get_pool(pool_id: IdPath, user: CurrentUser, session: ReadDb) -> PoolOut:
    return pool_out(session, visible_pool(session, user, pool_id))


@router.patch("/pools/{pool_id}")
def patch_pool(pool_id: IdPath, body: PoolPatch, user: CurrentUser, session: Db) -> PoolOut:
    """Only the fields sent change. Pool admins may change ``reclaim_protection_days`` and
    ``daily_claim_limit``; the rest is for admins."""
    current = service.pool_input(session, visible_pool(session, user, pool_id))
    merged = vars(current) | body.model_dump(exclude_unset=True)
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
    return pool_out(session, service.update_pool(session, user, pool_id, service.PoolInput(**merged)))


@router.post("/pools/{pool_id}/rules", status_code=201)
def add_rule(pool_id: IdPath, body: RuleIn, user: CurrentUser, session: Db) -> RuleOut:
    return rule_out(service.add_rule(session, user, pool_id, service.RuleInput(**body.model_dump())))


@router.get("/pools/{pool_id}/rules")
def list_rules(pool_id: IdPath, user: CurrentUser, session: ReadDb) -> list[RuleOut]:
    return [rule_out(r) for r in queries.pool_rules(session, visible_pool(session, user, pool_id).id)]


@router.put("/rules/{rule_id}")
def replace_rule(rule_id: IdPath, body: RuleIn, user: CurrentUser, session: Db) -> RuleOut:
    """Change a rule; every customer it touches gets its due date and reminder moved at once."""
    return rule_out(service.update_rule(session, user, rule_id, service.RuleInput(**body.model_dump())))


@router.delete("/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: IdPath, user: CurrentUser, session: Db) -> Response:
    service.delete_rule(session, user, rule_id)
    return Response(status_code=204)
