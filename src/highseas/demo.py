"""``highseas demo``: a demo company with months of history, simulated through the real services.

Nothing here writes ownership, due dates or events itself. The history is played day by day on the
one clock: every claim, release, assign, follow-up and deal goes through the services the API uses
and the recycle sweep runs every night, so the event log, due dates, reminders and refusals are
exactly what a real company would have after those months.

A simulated day is two transactions: the nightly sweep, then everyone's work. Inside the work
transaction each attempt gets a SAVEPOINT, because a claim refused by the rules (reclaim protection,
capacity, daily limit) is part of the story and must not undo the rest of the day.
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

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.customers.models import Customer, Deal, FollowUp, Stage
from highseas.customers.service import (
    CustomerInput,
    create_customer,
    log_followup,
    record_deal,
    update_customer,
)
from highseas.db import session_scope
from highseas.org.models import Department, Role, User
from highseas.org.service import company_settings, create_department, create_user
from highseas.ownership import service as ownership
from highseas.ownership.models import EventKind, OwnershipEvent, Reminder
from highseas.ownership.sweep import sweep
from highseas.pools.models import Pool
from highseas.pools.service import PoolInput, RuleInput, add_rule, create_pool

DEMO_PASSWORD = "highseas-demo"
DEFAULT_CAPACITY = 150
NEW_HIRE_CAPACITY = 30
DAY = timedelta(hours=24)

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

# --- Names -------------------------------------------------------------------------------------

SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
    ("高", "gao"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
)  # fmt: skip
GIVEN_NAMES = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
    ("洋", "yang"), ("婷", "ting"), ("强", "qiang"), ("军", "jun"), ("杰", "jie"), ("涛", "tao"),
    ("丽", "li"), ("超", "chao"), ("明", "ming"), ("霞", "xia"), ("建华", "jianhua"), ("志强", "zhiqiang"),
    ("晓东", "xiaodong"), ("海燕", "haiyan"), ("子涵", "zihan"), ("浩然", "haoran"), ("雨萱", "yuxuan"),
    ("俊杰", "junjie"), ("秀英", "xiuying"), ("文博", "wenbo"), ("嘉怡", "jiayi"), ("思远", "siyuan"),
)  # fmt: skip
CITIES = (
    ("上海", "上海", "华东"), ("杭州", "浙江", "华东"), ("宁波", "浙江", "华东"), ("苏州", "江苏", "华东"),
    ("南京", "江苏", "华东"), ("合肥", "安徽", "华东"), ("济南", "山东", "华北"), ("青岛", "山东", "华北"),
    ("北京", "北京", "华北"), ("天津", "天津", "华北"), ("石家庄", "河北", "华北"), ("郑州", "河南", "华北"),
    ("广州", "广东", "华南"), ("深圳", "广东", "华南"), ("东莞", "广东", "华南"), ("厦门", "福建", "华南"),
    ("长沙", "湖南", "华南"), ("成都", "四川", "西部"), ("重庆", "重庆", "西部"), ("西安", "陕西", "西部"),
    ("昆明", "云南", "西部"), ("武汉", "湖北", "西部"),
)  # fmt: skip
BRANDS = (
    ("云帆", "yunfan"), ("华瑞", "huarui"), ("恒信", "hengxin"), ("博远", "boyuan"), ("金诚", "jincheng"),
    ("创新", "chuangxin"), ("天成", "tiancheng"), ("鼎盛", "dingsheng"), ("新锐", "xinrui"),
    ("汇通", "huitong"), ("远景", "yuanjing"), ("盛达", "shengda"), ("瑞丰", "ruifeng"), ("海纳", "haina"),
    ("星辰", "xingchen"), ("拓普", "tuopu"), ("启明", "qiming"), ("宏图", "hongtu"), ("安泰", "antai"),
    ("精工", "jinggong"), ("卓越", "zhuoyue"), ("中科", "zhongke"), ("凯达", "kaida"), ("德润", "derun"),
    ("和信", "hexin"), ("联创", "lianchuang"), ("同舟", "tongzhou"), ("万象", "wanxiang"),
    ("明辉", "minghui"),
    ("嘉禾", "jiahe"), ("长风", "changfeng"), ("光合", "guanghe"), ("易达", "yida"), ("智联", "zhilian"),
    ("百川", "baichuan"), ("睿思", "ruisi"), ("蓝海", "lanhai"), ("永昌", "yongchang"), ("华章", "huazhang"),
    ("青禾", "qinghe"),
)  # fmt: skip
INDUSTRIES = (
    ("科技", "软件与信息服务"), ("信息技术", "软件与信息服务"), ("电子", "电子制造"), ("机械", "装备制造"),
    ("贸易", "批发零售"), ("食品", "食品饮料"), ("医疗器械", "医疗健康"), ("新材料", "化工材料"),
    ("物流", "交通物流"), ("建材", "建筑建材"), ("服饰", "纺织服装"), ("环保科技", "节能环保"),
    ("文化传媒", "文化传媒"), ("教育科技", "教育培训"), ("化工", "化工材料"),
)  # fmt: skip
TITLES = ("总经理", "采购经理", "IT主管", "行政主管", "运营总监", "财务经理", "技术负责人", "副总经理")
TAGS = ("重点客户", "价格敏感", "决策链长", "有预算", "竞品在用", "老板直联", "需要演示", "年底采购")
MOBILE_PREFIXES = tuple(
    str(n)
    for n in (*range(130, 140), *range(150, 160), 166, *range(173, 179), *range(180, 190), 191, 198, 199)
)

# --- How people behave ---------------------------------------------------------------------------

GRADE_WEIGHTS = {"A": 5, "B": 15, "C": 30, "D": 30, "E": 20}
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
SWEEP_HOUR, WORK_HOURS, INTAKE_HOURS = 1.0, (8.5, 18.5), (8.0, 22.0)
CREATE_BATCH = 500  # customers per transaction while the starting list is created

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


@dataclass(frozen=True)
class Lead:
    data: CustomerInput
    pool_id: int


class NamePicker:
    """Distinct Chinese names with a pinyin username each."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.usernames: set[str] = set()
        self.names: set[str] = set()

    def person(self) -> tuple[str, str]:
        surname, surname_pinyin = self.rng.choice(SURNAMES)
        given, given_pinyin = self.rng.choice(GIVEN_NAMES)
        return surname + given, surname_pinyin + given_pinyin

    def user(self) -> tuple[str, str]:
        name, username = self.person()
        for _ in range(20):  # colleagues with one name are real but confusing in a demo
            if name not in self.names:
                break
            name, username = self.person()
        self.names.add(name)
        unique, n = username, 1
        while unique in self.usernames:
            n += 1
            unique = f"{username}{n}"
        self.usernames.add(unique)
        return name, unique


