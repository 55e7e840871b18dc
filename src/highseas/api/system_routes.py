"""Health, reminders and the on-demand sweep."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from highseas import clock
from highseas.api.deps import CurrentUser, Db, OneThread, ReadDb
from highseas.auth.permissions import Action, ensure
from highseas.customers import history
from highseas.customers.schemas import CustomerOut
from highseas.ownership.sweep import sweep

router = APIRouter(tags=["recycling"], route_class=OneThread)
health = APIRouter(tags=["health"], route_class=OneThread)


class SweepIn(BaseModel):
    dry_run: bool = False


class SweepOut(BaseModel):
    recycled: int
    reminded: int
    by_rule: dict[str, int]
    by_owner: dict[str, int]
    dry_run: bool


@router.post("/sweep")
def run_sweep(body: SweepIn, user: CurrentUser, session: Db) -> SweepOut:
    ensure(session, user, Action.ADMINISTER, doing="run the recycle sweep")
    report = sweep(session, clock.now(), dry_run=body.dry_run)
    if body.dry_run:
        session.rollback()
    return SweepOut(
        recycled=report.recycled,
        reminded=report.reminded,
        by_rule={str(k): v for k, v in report.by_rule.items()},
        by_owner={str(k): v for k, v in report.by_owner.items()},
        dry_run=report.dry_run,
    )


@router.get("/reminders")
def reminders(user: CurrentUser, session: ReadDb) -> list[CustomerOut]:
    """The caller's customers inside their reminder window, soonest drop first."""
    return history.reminders(session, user)


class Health(BaseModel):
    status: str


@health.get("/healthz")
def healthz(session: ReadDb) -> Health:
    session.execute(text("SELECT 1"))
    return Health(status="ok")
