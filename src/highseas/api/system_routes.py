"""Health, reminders and the on-demand sweep."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from highseas.api.deps import CurrentUser, Db, OneThread, ReadDb
from highseas.customers import history
from highseas.customers.schemas import CustomerOut
from highseas.ownership import sweep as recycling

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
    report = recycling.run_sweep(session, user, dry_run=body.dry_run)
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