# --- Setting up ------------------------------------------------------------------------------------


def _build_org(session: Session) -> dict[str, int]:
    """The department tree; department ids by name."""
    ids = {HEADQUARTERS: create_department(session, HEADQUARTERS).id}
    for division, teams in DIVISIONS.items():
        ids[division] = create_department(session, division, ids[HEADQUARTERS]).id
        for team in teams:
            ids[team] = create_department(session, team, ids[division]).id
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
        pool = create_pool(session, data)
        for rule in spec.rules:
            add_rule(session, pool.id, rule)
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
    return create_user(session, username, DEMO_PASSWORD, role, department_id, name, capacity=capacity)


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


def _build_company(session: Session, rng: random.Random, *, reps: int, customers: int) -> Company:
    if session.scalar(select(User.id).limit(1)) is not None:
        raise errors.InvalidInput("database", "already has data; the demo only fills an empty database")
    settings = company_settings(session)
    settings.default_capacity = DEFAULT_CAPACITY
    departments = _build_org(session)
    admin = create_user(session, "admin", DEMO_PASSWORD, Role.ADMIN, departments[HEADQUARTERS], "系统管理员")
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


# --- Customers -------------------------------------------------------------------------------------


class LeadMaker:
    """Customers with distinct mobiles and emails, so dedup never refuses one of them."""

    def __init__(self, rng: random.Random, pool_ids: dict[str | None, int]) -> None:
        self.rng = rng
        self.pool_ids = pool_ids
        self.names = NamePicker(rng)
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.company_names: set[str] = set()

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def email(self, person: str, brand: str) -> str:
        address, n = f"{person}@{brand}.com.cn", 1
        while address in self.emails:
            n += 1
            address = f"{person}{n}@{brand}.com.cn"
        self.emails.add(address)
        return address

    def firm(self) -> tuple[str, str, str, str]:
        """A company name, its region, its brand in pinyin (for emails) and its industry."""
        for _ in range(10):  # past that, a repeated name is harmless: dedup reads contacts only
            (city, province, _), (brand, brand_pinyin), (suffix, industry) = (
                self.rng.choice(CITIES),
                self.rng.choice(BRANDS),
                self.rng.choice(INDUSTRIES),
            )
            name = f"{city}{brand}{suffix}有限公司"
            if name not in self.company_names:
                break
        self.company_names.add(name)
        return name, _region(city, province), brand_pinyin, industry

    def lead(self) -> Lead:
        spec = self.rng.choices(POOLS, weights=[p.share for p in POOLS])[0]
        source = spec.source or self.rng.choice(COMPANY_POOL_SOURCES)
        name, region, brand, industry = self.firm()
        contact, contact_pinyin = self.names.person()
        data = CustomerInput(
            name=name,
            phone=self.phone(),
            email=self.email(contact_pinyin, brand) if self.rng.random() < 0.4 else None,
            grade=self.rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0],
            region=region,
            industry=industry,
            source=source,
            tags=self.rng.sample(TAGS, self.rng.choice((0, 0, 1, 1, 2))),
            custom_fields={"联系人": contact, "职务": self.rng.choice(TITLES)},
        )
        return Lead(data, self.pool_ids[spec.source])


