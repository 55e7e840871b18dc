"""A simulated day's plan: how the reps and managers behave, as steps through the services.

Each step is one service call at a time of day; the plan is drawn from a snapshot of the customers as
the day begins.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from operator import attrgetter
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas.customers.models import Customer, Stage
from highseas.customers.service import create_customer, log_followup, record_deal, update_customer
from highseas.demo.company import Company, Manager, Rep
from highseas.demo.leads import AREA_OF_REGION, Lead
from highseas.org.models import User
from highseas.ownership import service as ownership

DAY = timedelta(hours=24)

# --- How people behave ---------------------------------------------------------------------------

CLAIM_APPEAL = {"A": 5.0, "B": 4.0, "C": 2.0, "D": 1.5, "E": 1.0}
DEAL_ODDS = {"A": 0.02, "B": 0.012, "C": 0.006, "D": 0.003, "E": 0.001}
DEAL_YUAN = {
    "A": (50_000, 500_000),
    "B": (20_000, 200_000),
    "C": (5_000, 80_000),
    "D": (2_000, 30_000),
    "E": (1_000, 10_000),
}
RELEASE_ODDS = {"E": 0.008}
ROUTINE_RELEASE_ODDS = 0.002
REPURCHASE_ODDS = 0.004
ROUTINE_CONTACT_ODDS = 0.03
WON_CONTACT_ODDS = 0.02
PROMOTE_ODDS = 0.5
MOST_CONTACTS_PER_DAY = 12
AT_WORK_ODDS = (0.95, 0.95, 0.95, 0.95, 0.95, 0.25, 0.1)  # Monday … Sunday
MANAGER_ASSIGN_ODDS = 0.5
REMINDER_WINDOW = timedelta(days=3)
WORK_HOURS, INTAKE_HOURS = (8.5, 18.5), (8.0, 22.0)

FOLLOWUP_KINDS = {"call": 45, "message": 25, "email": 12, "visit": 10, "meeting": 8}
FOLLOWUP_NOTES = {
    "call": (
        "电话沟通报价，客户考虑中",
        "电话回访，客户暂时没有预算",
        "确认需求细节，约下周拜访",
        "客户要求发送产品资料",
    ),
    "message": ("微信发送报价单", "微信跟进，客户说月底再谈", "发送案例资料，客户已读未回"),
    "email": ("邮件发送正式报价", "邮件发送合同草稿", "邮件回复客户的技术问题"),
    "visit": (
        "上门拜访，演示产品，客户反馈不错",
        "拜访采购负责人，了解年度采购计划",
        "现场勘察，客户关心售后服务",
    ),
    "meeting": ("与客户技术团队评估方案", "商务谈判，客户希望再降5%", "线上会议演示系统功能"),
}
DEAL_NOTE = "签订合同，客户下单"
RELEASE_REASONS = (
    "客户暂无需求",
    "客户已选择竞品",
    "联系方式无效，多次无人接听",
    "客户预算不足，明年再联系",
    "非目标客户",
)


# --- A day's plan --------------------------------------------------------------------------------


Action = Callable[[Session], object]


@dataclass(frozen=True)
class Step:
    at: datetime
    kind: str
    action: Action


@dataclass(frozen=True)
class Day:
    date: date
    zone: ZoneInfo
    end: datetime  # the real "now": nothing is simulated after it

    def at(self, hours: float) -> datetime:
        midnight = datetime.combine(self.date, time.min, tzinfo=self.zone)
        return (midnight + timedelta(seconds=round(hours * 3600))).astimezone(UTC)

    def during(self, rng: random.Random, hours: tuple[float, float]) -> datetime:
        return self.at(rng.uniform(*hours))


@dataclass(frozen=True)
class Owned:
    id: int
    grade: str | None
    won: bool
    stage: Stage
    due_at: datetime | None
    claimed_at: datetime | None
    last_followup_at: datetime | None


@dataclass(frozen=True)
class Pooled:
    id: int
    grade: str | None
    area: str | None
    previous_owner_id: int | None


@dataclass
class World:
    """The customers as the day begins, and which pool customers someone already went for."""

    owned: dict[int | None, list[Owned]]  # by owner
    pooled: dict[int, list[Pooled]]  # by pool
    taken: set[int] = field(default_factory=set)
    gained: Counter[int] = field(default_factory=Counter)

    def book_size(self, user_id: int) -> int:
        return len(self.owned.get(user_id, ())) + self.gained[user_id]


def snapshot(session: Session) -> World:
    """Read through the connection, not the ORM: the plan needs plain values, thousands a day."""
    c = Customer.__table__.c
    live = c.deleted_at.is_(None)
    world = World(owned=defaultdict(list), pooled=defaultdict(list))
    connection = session.connection()
    owned = select(c.owner_id, c.id, c.grade, c.won, c.stage, c.due_at, c.claimed_at, c.last_followup_at)
    for row in connection.execute(owned.where(live, c.owner_id.is_not(None)).order_by(c.id)):
        world.owned[row.owner_id].append(
            Owned(row.id, row.grade, row.won, row.stage, row.due_at, row.claimed_at, row.last_followup_at)
        )
    in_pool = select(c.pool_id, c.id, c.grade, c.region, c.previous_owner_id)
    for unowned in connection.execute(in_pool.where(live, c.owner_id.is_(None)).order_by(c.id)):
        area = AREA_OF_REGION.get(unowned.region or "")
        world.pooled[unowned.pool_id].append(
            Pooled(unowned.id, unowned.grade, area, unowned.previous_owner_id)
        )
    return world


def _user(session: Session, user_id: int) -> User:
    return session.get_one(User, user_id)


def create_lead(session: Session, actor_id: int, lead: Lead, in_pool: bool) -> None:
    create_customer(session, _user(session, actor_id), lead.data, pool_id=lead.pool_id, in_pool=in_pool)


def _claim(session: Session, rep_id: int, customer_id: int) -> None:
    ownership.claim(session, _user(session, rep_id), customer_id)


def _assign(session: Session, manager_id: int, customer_id: int, rep_id: int) -> None:
    ownership.assign(session, _user(session, manager_id), customer_id, rep_id)


def _release(session: Session, rep_id: int, customer_id: int, reason: str) -> None:
    ownership.release(session, _user(session, rep_id), customer_id, reason)


def _follow_up(
    session: Session, *, rep_id: int, customer_id: int, kind: str, note: str, promote: bool
) -> None:
    rep = _user(session, rep_id)
    log_followup(session, rep, customer_id, kind, note)
    if promote:
        update_customer(session, rep, customer_id, {"stage": Stage.OPPORTUNITY.value})


def _close_deal(session: Session, rep_id: int, customer_id: int, amount: Decimal) -> None:
    rep = _user(session, rep_id)
    log_followup(session, rep, customer_id, "meeting", DEAL_NOTE)
    record_deal(session, rep, customer_id, amount)


def _deal_amount(rng: random.Random, grade: str | None) -> Decimal:
    low, high = DEAL_YUAN[grade or "E"]
    return Decimal(rng.randrange(low, high, 100))


def _care_for(rng: random.Random, rep: Rep, customer: Owned, day: Day) -> str | None:
    """What the rep does today with one customer they own, if anything."""
    grade = customer.grade or "E"
    if customer.won:
        if rng.random() < REPURCHASE_ODDS * rep.habits.diligence:
            return "deal"
        return "follow_up" if rng.random() < WON_CONTACT_ODDS else None
    worked_on = customer.last_followup_at is not None and (
        customer.claimed_at is None or customer.last_followup_at > customer.claimed_at
    )
    if worked_on and rng.random() < DEAL_ODDS[grade] * (0.5 + rep.habits.diligence):
        return "deal"
    if rng.random() < RELEASE_ODDS.get(grade, ROUTINE_RELEASE_ODDS):
        return "release"
    # A reminder arrives three days before a customer drops: the diligent act on it, the lazy don't.
    urgent = customer.due_at is not None and customer.due_at - day.at(0) <= REMINDER_WINDOW
    odds = rep.habits.diligence if urgent else ROUTINE_CONTACT_ODDS * rep.habits.diligence
    return "follow_up" if rng.random() < odds else None


def _care_action(rng: random.Random, rep: Rep, customer: Owned, intent: str) -> Action:
    if intent == "deal":
        amount = _deal_amount(rng, customer.grade)
        return partial(_close_deal, rep_id=rep.user_id, customer_id=customer.id, amount=amount)
    if intent == "release":
        reason = rng.choice(RELEASE_REASONS)
        return partial(_release, rep_id=rep.user_id, customer_id=customer.id, reason=reason)
    kind = rng.choices(list(FOLLOWUP_KINDS), weights=list(FOLLOWUP_KINDS.values()))[0]
    note = rng.choice(FOLLOWUP_NOTES[kind])
    promote = customer.stage is Stage.LEAD and kind in ("visit", "meeting") and rng.random() < PROMOTE_ODDS
    return partial(
        _follow_up, rep_id=rep.user_id, customer_id=customer.id, kind=kind, note=note, promote=promote
    )


def _care_steps(rng: random.Random, rep: Rep, book: Sequence[Owned], day: Day) -> list[Step]:
    """The rep's day with their own customers, soonest due first, as a rep with reminders would."""
    steps: list[Step] = []
    contacts = 0
    for customer in sorted(book, key=lambda c: (c.due_at or day.end + 365 * DAY, c.id)):
        intent = _care_for(rng, rep, customer, day)
        if intent == "follow_up":
            if contacts == MOST_CONTACTS_PER_DAY:
                continue
            contacts += 1
        if intent is not None:
            steps.append(Step(day.during(rng, WORK_HOURS), intent, _care_action(rng, rep, customer, intent)))
    return steps


