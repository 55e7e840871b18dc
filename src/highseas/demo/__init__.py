"""``highseas demo``: a demo company with months of history, simulated through the real services.

Nothing here writes ownership, due dates or events itself. The history is played day by day on the
one clock: every claim, release, assign, follow-up and deal goes through the services the API uses
and the recycle sweep runs every night, so the event log, due dates, reminders and refusals are
exactly what a real company would have after those months.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime
from decimal import Decimal

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.customers.models import Customer, Deal, FollowUp
from highseas.db import session_scope
from highseas.demo.company import DEMO_PASSWORD, POOLS, Company, build_company
from highseas.demo.leads import LeadMaker
from highseas.demo.plan import DAY, REMINDER_WINDOW
from highseas.demo.simulation import simulate
from highseas.org.models import Department
from highseas.ownership.models import EventKind, OwnershipEvent, Reminder

__all__ = ["DEMO_PASSWORD", "load_demo"]


def _count(session: Session, query: Select[int]) -> int:
    return session.scalar(query) or 0


def _summary(
    engine: Engine, company: Company, refused: Counter[tuple[str, str]], *, days: int, end: datetime
) -> str:
    count = select(func.count())
    with session_scope(engine) as session:
        departments = _count(session, count.select_from(Department))
        owned = _count(session, count.where(Customer.owner_id.is_not(None)))
        pooled = _count(session, count.where(Customer.owner_id.is_(None)))
        due_soon = _count(session, count.where(Customer.due_at <= end + REMINDER_WINDOW))
        followups = _count(session, count.select_from(FollowUp))
        reminders = _count(session, count.select_from(Reminder))
        deals, revenue = session.execute(select(func.count(), func.coalesce(func.sum(Deal.amount), 0))).one()
        by_kind = select(OwnershipEvent.kind, func.count()).group_by(OwnershipEvent.kind)
        events: Counter[EventKind] = Counter({kind: n for kind, n in session.execute(by_kind)})
    refusals = ", ".join(f"{n} {kind}s ({code})" for (kind, code), n in refused.most_common()) or "none"
    local_end = end.astimezone(company.zone).strftime("%Y-%m-%d %H:%M")
    return "\n".join(
        (
            f"Demo company loaded: {departments} departments, 1 admin, {len(company.managers)} managers, "
            f"{len(company.reps)} sales reps, {len(POOLS)} pools, {owned + pooled} customers.",
            f"History: {days} days up to {local_end} ({company.zone.key}): "
            f"{events[EventKind.CLAIM]} claims, {events[EventKind.ASSIGN]} assigns, "
            f"{events[EventKind.RELEASE]} releases, {events[EventKind.RECYCLE]} recycled by the rules; "
            f"{followups} follow-ups, {deals} deals worth ¥{Decimal(revenue):,.0f}, {reminders} reminders.",
            f"Refused by the rules: {refusals}.",
            f"Now: {owned} customers owned, {pooled} in pools, {due_soon} due to drop within 3 days.",
            f"Every account's password: {DEMO_PASSWORD}",
            "Log in as: " + ", ".join(company.logins),
        )
    )


def load_demo(engine: Engine, *, reps: int, customers: int, days: int, seed: int, console: Console) -> str:
    """Fill an empty database with a demo company whose history ends now; return a summary."""
    for name, value, least in (("reps", reps, 1), ("customers", customers, 0), ("days", days, 1)):
        if value < least:
            raise errors.InvalidInput(name, f"must be at least {least}")
    rng = random.Random(seed)
    # The clock is process-wide: put back exactly what the caller had (frozen or running).
    original = clock.frozen_at()
    end = clock.now()
    start = end - days * DAY
    try:
        clock.set_now(start)
        with session_scope(engine) as session:
            company = build_company(session, rng, reps=reps, customers=customers)
        maker = LeadMaker(rng, company.pool_ids)
        leads = [maker.lead() for _ in range(customers)]
        with Progress(console=console) as progress:
            refused = simulate(
                engine, rng, company, leads, start=start, end=end, days=days, progress=progress
            )
        return _summary(engine, company, refused, days=days, end=end)
    finally:
        clock.set_now(original)