def _region(city: str, province: str) -> str:
    return city if city == province else province + city


AREA_OF_REGION = {_region(city, province): area for city, province, area in CITIES}


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


def _snapshot(session: Session) -> World:
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


def _create(session: Session, actor_id: int, lead: Lead, in_pool: bool) -> None:
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
    create = partial(_create, actor_id=company.admin_id, in_pool=True)
    return [
        Step(min(day.during(rng, INTAKE_HOURS), day.end), "create", partial(create, lead=lead))
        for lead in arrivals
    ]


def _plan_day(
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


# --- Running it ------------------------------------------------------------------------------------


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
        Step(start, "create", partial(_create, actor_id=rep_id, lead=leads[i], in_pool=False))
        for i, rep_id in brought_by.items()
    ]
    steps += [
        Step(start, "create", partial(_create, actor_id=company.admin_id, lead=lead, in_pool=True))
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


def _simulate(
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
            _run_steps(session, _plan_day(rng, company, _snapshot(session), day, arrivals[number]), refused)
        progress.advance(simulating)
    clock.set_now(end)
    with session_scope(engine) as session:
        sweep(session)  # so that nothing overdue is left owned "now"
    return refused


# --- The summary -----------------------------------------------------------------------------------


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
            company = _build_company(session, rng, reps=reps, customers=customers)
        maker = LeadMaker(rng, company.pool_ids)
        leads = [maker.lead() for _ in range(customers)]
        with Progress(console=console) as progress:
            refused = _simulate(
                engine, rng, company, leads, start=start, end=end, days=days, progress=progress
            )
        return _summary(engine, company, refused, days=days, end=end)
    finally:
        clock.set_now(original)
