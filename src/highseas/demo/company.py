"""The demo company: its departments, pools and rules, its people, and setting it all up."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas import errors
from highseas.auth.permissions import SYSTEM
from highseas.demo.names import NamePicker
from highseas.org.models import Role, User
from highseas.org.queries import company_settings
from highseas.org.service import create_department, create_user
from highseas.pools.service import PoolInput, RuleInput, add_rule, create_pool

DEMO_PASSWORD = "open-sea-demo"
DEFAULT_CAPACITY = 150
NEW_HIRE_CAPACITY = 30

# --- The company -------------------------------------------------------------------------------

HEADQUARTERS = "总部"
DIVISIONS = {"销售一部": ("华东组", "华南组"), "销售二部": ("华北组", "西部组"), "渠道部": ()}
REP_TEAMS = ("华东组", "华南组", "华北组", "西部组", "渠道部")
TEAM_AREA = {"华东组": "华东", "华南组": "华南", "华北组": "华北", "西部组": "西部"}


@dataclass(frozen=True)
class PoolSpec:
    name: str
    members: str  # a department: it and everything below it
    source: str | None
    share: float  # of all customers, whose leads come in through this pool
    protection_days: int
    daily_limit: int
    rules: tuple[RuleInput, ...]
    hide_contact: bool = False


def _no_followup(days: int, grades: list[str] | None = None, remind: int = 3) -> RuleInput:
    return RuleInput("no_followup", days, grades, only_not_won=True, remind_days_before=remind)


# The company pool's grade rules are the scenario of the seed articles: B 25 days, C and D 10,
# E 40 without a follow-up; A customers are only held to the deal rule.
COMPANY_RULES = (
    _no_followup(25, ["B"]),
    _no_followup(10, ["C", "D"]),
    _no_followup(40, ["E"]),
    RuleInput("no_deal", 90, remind_days_before=3),
    RuleInput("no_repurchase", 180, remind_days_before=3),
)
POOLS = (
    PoolSpec("公司公海", HEADQUARTERS, source=None, share=0.45, protection_days=7, daily_limit=20,
             rules=COMPANY_RULES, hide_contact=True),
    PoolSpec("展会线索", "销售一部", source="展会", share=0.20, protection_days=3, daily_limit=10,
             rules=(_no_followup(15), RuleInput("no_deal", 60, remind_days_before=3))),
    PoolSpec("官网询盘", "销售二部", source="官网", share=0.20, protection_days=3, daily_limit=10,
             rules=(_no_followup(7, remind=2), RuleInput("no_deal", 45, remind_days_before=3))),
    PoolSpec("渠道合作", "渠道部", source="渠道", share=0.15, protection_days=5, daily_limit=10,
             rules=(_no_followup(30),)),
)  # fmt: skip
COMPANY_POOL_SOURCES = ("转介绍", "陌拜", "电话营销", "老客户推荐", "自主开发")


# --- Who is who ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Habits:
    diligence: float  # the odds of acting on a reminder: 0.2 lets most customers drop
    book_target: int  # customers the rep tries to hold
    claims_per_day: int
    capacity: int | None = None  # a personal capacity instead of the company default
    greedy: bool = False  # goes back for the customers they lost, which reclaim protection refuses


@dataclass(frozen=True)
class Rep:
    user_id: int
    division: str
    pool_ids: tuple[int, ...]
    area: str | None
    habits: Habits

    @property
    def capacity(self) -> int:
        return self.habits.capacity if self.habits.capacity is not None else DEFAULT_CAPACITY


@dataclass(frozen=True)
class Manager:
    user_id: int
    pool_ids: tuple[int, ...]
    reps: tuple[Rep, ...]


@dataclass
class Company:
    admin_id: int
    zone: ZoneInfo
    pool_ids: dict[str | None, int]  # by source; None is the company pool
    reps: list[Rep] = field(default_factory=list)
    managers: list[Manager] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


# --- Setting up ------------------------------------------------------------------------------------


def _build_org(session: Session) -> dict[str, int]:
    """The department tree; department ids by name."""
    ids = {HEADQUARTERS: create_department(session, SYSTEM, HEADQUARTERS).id}
    for division, teams in DIVISIONS.items():
        ids[division] = create_department(session, SYSTEM, division, ids[HEADQUARTERS]).id
        for team in teams:
            ids[team] = create_department(session, SYSTEM, team, ids[division]).id
    return ids


def _division_of(team: str) -> str:
    return next(d for d, teams in DIVISIONS.items() if team == d or team in teams)


def _build_pools(
    session: Session, departments: dict[str, int], admins: dict[str, int]
) -> dict[str | None, int]:
    pool_ids: dict[str | None, int] = {}
    for spec in POOLS:
        pool_admins = [admins[spec.members]] if spec.members in admins else []
        data = PoolInput(
            name=spec.name,
            member_user_ids=[],
            member_department_ids=[departments[spec.members]],
            admin_user_ids=pool_admins,
            hide_contact=spec.hide_contact,
            reclaim_protection_days=spec.protection_days,
            daily_claim_limit=spec.daily_limit,
            source=spec.source,
        )
        pool = create_pool(session, SYSTEM, data)
        for rule in spec.rules:
            add_rule(session, SYSTEM, pool.id, rule)
        pool_ids[spec.source] = pool.id
    return pool_ids


def _pools_of(division: str, pool_ids: dict[str | None, int]) -> tuple[int, ...]:
    return tuple(pool_ids[spec.source] for spec in POOLS if spec.members in (HEADQUARTERS, division))


def _habits(rng: random.Random, number: int, share: int) -> Habits:
    """Most reps hold part of their share and answer most reminders. In every ten there is a
    hoarder, who claims all the capacity allows, neglects it and tries to grab lost customers
    back, and a new hire on a small personal capacity, who claims more than it allows."""
    if number % 10 == 1:
        return Habits(rng.uniform(0.2, 0.4), DEFAULT_CAPACITY, 3, greedy=True)
    if number % 10 == 2:
        return Habits(rng.uniform(0.8, 1.0), NEW_HIRE_CAPACITY + 1, 3, capacity=NEW_HIRE_CAPACITY)
    target = max(3, min(DEFAULT_CAPACITY, round(share * rng.uniform(0.2, 0.4))))
    return Habits(rng.uniform(0.4, 1.0), target, rng.randint(2, 4))


def _create_user(
    session: Session, names: NamePicker, role: Role, department_id: int, capacity: int | None = None
) -> User:
    name, username = names.user()
    return create_user(session, SYSTEM, username, DEMO_PASSWORD, role, department_id, name, capacity=capacity)


def _create_reps(
    session: Session,
    rng: random.Random,
    names: NamePicker,
    company: Company,
    departments: dict[str, int],
    *,
    reps: int,
    share: int,
) -> None:
    for number in range(reps):
        team = REP_TEAMS[number % len(REP_TEAMS)]
        habits = _habits(rng, number, share)
        user = _create_user(session, names, Role.SALES, departments[team], habits.capacity)
        division = _division_of(team)
        company.reps.append(
            Rep(user.id, division, _pools_of(division, company.pool_ids), TEAM_AREA.get(team), habits)
        )
        company.logins.append(f"{user.username} ({user.name}, {team})")


def build_company(session: Session, rng: random.Random, *, reps: int, customers: int) -> Company:
    if session.scalar(select(User.id).limit(1)) is not None:
        raise errors.InvalidInput("database", "already has data; the demo only fills an empty database")
    settings = company_settings(session)
    settings.default_capacity = DEFAULT_CAPACITY
    departments = _build_org(session)
    admin = create_user(
        session, SYSTEM, "admin", DEMO_PASSWORD, Role.ADMIN, departments[HEADQUARTERS], "系统管理员"
    )
    names = NamePicker(rng)
    managers = {d: _create_user(session, names, Role.MANAGER, departments[d]) for d in DIVISIONS}
    pool_ids = _build_pools(session, departments, {d: m.id for d, m in managers.items()})
    company = Company(admin.id, ZoneInfo(settings.timezone), pool_ids)
    company.logins = ["admin (系统管理员)"] + [
        f"{m.username} ({m.name}, {d}经理)" for d, m in managers.items()
    ]
    _create_reps(session, rng, names, company, departments, reps=reps, share=max(1, customers // reps))
    for division, manager in managers.items():
        team = tuple(r for r in company.reps if r.division == division)
        company.managers.append(Manager(manager.id, _pools_of(division, pool_ids), team))
    return company
