"""Playing the history: the starting list of customers, then day by day the nightly sweep and the day's work.

A simulated day is two transactions: the nightly sweep, then everyone's work. Inside the work
transaction each attempt gets a SAVEPOINT, because a claim refused by the rules (reclaim protection,
capacity, daily limit) is part of the story and must not undo the rest of the day.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial

from rich.progress import Progress
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.db import session_scope
from highseas.demo.company import Company
from highseas.demo.leads import Lead
from highseas.demo.plan import DAY, Action, Day, Step, create_lead, plan_day, snapshot
from highseas.org.models import User
from highseas.org.queries import company_settings
from highseas.ownership.sweep import sweep
from highseas.pools.models import Pool

SWEEP_HOUR = 1.0
CREATE_BATCH = 500  # customers per transaction while the starting list is created


def _attempt(session: Session, action: Action) -> str | None:
    """Run one action in a SAVEPOINT; the code of the rule that refused it, if one did."""
    try:
        with session.begin_nested():
            action(session)
    except errors.DomainError as refusal:
        return refusal.code
    return None


def _keep_resident(session: Session) -> None:
    """Hold the users, pools and settings that every service call reads for the whole transaction:
    the identity map only keeps weak references, so otherwise each call would load them again."""
    session.info["resident"] = [*session.scalars(select(User)), *session.scalars(select(Pool))]
    session.info["resident"].append(company_settings(session))


def _run_steps(session: Session, steps: Iterable[Step], refused: Counter[tuple[str, str]]) -> None:
    _keep_resident(session)
    for step in steps:
        clock.set_now(step.at)
        code = _attempt(session, step.action)
        if code is not None:
            refused[step.kind, code] += 1


def _starting_list(
    rng: random.Random, company: Company, leads: Sequence[Lead], start: datetime
) -> tuple[list[Step], list[Lead]]:
    """Steps creating the customers there at ``start``, and the leads left to arrive later.

    Each rep brings a few customers of their own into the company pool; the pools hold half of the rest.
    """
    in_company_pool = [i for i, lead in enumerate(leads) if lead.pool_id == company.pool_ids[None]]
    bringers = [r.user_id for r in company.reps for _ in range(r.habits.book_target // 4)]
    brought_by = dict(zip(in_company_pool, bringers, strict=False))
    others = [lead for i, lead in enumerate(leads) if i not in brought_by]
    half = len(others) // 2
    steps = [
        Step(start, "create", partial(create_lead, actor_id=rep_id, lead=leads[i], in_pool=False))
        for i, rep_id in brought_by.items()
    ]
    steps += [
        Step(start, "create", partial(create_lead, actor_id=company.admin_id, lead=lead, in_pool=True))
        for lead in others[:half]
    ]
    rng.shuffle(steps)
    return steps, others[half:]


def _arrivals_by_day(rng: random.Random, leads: Sequence[Lead], days: int) -> dict[int, list[Lead]]:
    by_day: dict[int, list[Lead]] = defaultdict(list)
    for lead in leads:
        by_day[rng.randint(1, days)].append(lead)
    return by_day


def _nightly_sweep(engine: Engine, day: Day) -> None:
    at = day.at(SWEEP_HOUR)
    if at <= day.end:
        clock.set_now(at)
        with session_scope(engine) as session:
            sweep(session)


def _create_starting_list(
    engine: Engine, steps: Sequence[Step], refused: Counter[tuple[str, str]], progress: Progress
) -> None:
    creating = progress.add_task("creating customers", total=len(steps))
    for first in range(0, len(steps), CREATE_BATCH):
        batch = steps[first : first + CREATE_BATCH]
        with session_scope(engine) as session:
            _run_steps(session, batch, refused)
        progress.advance(creating, len(batch))


def simulate(
    engine: Engine,
    rng: random.Random,
    company: Company,
    leads: Sequence[Lead],
    *,
    start: datetime,
    end: datetime,
    days: int,
    progress: Progress,
) -> Counter[tuple[str, str]]:
    """Play the history from ``start`` to ``end``; what the rules refused, by action and code."""
    refused: Counter[tuple[str, str]] = Counter()
    starting_list, later = _starting_list(rng, company, leads, start)
    _create_starting_list(engine, starting_list, refused, progress)
    arrivals = _arrivals_by_day(rng, later, days)
    simulating = progress.add_task("simulating history", total=days)
    for number in range(1, days + 1):
        day = Day((start + number * DAY).astimezone(company.zone).date(), company.zone, end)
        _nightly_sweep(engine, day)
        with session_scope(engine) as session:
            _run_steps(session, plan_day(rng, company, snapshot(session), day, arrivals[number]), refused)
        progress.advance(simulating)
    clock.set_now(end)
    with session_scope(engine) as session:
        sweep(session)  # so that nothing overdue is left owned "now"
    return refused