def _pick_from_pools(
    rng: random.Random, world: World, pool_ids: Iterable[int], appeal: Callable[[Pooled], float]
) -> Pooled | None:
    """Browse a handful of pool customers and take the most appealing one nobody went for today."""
    pools = [world.pooled[p] for p in pool_ids if world.pooled.get(p)]
    if not pools:
        return None
    seen = [rng.choice(pool) for pool in rng.choices(pools, weights=[len(p) for p in pools], k=8)]
    fresh = [c for c in seen if c.id not in world.taken]
    if not fresh:
        return None
    best = max(fresh, key=lambda c: appeal(c) * rng.random())
    world.taken.add(best.id)
    return best


def _claim_steps(rng: random.Random, rep: Rep, world: World, day: Day) -> list[Step]:
    wanted = min(rep.habits.claims_per_day, rep.habits.book_target - world.book_size(rep.user_id))
    steps: list[Step] = []

    def appeal(c: Pooled) -> float:
        appeal = CLAIM_APPEAL.get(c.grade or "E", 1.0) * (2.0 if c.area == rep.area else 1.0)
        if c.previous_owner_id == rep.user_id:
            appeal *= 3.0 if rep.habits.greedy else 0.1
        return appeal

    for _ in range(max(0, wanted)):
        customer = _pick_from_pools(rng, world, rep.pool_ids, appeal)
        if customer is not None:
            action = partial(_claim, rep_id=rep.user_id, customer_id=customer.id)
            steps.append(Step(day.during(rng, WORK_HOURS), "claim", action))
    return steps


