"""Every list endpoint returns exactly what the permission functions allow, object by object.

A mixed population — customers owned by every persona, customers in pools shared in every way a
pool can be shared, deleted ones, released and transferred ones — is listed by every persona through
every view, in small keyset pages, and compared with ``can_see_customer``, ``visible_pool_ids`` and
``manages`` asked about each object directly.

The population is seeded once per database and shared by this module's tests; the tests that change
anything (claims between pages, recycle rules for due dates) work on pools and customers of their own,
and every expectation is computed from the database as it is when the test runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from highseas import clock
from highseas.app import create_app
from highseas.auth.permissions import can_see_customer
from highseas.customers.models import Customer
from highseas.org.models import Role, User
from highseas.org.queries import manages
from highseas.ownership.models import OwnershipEvent
from highseas.pools.queries import visible_pool_ids
from tests.conftest import START, build_org
from tests.http.conftest import PERSONAS, Api, Caller, error_code

VIEWS = ("mine", "pool", "team", "all")
PHONE = "+86 13800138000"


@dataclass
class Population:
    api: Api
    pools: dict[str, int] = field(default_factory=dict)
    deleted: list[int] = field(default_factory=list)
    haichen: int = 0  # rep's customer with a phone, an email and a company to search for

    def caller(self, persona: str) -> Caller:
        caller: Caller = getattr(self.api, persona)
        return caller


def created(caller: Caller, path: str, body: dict[str, Any]) -> int:
    response = caller.post(path, body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def seed(api: Api) -> Population:
    org = api.org
    population = Population(api, {"Company": org.company_pool.id, "East Leads": org.east_pool.id})
    for name, body in {
        "West Leads": {"member_department_ids": [org.west_manager.department_id]},
        "West Rep Desk": {"member_user_ids": [org.west_rep.id]},  # shared with one user of West
        "Admin Only": {},
        "Partner Leads": {"admin_user_ids": [org.other_rep.id]},  # administered, no members
    }.items():
        population.pools[name] = created(api.admin, "/pools", {"name": name, **body})
    grades = "ABCDE"
    for n, persona in enumerate(PERSONAS):
        for i in range(2):
            body = {
                "name": f"Acme {persona} {i}",
                "company": f"{persona} Trading {i}",
                "grade": grades[(n + i) % 5],
            }
            if persona == "rep" and i == 1:
                body["pool_id"] = org.east_pool.id
            created(getattr(api, persona), "/customers", body)
    for n, (name, pool_id) in enumerate(population.pools.items()):
        for i in range(2):
            body = {
                "name": f"Lead {name} {i}",
                "pool_id": pool_id,
                "in_pool": True,
                "grade": grades[(n + i) % 5],
            }
            created(api.admin, "/customers", body)
    population.haichen = created(
        api.rep,
        "/customers",
        {
            "name": "海辰",
            "company": "深圳海辰科技",
            "phone": PHONE,
            "email": "Contact@HaiChen.example",
            "grade": "A",
        },
    )
    owned = created(api.rep, "/customers", {"name": "Deleted owned"})
    pooled = created(
        api.admin, "/customers", {"name": "Deleted pooled", "pool_id": org.east_pool.id, "in_pool": True}
    )
    for customer_id in (owned, pooled):
        assert api.admin.delete(f"/customers/{customer_id}").status_code == 204
        population.deleted.append(customer_id)
    released = created(api.admin, "/customers", {"name": "Released", "in_pool": True, "grade": "C"})
    assert api.other_rep.post(f"/customers/{released}/claim").status_code == 200
    assert api.other_rep.post(f"/customers/{released}/release", {"reason": "无需求"}).status_code == 200
    moved = created(api.rep, "/customers", {"name": "Transferred", "grade": "B"})
    response = api.east_manager.post(f"/customers/{moved}/transfer", {"user_id": org.other_rep.id})
    assert response.status_code == 200, response.text
    return population


@pytest.fixture(scope="module")
def population(module_engine: Engine) -> Iterator[Population]:
    engine = module_engine
    clock.set_now(START)
    try:
        org = build_org(engine)
        with TestClient(create_app(engine)) as client:
            seeded = seed(Api(org=org, client=client))
            clock.set_now(None)
            yield seeded
    finally:
        clock.set_now(None)


@pytest.fixture
def world(population: Population) -> Iterator[Population]:
    """The shared population for one test; tokens issued at a moved clock are dropped afterwards."""
    yield population
    population.api.tokens.clear()


@dataclass
class Allowed:
    """What the permission functions say one persona may see."""

    customers: set[int]
    views: dict[str, set[int] | None]  # None: the view is forbidden to this persona
    pools: set[int]
    users: set[int]


def allowed(world: Population, persona: str) -> Allowed:
    with Session(world.api.org.engine) as session:
        actor = session.get_one(User, getattr(world.api.org, persona).id)
        everyone = {u.id: u for u in session.scalars(select(User))}
        live = session.scalars(select(Customer).where(Customer.deleted_at.is_(None))).all()
        seen = [c for c in live if can_see_customer(session, actor, c)]
        pools = visible_pool_ids(session, actor)
        team = {c.id for c in seen if c.owner_id and manages(session, actor, everyone[c.owner_id])}
        return Allowed(
            customers={c.id for c in seen},
            views={
                "mine": {c.id for c in seen if c.owner_id == actor.id},
                "pool": {c.id for c in seen if c.owner_id is None and c.pool_id in pools},
                "team": None if actor.role is Role.SALES else team,
                "all": {c.id for c in seen} if actor.role is Role.ADMIN else None,
            },
            pools=pools,
            users={u.id for u in everyone.values() if u.id == actor.id or manages(session, actor, u)},
        )


def column(world: Population, name: str) -> dict[int, Any]:
    """One column of every customer, by id, read straight from the database."""
    with Session(world.api.org.engine) as session:
        return {id_: value for id_, value in session.execute(select(Customer.id, getattr(Customer, name)))}


def listed(caller: Caller, limit: int = 3, **query: Any) -> list[int]:
    """Every id of a customer list, following ``next_cursor`` through pages of ``limit``."""
    ids: list[int] = []
    cursor = None
    while True:
        params = {**query, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = caller.get("/customers", params=params)
        assert response.status_code == 200, response.text
        page = [c["id"] for c in response.json()["items"]]
        ids += page
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return ids
        assert len(page) == limit, "only the last page may be short"


def test_every_view_lists_exactly_the_customers_the_permission_function_allows(world: Population) -> None:
    for persona in PERSONAS:
        want = allowed(world, persona)
        caller = world.caller(persona)
        reachable: set[int] = set()
        for view in VIEWS:
            if want.views[view] is None:
                response = caller.get("/customers", params={"view": view})
                assert (response.status_code, error_code(response)) == (403, "forbidden"), (persona, view)
                continue
            ids = listed(caller, view=view)
            assert ids == sorted(set(ids)), f"{persona} {view}: pages repeat or reorder rows"
            assert set(ids) == want.views[view], (persona, view)
            reachable |= set(ids)
        assert reachable == want.customers, f"{persona} may see customers that no view lists"
        assert listed(caller) == listed(caller, view="mine"), "mine is the default view"


def test_events_of_a_customer_are_readable_exactly_when_the_permission_function_allows(
    world: Population,
) -> None:
    with Session(world.api.org.engine) as session:
        history: dict[int, list[str]] = {}
        for event in session.scalars(select(OwnershipEvent).order_by(OwnershipEvent.id)):
            history.setdefault(event.customer_id, []).append(event.kind.value)
    every_id = sorted(column(world, "id"))
    assert set(world.deleted) <= set(every_id)
    for persona in PERSONAS:
        want = allowed(world, persona)
        caller = world.caller(persona)
        for customer_id in [*every_id, max(every_id) + 1]:
            response = caller.get(f"/customers/{customer_id}/events")
            if customer_id in want.customers:
                assert response.status_code == 200, (persona, customer_id, response.text)
                assert [e["kind"] for e in response.json()] == history[customer_id], (persona, customer_id)
            else:
                answer = (response.status_code, error_code(response))
                assert answer == (404, "not_found"), (persona, customer_id)


def test_pool_and_user_lists_match_visible_pool_ids_and_manages(world: Population) -> None:
    with Session(world.api.org.engine) as session:
        every_user = sorted(session.scalars(select(User.id)))
    every_pool = sorted(world.pools.values())
    for persona in PERSONAS:
        want = allowed(world, persona)
        caller = world.caller(persona)
        assert [p["id"] for p in caller.get("/pools").json()] == sorted(want.pools), persona
        assert [u["id"] for u in caller.get("/users").json()] == sorted(want.users), persona
        for user_id in [*every_user, max(every_user) + 1]:
            status = caller.get(f"/users/{user_id}").status_code
            assert status == (200 if user_id in want.users else 404), (persona, user_id)
        for pool_id in [*every_pool, max(every_pool) + 1]:
            status = caller.get(f"/pools/{pool_id}").status_code
            assert status == (200 if pool_id in want.pools else 404), (persona, pool_id)


@pytest.mark.parametrize("limit", [1, 4])
def test_keyset_pages_of_any_size_return_every_row_exactly_once(world: Population, limit: int) -> None:
    everything = listed(world.api.admin, limit=200, view="all")
    assert len(everything) >= 25
    assert listed(world.api.admin, limit=limit, view="all") == everything
    assert listed(world.api.rep, limit=limit, view="pool") == listed(world.api.rep, limit=200, view="pool")


def test_a_page_boundary_survives_claims_and_new_customers_between_pages(world: Population) -> None:
    api = world.api
    pool = created(
        api.admin, "/pools", {"name": "Boundary", "member_department_ids": [api.org.rep.department_id]}
    )
    before = [
        created(api.admin, "/customers", {"name": f"B{i}", "pool_id": pool, "in_pool": True})
        for i in range(8)
    ]
    first = api.rep.get("/customers", params={"view": "pool", "pool_id": pool, "limit": 3}).json()
    assert [c["id"] for c in first["items"]] == before[:3]
    claimed = before[4]  # on the second page
    assert api.rep.post(f"/customers/{claimed}/claim").status_code == 200
    added = created(api.admin, "/customers", {"name": "Late lead", "pool_id": pool, "in_pool": True})
    rest = listed(api.rep, limit=3, view="pool", pool_id=pool, cursor=first["next_cursor"])
    assert before[:3] + rest == [*before[:4], *before[5:], added]


def test_pool_id_narrows_every_view_to_that_pool_and_shows_nothing_of_pools_one_cannot_see(
    world: Population,
) -> None:
    home = column(world, "pool_id")
    for persona in ("east_manager", "west_manager", "rep", "other_rep", "west_rep"):
        want = allowed(world, persona)
        caller = world.caller(persona)
        for pool_id in world.pools.values():
            for view in VIEWS:
                in_view = want.views[view]
                if in_view is None:
                    continue
                ids = listed(caller, limit=200, view=view, pool_id=pool_id)
                assert set(ids) == {c for c in in_view if home[c] == pool_id}, (persona, view, pool_id)
            if pool_id not in want.pools:
                assert listed(caller, limit=200, view="pool", pool_id=pool_id) == [], (persona, pool_id)


def test_grade_filter_lists_only_that_grade_within_the_view(world: Population) -> None:
    grade = column(world, "grade")
    for persona in ("admin", "east_manager", "rep"):
        want = allowed(world, persona)
        caller = world.caller(persona)
        for view in VIEWS:
            in_view = want.views[view]
            if in_view is None:
                continue
            for letter in "ABCDE":
                ids = listed(caller, limit=200, view=view, grade=letter)
                assert set(ids) == {c for c in in_view if grade[c] == letter}, (persona, view, letter)
    response = world.api.rep.get("/customers", params={"grade": "Z"})
    assert (response.status_code, error_code(response)) == (422, "validation_error")


def test_q_matches_name_and_company_in_any_letter_case(world: Population) -> None:
    for q in ("acme REP", "REP trading"):
        found = world.api.rep.get("/customers", params={"q": q}).json()["items"]
        assert {c["name"] for c in found} == {"Acme rep 0", "Acme rep 1"}, q
    found = world.api.admin.get("/customers", params={"view": "all", "q": "lead west"}).json()["items"]
    assert {c["name"] for c in found} == {f"Lead West {s} {i}" for s in ("Leads", "Rep Desk") for i in (0, 1)}


@pytest.mark.parametrize(
    ("persona", "view", "finds"),
    [
        ("rep", "mine", True),
        ("east_manager", "team", True),
        ("admin", "all", True),
        ("other_rep", "mine", False),
        ("other_rep", "pool", False),
        ("west_manager", "team", False),
        ("west_rep", "pool", False),
        ("outsider", "pool", False),
    ],
)
def test_q_finds_a_customer_only_for_those_who_may_see_it(
    world: Population, persona: str, view: str, finds: bool
) -> None:
    for q in ("海辰科技", "13800138000", "contact@haichen.example"):
        found = listed(world.caller(persona), view=view, q=q)
        assert found == ([world.haichen] if finds else []), q


PHONE_SPELLINGS = [
    "+86 13800138000",
    "13800138000",
    "138 0013 8000",
    "138-0013-8000",
    "+86 138 0013 8000",
    "(+86) 138-0013-8000",
    "+8613800138000",
    "0086-138-0013-8000",
    "0086 13800138000",
]


@pytest.mark.parametrize("spelling", PHONE_SPELLINGS)
def test_q_finds_a_phone_however_it_is_spelled(world: Population, spelling: str) -> None:
    assert listed(world.api.rep, q=spelling) == [world.haichen]
    assert listed(world.api.admin, view="all", q=spelling) == [world.haichen]


def test_q_finds_an_email_in_any_letter_case(world: Population) -> None:
    for spelling in ("contact@haichen.example", "CONTACT@HAICHEN.EXAMPLE", "HaiChen.Example"):
        assert listed(world.api.rep, q=spelling) == [world.haichen], spelling


def test_q_treats_percent_and_underscore_as_plain_characters(world: Population) -> None:
    api = world.api  # the admin's own customers are "Acme admin 0" and "Acme admin 1"
    discount = created(api.admin, "/customers", {"name": "Acme 100% off"})
    snake = created(api.admin, "/customers", {"name": "acme_b"})
    assert listed(api.admin, q="%") == [discount]
    assert listed(api.admin, q="_") == [snake]


def test_due_within_days_lists_customers_due_that_soon_within_the_view(world: Population) -> None:
    api = world.api
    pool = created(
        api.admin, "/pools", {"name": "Due Soon", "member_department_ids": [api.org.rep.department_id]}
    )
    rule = api.admin.post(f"/pools/{pool}/rules", {"kind": "no_followup", "days": 10})
    assert rule.status_code == 201, rule.text
    start = clock.now()
    early = created(api.rep, "/customers", {"name": "Early", "pool_id": pool})  # due start + 10 days
    created(api.admin, "/customers", {"name": "Pooled", "pool_id": pool, "in_pool": True})
    clock.advance(timedelta(days=2))
    api.tokens.clear()  # a token lives 12 hours
    late = created(api.rep, "/customers", {"name": "Late", "pool_id": pool})  # due start + 12 days
    theirs = created(api.other_rep, "/customers", {"name": "Theirs", "pool_id": pool})  # start + 12 days

    def due(persona: str, days: int, view: str = "mine") -> list[int]:
        return listed(world.caller(persona), limit=1, view=view, due_within_days=days)

    assert due("rep", 7) == []
    assert due("rep", 8) == [early]
    assert due("rep", 10) == [early, late]
    assert due("rep", 3650) == [early, late]
    assert due("rep", 3650, view="pool") == []
    assert due("east_manager", 10, view="team") == [early, late, theirs]
    assert due("west_manager", 3650, view="team") == []
    assert due("admin", 10, view="all") == [early, late, theirs]
    reported = api.rep.get(f"/customers/{early}").json()["due_at"]
    assert clock.parse_instant(reported.replace("Z", "+00:00")) == start + timedelta(days=10)

    clock.advance(timedelta(days=8))  # start + 10 days: "early" is due this very instant
    api.tokens.clear()
    assert due("rep", 0) == [early]
    followup = api.rep.post(f"/customers/{early}/followups", {"kind": "call", "content": "约了下周见面"})
    assert followup.status_code == 201
    assert due("rep", 0) == []
    assert due("rep", 2) == [late]
    assert due("rep", 10) == [early, late]  # early is now due at start + 20 days
    response = api.rep.get("/customers", params={"due_within_days": -1})
    assert (response.status_code, error_code(response)) == (422, "validation_error")


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 0},
        {"limit": 201},
        {"cursor": "not-a-cursor"},
        {"cursor": "aWQ6YWJj"},  # "id:abc"
        {"view": "everyone"},
        {"due_within_days": "soon"},
    ],
    ids=[
        "limit-0",
        "limit-201",
        "garbage-cursor",
        "cursor-without-a-number",
        "unknown-view",
        "days-not-a-number",
    ],
)
def test_the_list_refuses_malformed_paging_and_filters_naming_the_field(
    world: Population, query: dict[str, Any]
) -> None:
    response = world.api.rep.get("/customers", params=query)
    assert (response.status_code, error_code(response)) == (422, "validation_error")
    assert next(iter(query)) in response.json()["error"]["message"]
