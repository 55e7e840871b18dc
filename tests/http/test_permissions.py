"""Who may do what, as one table: every row is (action, target, persona) → the answer API.md requires.

Personas (tests.conftest.build_org): ``admin``; ``east_manager``, whose subtree holds ``rep`` and
``other_rep``; ``west_manager``, a manager elsewhere; ``rep``, who owns the "rep's customer" targets;
``other_rep``, rep's teammate; ``outsider``, in no department; and ``pool_admin``, the sales user
``west_rep`` (West) made an admin — not a member — of the "East Leads" pool.

The organisation is built once per database and shared by the rows of this module (rebuilding it for
each of several hundred rows would take minutes on PostgreSQL). Every row still acts on objects it
creates for itself — customers, pools, rules, users — and when it ends every customer is soft-deleted,
so no row sees another's customers or counts them against a capacity or lock cap.

The rule that matters most: a customer (or pool, or user) the caller may not see answers ``not_found``,
word for word as an id that never existed — never a hint that it exists.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from highseas import clock
from highseas.app import create_app
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer, soft_delete
from highseas.db import session_scope
from highseas.org.models import Role, User
from highseas.org.service import create_user
from highseas.pools.service import PoolInput, RuleInput, add_rule, create_pool, update_pool
from tests.conftest import START, Org, build_org
from tests.http.conftest import Api, Caller

MISSING_ID = 987_654
T = TypeVar("T")
PERSONAS = ("admin", "east_manager", "west_manager", "rep", "other_rep", "outsider", "pool_admin")


@dataclass
class World:
    api: Api
    org: Org
    west_pool_id: int
    serial: Iterator[int] = field(default_factory=itertools.count)

    def caller(self, persona: str) -> Caller:
        caller: Caller = getattr(self.api, "west_rep" if persona == "pool_admin" else persona)
        return caller

    def user(self, persona: str) -> User:
        user: User = getattr(self.org, "west_rep" if persona == "pool_admin" else persona)
        return user

    def user_id(self, persona: str) -> int:
        return self.user(persona).id

    def department(self, persona: str) -> int:
        return int(getattr(self.org, persona).department_id)

    def unique(self, prefix: str) -> str:
        return f"{prefix} {next(self.serial)}"

    def run(self, service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Set the stage through the service layer, in a committed transaction of its own."""
        return self.org.run(service, *args, **kwargs)


@pytest.fixture(scope="module")
def world(module_engine: Engine) -> Iterator[World]:
    engine = module_engine
    clock.set_now(START)
    try:
        org = build_org(engine)
        east, west = org.east_manager.department_id, org.west_manager.department_id
        with session_scope(engine) as session:
            east_leads = PoolInput("East Leads", [], [east], [org.west_rep.id], reclaim_protection_days=7)
            update_pool(session, SYSTEM, org.east_pool.id, east_leads)
            west_leads = create_pool(session, SYSTEM, PoolInput("West Leads", [], [west], []))
        with TestClient(create_app(engine)) as client:
            clock.set_now(None)
            yield World(api=Api(org=org, client=client), org=org, west_pool_id=west_leads.id)
    finally:
        clock.set_now(None)


@pytest.fixture
def fresh(world: World) -> Iterator[World]:
    """The shared world for one row; afterwards every customer is gone (soft-deleted)."""
    yield world
    with session_scope(world.org.engine) as session:
        session.execute(update(Customer).where(Customer.deleted_at.is_(None)).values(deleted_at=clock.now()))


# --- targets: make the object a row acts on and return its id ---------------------------------------

Target = Callable[[World, str], int]


def reps_customer(w: World, persona: str) -> int:
    """Owned by rep; its home pool is East Leads."""
    customer = w.run(create_customer, w.org.rep, CustomerInput(w.unique("杭州云帆")), w.org.east_pool.id)
    return customer.id


def east_pool_customer(w: World, persona: str) -> int:
    """Unowned, sitting in East Leads."""
    name = CustomerInput(w.unique("宁波海曙"))
    return w.run(create_customer, w.org.admin, name, w.org.east_pool.id, in_pool=True).id


def deleted_customer(w: World, persona: str) -> int:
    customer_id = reps_customer(w, persona)
    w.run(soft_delete, w.org.admin, customer_id)
    return customer_id


def east_leads(w: World, persona: str) -> int:
    return w.org.east_pool.id


def company_pool(w: World, persona: str) -> int:
    return w.org.company_pool.id


def west_leads(w: World, persona: str) -> int:
    return w.west_pool_id