def _manager_steps(rng: random.Random, manager: Manager, world: World, day: Day) -> list[Step]:
    """Now and then a manager hands a promising pool customer to the rep with the most room."""
    if not manager.reps or day.date.weekday() >= 5 or rng.random() > MANAGER_ASSIGN_ODDS:
        return []
    steps: list[Step] = []
    for _ in range(rng.randint(1, 2)):
        customer = _pick_from_pools(
            rng, world, manager.pool_ids, lambda c: CLAIM_APPEAL.get(c.grade or "E", 1.0)
        )
        if customer is None:
            break
        rep = max(manager.reps, key=lambda r: (r.capacity - world.book_size(r.user_id), -r.user_id))
        world.gained[rep.user_id] += 1
        action = partial(_assign, manager_id=manager.user_id, customer_id=customer.id, rep_id=rep.user_id)
        steps.append(Step(day.during(rng, WORK_HOURS), "assign", action))
    return steps


def _intake_steps(rng: random.Random, company: Company, arrivals: Sequence[Lead], day: Day) -> list[Step]:
    """New leads land in their pools all day (web forms, trade-fair lists, partners)."""
    create = partial(create_lead, actor_id=company.admin_id, in_pool=True)
    return [
        Step(min(day.during(rng, INTAKE_HOURS), day.end), "create", partial(create, lead=lead))
        for lead in arrivals
    ]


def plan_day(
    rng: random.Random, company: Company, world: World, day: Day, arrivals: Sequence[Lead]
) -> list[Step]:
    steps = _intake_steps(rng, company, arrivals, day)
    for rep in company.reps:
        if rng.random() < AT_WORK_ODDS[day.date.weekday()]:
            steps += _care_steps(rng, rep, world.owned.get(rep.user_id, ()), day)
            steps += _claim_steps(rng, rep, world, day)
    for manager in company.managers:
        steps += _manager_steps(rng, manager, world, day)
    return sorted((s for s in steps if s.at <= day.end), key=attrgetter("at"))