def _pool_shared_with(w: World, department_of: str) -> int:
    members = [w.department(department_of)]
    return w.run(
        create_pool, SYSTEM, PoolInput(w.unique("Shared"), [], members, [w.user_id("pool_admin")])
    ).id


def east_shared_pool(w: World, persona: str) -> int:
    """A new pool shared with the East subtree, administered by pool_admin."""
    return _pool_shared_with(w, "east_manager")


def hq_shared_pool(w: World, persona: str) -> int:
    """A new pool shared with all of HQ, administered by pool_admin."""
    return _pool_shared_with(w, "admin")


def rule_of_east_shared_pool(w: World, persona: str) -> int:
    return w.run(add_rule, SYSTEM, east_shared_pool(w, persona), RuleInput("no_followup", 30)).id


def new_sales_user(w: World, persona: str) -> int:
    """A new sales user in rep's team (so inside east_manager's subtree)."""
    username = w.unique("leaver").replace(" ", "_")
    return w.run(create_user, SYSTEM, username, "long enough secret 1", Role.SALES, w.department("rep")).id


def user(persona: str) -> Target:
    def target(w: World, caller: str) -> int:
        return w.user_id(persona)

    return target


def themselves(w: World, persona: str) -> int:
    return w.user_id(persona)


def no_object(w: World, persona: str) -> int:
    return 0


# --- actions: send one request as a persona against the target's id ---------------------------------

Action = Callable[[World, str, int], Any]
Body = dict[str, Any] | Callable[[World], dict[str, Any]] | None


def call(method: str, path: str, body: Body = None) -> Action:
    def send(w: World, persona: str, object_id: int) -> Any:
        payload = body(w) if callable(body) else body
        return w.caller(persona).request(method, path.format(id=object_id), json=payload)

    return send


def release_own_customer_into(w: World, persona: str, pool_id: int) -> Any:
    """The persona releases a customer of its own into the target pool."""
    own = w.run(create_customer, w.user(persona), CustomerInput(w.unique("自有客户"))).id
    return w.caller(persona).post(f"/customers/{own}/release", {"reason": "不再跟进", "pool_id": pool_id})


def create_owned_customer_homed_in(w: World, persona: str, pool_id: int) -> Any:
    return w.caller(persona).post("/customers", {"name": w.unique("新客户"), "pool_id": pool_id})


def create_unowned_customer_in(w: World, persona: str, pool_id: int) -> Any:
    body = {"name": w.unique("新线索"), "pool_id": pool_id, "in_pool": True}
    return w.caller(persona).post("/customers", body)


def assign_east_pool_customer_to(w: World, persona: str, user_id: int) -> Any:
    customer_id = east_pool_customer(w, persona)
    return w.caller(persona).post(f"/customers/{customer_id}/assign", {"user_id": user_id})


def transfer_reps_customer_to(w: World, persona: str, user_id: int) -> Any:
    customer_id = reps_customer(w, persona)
    return w.caller(persona).post(f"/customers/{customer_id}/transfer", {"user_id": user_id})


def to(persona: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"user_id": w.user_id(persona)}


def unique_user(w: World) -> dict[str, Any]:
    name = w.unique("newbie").replace(" ", "_")
    return {"username": name, "password": "long enough secret 2", "role": "sales"}


READ = call("GET", "/customers/{id}")
EDIT = call("PATCH", "/customers/{id}", {"grade": "B", "region": "浙江"})
CLAIM = call("POST", "/customers/{id}/claim")
RELEASE = call("POST", "/customers/{id}/release", {"reason": "客户暂无需求"})
ASSIGN_TO_OTHER_REP = call("POST", "/customers/{id}/assign", to("other_rep"))
ASSIGN_TO_REP = call("POST", "/customers/{id}/assign", to("rep"))
TRANSFER_TO_OTHER_REP = call("POST", "/customers/{id}/transfer", to("other_rep"))
FOLLOW_UP = call("POST", "/customers/{id}/followups", {"kind": "call", "content": "聊了报价"})
DEAL = call("POST", "/customers/{id}/deals", {"amount": "1200.00"})
LOCK = call("POST", "/customers/{id}/lock")
UNLOCK = call("POST", "/customers/{id}/unlock")
EVENTS = call("GET", "/customers/{id}/events")
TIMELINE = call("GET", "/customers/{id}/timeline")

DELETE = call("DELETE", "/customers/{id}")
RESTORE = call("POST", "/customers/{id}/restore")
CREATE_USER = call("POST", "/users", unique_user)
CREATE_DEPARTMENT = call("POST", "/departments", lambda w: {"name": w.unique("South"), "parent_id": None})
CREATE_POOL = call("POST", "/pools", lambda w: {"name": w.unique("Trade show")})
EDIT_POOL = call("PATCH", "/pools/{id}", {"daily_claim_limit": 5})
ADD_RULE = call("POST", "/pools/{id}/rules", {"kind": "no_deal", "days": 60})
READ_POOL = call("GET", "/pools/{id}")
READ_RULES = call("GET", "/pools/{id}/rules")
DELETE_RULE = call("DELETE", "/rules/{id}")
DEACTIVATE = call("POST", "/users/{id}/deactivate", {"transfer_to": None})
EDIT_SETTINGS = call("PATCH", "/settings", {"timezone": "Asia/Shanghai"})
READ_USER = call("GET", "/users/{id}")
PROMOTE_SELF = call("PATCH", "/users/{id}", {"role": "admin"})
SWEEP = call("POST", "/sweep", {"dry_run": False})

# --- the table -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    code: str | None = None

    def __str__(self) -> str:
        return f"{self.status}-{self.code}" if self.code else str(self.status)


OK, NEW, GONE = Outcome(200), Outcome(201), Outcome(204)
NF = Outcome(404, "not_found")
FB = Outcome(403, "forbidden")
NM = Outcome(403, "not_pool_member")
AO = Outcome(409, "already_owned")
NO = Outcome(409, "not_owner")

# What each row does: (the object it acts on, the request it sends).
CASES: dict[str, tuple[Target, Action]] = {
    "read-reps-customer": (reps_customer, READ),
    "edit-reps-customer": (reps_customer, EDIT),
    "claim-reps-customer": (reps_customer, CLAIM),
    "release-reps-customer": (reps_customer, RELEASE),
    "assign-reps-customer-to-other-rep": (reps_customer, ASSIGN_TO_OTHER_REP),
    "transfer-reps-customer-to-other-rep": (reps_customer, TRANSFER_TO_OTHER_REP),
    "follow-up-reps-customer": (reps_customer, FOLLOW_UP),
    "record-deal-on-reps-customer": (reps_customer, DEAL),
    "lock-reps-customer": (reps_customer, LOCK),
    "unlock-reps-customer": (reps_customer, UNLOCK),
    "events-of-reps-customer": (reps_customer, EVENTS),
    "timeline-of-reps-customer": (reps_customer, TIMELINE),
    "delete-reps-customer": (reps_customer, DELETE),
    "read-pool-customer": (east_pool_customer, READ),
    "edit-pool-customer": (east_pool_customer, EDIT),
    "claim-pool-customer": (east_pool_customer, CLAIM),
    "release-pool-customer": (east_pool_customer, RELEASE),
    "assign-pool-customer-to-rep": (east_pool_customer, ASSIGN_TO_REP),
    "transfer-pool-customer": (east_pool_customer, TRANSFER_TO_OTHER_REP),
    "follow-up-pool-customer": (east_pool_customer, FOLLOW_UP),
    "record-deal-on-pool-customer": (east_pool_customer, DEAL),
    "lock-pool-customer": (east_pool_customer, LOCK),
    "unlock-pool-customer": (east_pool_customer, UNLOCK),
    "events-of-pool-customer": (east_pool_customer, EVENTS),
    "timeline-of-pool-customer": (east_pool_customer, TIMELINE),
    "delete-pool-customer": (east_pool_customer, DELETE),
    "read-deleted-customer": (deleted_customer, READ),
    "claim-deleted-customer": (deleted_customer, CLAIM),
    "events-of-deleted-customer": (deleted_customer, EVENTS),
    "restore-deleted-customer": (deleted_customer, RESTORE),
    "create-own-customer-in-east-leads": (east_leads, create_owned_customer_homed_in),
    "create-pool-customer-in-east-leads": (east_leads, create_unowned_customer_in),
    "release-own-customer-into-west-leads": (west_leads, release_own_customer_into),
    "assign-pool-customer-to-west-rep": (user("west_rep"), assign_east_pool_customer_to),
    "transfer-reps-customer-to-west-rep": (user("west_rep"), transfer_reps_customer_to),
    "create-user": (no_object, CREATE_USER),
    "create-department": (no_object, CREATE_DEPARTMENT),
    "create-pool": (no_object, CREATE_POOL),
    "edit-east-shared-pool": (east_shared_pool, EDIT_POOL),
    "edit-hq-shared-pool": (hq_shared_pool, EDIT_POOL),
    "add-rule-to-east-shared-pool": (east_shared_pool, ADD_RULE),
    "delete-rule-of-east-shared-pool": (rule_of_east_shared_pool, DELETE_RULE),
    "read-east-leads": (east_leads, READ_POOL),
    "read-company-pool": (company_pool, READ_POOL),
    "read-rules-of-east-leads": (east_leads, READ_RULES),
    "deactivate-user": (new_sales_user, DEACTIVATE),
    "edit-settings": (no_object, EDIT_SETTINGS),
    "run-sweep": (no_object, SWEEP),
    "read-user-rep": (user("rep"), READ_USER),
    "read-user-west-rep": (user("west_rep"), READ_USER),
    "read-user-east-manager": (user("east_manager"), READ_USER),
    "read-user-outsider": (user("outsider"), READ_USER),
    "promote-oneself-to-admin": (themselves, PROMOTE_SELF),
}

# What API.md requires. NF: not_found, FB: forbidden, NM: not_pool_member, AO: already_owned,
# NO: not_owner; NEW: 201, GONE: 204.
# fmt: off
TABLE: dict[str, tuple[Outcome, ...]] = {
    #                                          admin  e_mgr  w_mgr  rep    o_rep  outsdr pool_admin
    "read-reps-customer":                     (OK,    OK,    NF,    OK,    NF,    NF,    NF),
    "edit-reps-customer":                     (OK,    OK,    NF,    OK,    NF,    NF,    NF),
    "claim-reps-customer":                    (AO,    AO,    NF,    AO,    AO,    NF,    NF),
    "release-reps-customer":                  (NO,    NO,    NF,    OK,    NF,    NF,    NF),
    "assign-reps-customer-to-other-rep":      (OK,    OK,    NF,    NF,    NF,    NF,    NF),
    "transfer-reps-customer-to-other-rep":    (OK,    OK,    NF,    NF,    NF,    NF,    NF),
    "follow-up-reps-customer":                (NO,    NO,    NF,    NEW,   NF,    NF,    NF),
    "record-deal-on-reps-customer":           (NO,    NO,    NF,    NEW,   NF,    NF,    NF),
    "lock-reps-customer":                     (NO,    NO,    NF,    OK,    NF,    NF,    NF),
    "unlock-reps-customer":                   (NO,    NO,    NF,    OK,    NF,    NF,    NF),
    "events-of-reps-customer":                (OK,    OK,    NF,    OK,    NF,    NF,    NF),
    "timeline-of-reps-customer":              (OK,    OK,    NF,    OK,    NF,    NF,    NF),
    "delete-reps-customer":                   (GONE,  FB,    NF,    FB,    NF,    NF,    NF),

    "read-pool-customer":                     (OK,    OK,    NF,    OK,    OK,    NF,    OK),
    "edit-pool-customer":                     (OK,    FB,    NF,    FB,    FB,    NF,    OK),
    "claim-pool-customer":                    (NM,    OK,    NF,    OK,    OK,    NF,    NM),
    "release-pool-customer":                  (NO,    NO,    NF,    NO,    NO,    NF,    NO),
    "assign-pool-customer-to-rep":            (OK,    OK,    NF,    FB,    NF,    NF,    OK),
    "transfer-pool-customer":                 (NO,    NO,    NF,    NF,    NO,    NF,    NO),
    "follow-up-pool-customer":                (NO,    NO,    NF,    NO,    NO,    NF,    NO),
    "record-deal-on-pool-customer":           (NO,    NO,    NF,    NO,    NO,    NF,    NO),
    "lock-pool-customer":                     (NO,    NO,    NF,    NO,    NO,    NF,    NO),
    "unlock-pool-customer":                   (NO,    NO,    NF,    NO,    NO,    NF,    NO),
    "events-of-pool-customer":                (OK,    OK,    NF,    OK,    OK,    NF,    OK),
    "timeline-of-pool-customer":              (OK,    OK,    NF,    OK,    OK,    NF,    OK),
    "delete-pool-customer":                   (GONE,  FB,    NF,    FB,    FB,    NF,    FB),

    "read-deleted-customer":                  (NF,    NF,    NF,    NF,    NF,    NF,    NF),
    "claim-deleted-customer":                 (NF,    NF,    NF,    NF,    NF,    NF,    NF),
    "events-of-deleted-customer":             (NF,    NF,    NF,    NF,    NF,    NF,    NF),
    "restore-deleted-customer":               (OK,    FB,    NF,    FB,    NF,    NF,    NF),

    "create-own-customer-in-east-leads":      (NEW,   NEW,   NF,    NEW,   NEW,   NF,    NEW),
    "create-pool-customer-in-east-leads":     (NEW,   NEW,   NF,    NEW,   NEW,   NF,    NEW),
    "release-own-customer-into-west-leads":   (NM,    NF,    OK,    NF,    NF,    NF,    OK),
    "assign-pool-customer-to-west-rep":       (OK,    NF,    NF,    NF,    NF,    NF,    FB),
    "transfer-reps-customer-to-west-rep":     (OK,    NF,    NF,    NF,    NF,    NF,    NF),

    "create-user":                            (NEW,   FB,    FB,    FB,    FB,    FB,    FB),
    "create-department":                      (NEW,   FB,    FB,    FB,    FB,    FB,    FB),
    "create-pool":                            (NEW,   FB,    FB,    FB,    FB,    FB,    FB),
    "edit-east-shared-pool":                  (OK,    FB,    NF,    FB,    FB,    NF,    OK),
    "edit-hq-shared-pool":                    (OK,    FB,    FB,    FB,    FB,    NF,    OK),
    "add-rule-to-east-shared-pool":           (NEW,   FB,    NF,    FB,    FB,    NF,    NEW),
    "delete-rule-of-east-shared-pool":        (GONE,  FB,    NF,    FB,    FB,    NF,    GONE),
    "read-east-leads":                        (OK,    OK,    NF,    OK,    OK,    NF,    OK),
    "read-company-pool":                      (OK,    OK,    OK,    OK,    OK,    NF,    OK),
    "read-rules-of-east-leads":               (OK,    OK,    NF,    OK,    OK,    NF,    OK),
    "deactivate-user":                        (OK,    FB,    NF,    NF,    NF,    NF,    NF),
    "edit-settings":                          (OK,    FB,    FB,    FB,    FB,    FB,    FB),
    "run-sweep":                              (OK,    FB,    FB,    FB,    FB,    FB,    FB),
    "read-user-rep":                          (OK,    OK,    NF,    OK,    NF,    NF,    NF),
    "read-user-west-rep":                     (OK,    NF,    OK,    NF,    NF,    NF,    OK),
    "read-user-east-manager":                 (OK,    OK,    NF,    NF,    NF,    NF,    NF),
    "read-user-outsider":                     (OK,    NF,    NF,    NF,    NF,    OK,    NF),
    "promote-oneself-to-admin":               (OK,    FB,    FB,    FB,    FB,    FB,    FB),
}
# fmt: on


# Actions whose body names a user or pool: refused for that target, their message names it.
NAMES_TARGET_IN_BODY = {
    ASSIGN_TO_OTHER_REP,
    ASSIGN_TO_REP,
    TRANSFER_TO_OTHER_REP,
    create_owned_customer_homed_in,
    create_unowned_customer_in,
    release_own_customer_into,
    assign_east_pool_customer_to,
    transfer_reps_customer_to,
}


def _rows() -> Iterator[Any]:
    assert set(TABLE) == set(CASES)
    for label, outcomes in TABLE.items():
        target, action = CASES[label]
        for persona, expected in zip(PERSONAS, outcomes, strict=True):
            yield pytest.param(target, action, persona, expected, id=f"{label}--as-{persona}--{expected}")


def _answer(response: Any, object_id: int) -> tuple[int, str | None, str | None]:
    """Status, error code and message (the object's id blanked out) of a response."""
    if response.status_code < 400:
        return response.status_code, None, None
    error = response.json()["error"]
    return response.status_code, error["code"], re.sub(rf"\b{object_id}\b", "<id>", error["message"])


@pytest.mark.parametrize(("target", "action", "persona", "expected"), list(_rows()))
def test_each_persona_gets_exactly_the_answer_of_the_permission_table(
    fresh: World, target: Target, action: Action, persona: str, expected: Outcome
) -> None:
    object_id = target(fresh, persona)
    response = action(fresh, persona, object_id)
    status, code, _ = _answer(response, object_id)
    assert (status, code) == (expected.status, expected.code), response.text
    if expected.code == "not_found":
        # An object the caller may not see answers exactly like one that never existed. (Rows that
        # act on a customer and name the target in the body may be refused for the customer first.)
        never_existed = action(fresh, persona, MISSING_ID)
        compared = 2 if action in NAMES_TARGET_IN_BODY else 3
        assert _answer(never_existed, MISSING_ID)[:compared] == _answer(response, object_id)[:compared]
