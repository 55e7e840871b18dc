"""Hidden contact details never leave the server (DESIGN.md invariant 5), proven by a crawl.

A pool with ``hide_contact: true`` holds customers whose phone, email and WeChat are unique markers.
Users who may not see them — a sales member of the pool, a manager who is a member but not the
pool's admin, a manager who sees the pool only because it is shared with one of his users — call
every GET endpoint of the OpenAPI document with real ids, every list view with searches for the
markers in many spellings, and every refusal they can provoke. The markers also sit where contact
details hide without being contact fields: in custom fields (given on create, or import columns
such as 备用电话) and in an earlier owner's follow-up and release reason. No response may contain a
marker, in any spelling; the custom fields the pool marks public do show. The pool's admin, an
admin, and a sales user who claims the customer do see them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from highseas import clock
from highseas.app import create_app
from highseas.customers.dedup import HIT_WINDOW
from highseas.customers.models import Customer
from highseas.intake.models import ImportBatch
from highseas.org.models import User
from highseas.pools.models import Pool
from tests.conftest import START, build_org
from tests.http.conftest import Api, Caller, error_code

VIEWS = ("mine", "pool", "team", "all")


@dataclass(frozen=True)
class Contact:
    phone: str
    email: str
    wechat: str

    @property
    def digits(self) -> str:
        """The 11-digit national number."""
        return re.sub(r"\D", "", self.phone)[-11:]

    def spellings(self) -> list[str]:
        d = self.digits
        return [
            d,
            f"{d[:3]} {d[3:7]} {d[7:]}",
            f"+86 {d}",
            f"+86-{d[:3]}-{d[3:7]}-{d[7:]}",
            f"0086{d}",
            f"(+86) {d[:3]} {d[3:]}",
        ]

    def leaks_in(self, text: str) -> list[str]:
        """The parts of this contact that ``text`` gives away, in any spelling."""
        found = []
        # The last ten digits with any separators between them: "13912345678", "3912345678",
        # "+86 139-1234-5678" and "+8613912345678" all match.
        if re.search(r"[\s\-().+/]*".join(self.digits[1:]), text):
            found.append(self.phone)
        lowered = text.lower()
        for token in (self.email.lower(), self.email.split("@")[0].lower(), self.wechat.lower()):
            if token in lowered:
                found.append(token)
        return found


M1 = Contact("13912345678", "marker-7f3a@example.com", "wx-marker-7f3a")  # in the hidden pool
M2 = Contact("+86 139 8765 4321", "Marker-9C2E@Example.com", "wx-marker-9c2e")  # in the hidden pool
M3 = Contact("13955501234", "marker-5d1b@example.com", "wx-marker-5d1b")  # owned by admin
M4 = Contact("13966602345", "marker-e8a0@example.com", "wx-marker-e8a0")  # owned by other_rep
PUBLIC_FIELD = "来源备注"  # the one custom field the hidden pool shows
OPEN = Contact("13700001111", "open-1111@example.com", "wx-open-1111")  # in a pool that shows contacts

# Whose contacts each crawling persona may not see.
FORBIDDEN = {
    "rep": (M1, M2, M3, M4),
    "east_manager": (M1, M2, M3),  # M4's owner is in his subtree: he sees it
    "west_manager": (M1, M2, M3, M4),
}


@dataclass
class Hidden:
    api: Api
    pool: int
    m1: int
    m2: int
    m3: int
    m4: int
    open: int
    reps_own: int


def created(caller: Caller, body: dict[str, Any]) -> int:
    response = caller.post("/customers", body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def contact_fields(contact: Contact) -> dict[str, str]:
    return {"phone": contact.phone, "email": contact.email, "wechat": contact.wechat}


def hide(api: Api) -> Hidden:
    org = api.org
    pool = api.admin.post(
        "/pools",
        {
            "name": "Hidden Leads",
            "member_department_ids": [org.east_manager.department_id],
            "member_user_ids": [org.west_rep.id],  # so west_manager sees the pool without being a member
            "admin_user_ids": [org.other_rep.id],
            "hide_contact": True,
        },
    )
    assert pool.status_code == 201, pool.text
    assert pool.json()["hide_contact"] is True
    pool_id = pool.json()["id"]
    # Checked where the customers are read: their custom fields show this one only.
    api.admin.patch(f"/pools/{pool_id}", {"public_custom_fields": [PUBLIC_FIELD]})
    in_pool = {"pool_id": pool_id, "in_pool": True}
    m4 = created(api.admin, {"name": "李娜的客户", **contact_fields(M4), **in_pool})
    assert api.other_rep.post(f"/customers/{m4}/claim").status_code == 200
    hidden = Hidden(
        api=api,
        pool=pool_id,
        m1=created(
            api.admin,
            {
                "name": "隐藏客户一",
                "company": "一号公司",
                **contact_fields(M1),
                # Another way to reach 隐藏客户一, and a field the pool shows anyway.
                "custom_fields": {
                    "联系人电话": M1.spellings()[1],
                    "QQ邮箱": M1.email,
                    PUBLIC_FIELD: "春季展会",
                },
                **in_pool,
            },
        ),
        m2=created(api.admin, {"name": "隐藏客户二", "company": "二号公司", **contact_fields(M2), **in_pool}),
        m3=created(api.admin, {"name": "管理员的客户", **contact_fields(M3), "pool_id": pool_id}),
        m4=m4,
        open=created(api.admin, {"name": "公开客户", **contact_fields(OPEN), "in_pool": True}),
        reps_own=created(api.rep, {"name": "张伟的客户", "phone": "13800009999"}),
    )
    # rep imports into a pool of his own: his report names hidden customers, by where they are only.
    own = api.admin.post(
        "/pools", {"name": "张伟的线索", "member_user_ids": [org.rep.id], "admin_user_ids": [org.rep.id]}
    )
    assert own.status_code == 201, own.text
    leads = f"姓名,手机,邮箱\n撞单一,{M1.spellings()[3]},\n撞单二,,{M2.email.upper()}\n"
    imported = api.rep.post(
        f"/pools/{own.json()['id']}/import", files={"file": ("leads.csv", leads.encode(), "text/csv")}
    )
    assert imported.status_code == 201 and imported.json()["duplicates"] == 2, imported.text
    # A new lead imported into the hidden pool: its columns that are no contact field become custom
    # fields, hidden too.
    lead = f"姓名,手机,备用电话,QQ\n新线索,13900002222,{M2.spellings()[5]},{M2.email}\n"
    imported = api.admin.post(
        f"/pools/{pool_id}/import", files={"file": ("lead.csv", lead.encode(), "text/csv")}
    )
    assert imported.status_code == 201 and imported.json()["imported"] == 1, imported.text
    # other_rep works 隐藏客户一 for a while and gives it back, his notes full of its contacts.
    assert api.other_rep.post(f"/customers/{hidden.m1}/claim").status_code == 200
    note = {"kind": "call", "content": f"王总说下周回电 {M1.spellings()[1]}，资料发 {M1.email}"}
    assert api.other_rep.post(f"/customers/{hidden.m1}/followups", note).status_code == 201
    reason = {"reason": f"暂无需求，换号了：{M1.spellings()[2]}"}
    assert api.other_rep.post(f"/customers/{hidden.m1}/release", reason).status_code == 200
    return hidden


@pytest.fixture(scope="module")
def hidden(module_engine: Engine) -> Iterator[Hidden]:
    """One company per database, shared by this module's tests: they only read, or put back what
    they change (pool settings, a capacity), except the claim test, which works on its own customer."""
    engine = module_engine
    clock.set_now(START)
    try:
        with TestClient(create_app(engine)) as client:
            yield hide(Api(org=build_org(engine), client=client))
    finally:
        clock.set_now(None)


class Crawl:
    """Sends requests as one persona and records every response's leaks."""

    def __init__(self, hidden: Hidden, persona: str) -> None:
        self.caller: Caller = getattr(hidden.api, persona)
        self.forbidden = FORBIDDEN[persona]
        self.leaks: list[str] = []
        self.responses = 0
        self.open_contact_seen = False

    def send(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.caller.client.request(method, url, headers=self.caller.headers, **kwargs)
        text = response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        for contact in self.forbidden:
            for leaked in contact.leaks_in(text):
                self.leaks.append(f"{method} {url} {kwargs or ''} -> {response.status_code}: {leaked}")
        self.open_contact_seen |= bool(OPEN.leaks_in(text))
        self.responses += 1
        return response

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.send(method, f"/api/v1{path}", **kwargs)


def every_id(hidden: Hidden) -> dict[str, list[int]]:
    with Session(hidden.api.org.engine) as session:
        ids = {
            "customer_id": sorted(session.scalars(select(Customer.id))),
            "pool_id": sorted(session.scalars(select(Pool.id))),
            "user_id": sorted(session.scalars(select(User.id))),
            "batch_id": sorted(session.scalars(select(ImportBatch.id))),
        }
    return {name: [*values, max(values) + 1] for name, values in ids.items()}


def crawl_every_get_endpoint(crawl: Crawl, hidden: Hidden) -> set[str]:
    """Every GET path of the OpenAPI document, with each real id (and a missing one) filled in."""
    ids = every_id(hidden)
    crawled = set()
    for path, operations in hidden.api.client.app.openapi()["paths"].items():
        if "get" not in operations:
            continue
        names = re.findall(r"{(\w+)}", path)
        unknown = set(names) - set(ids)
        assert not unknown, f"the crawl does not know what to put in {unknown} of {path}; teach it"
        for values in itertools.product(*(ids[name] for name in names)):
            crawl.send("GET", path.format(**dict(zip(names, values, strict=True))))
        crawled.add(path)
    return crawled


def searches(contacts: tuple[Contact, ...]) -> list[str]:
    """Every spelling of the first contact's phone; a few of each other's; emails, WeChat ids."""
    terms = [*contacts[0].spellings(), contacts[0].digits[3:]]
    for contact in contacts[1:]:
        terms += contact.spellings()[:2]
    for contact in contacts:
        terms += [contact.email.upper(), contact.wechat]
    return terms


def crawl_every_list_query(crawl: Crawl, hidden: Hidden) -> None:
    """Every view, unfiltered and searched by each marker (test_searching_... tries every spelling)."""
    terms = [M1.spellings()[1], M2.email.upper(), M3.digits, M4.wechat]
    for view in VIEWS:
        for q in [None, *terms]:
            crawl.api("GET", "/customers", params={"view": view, "limit": 200} | ({"q": q} if q else {}))
        crawl.api("GET", "/customers", params={"view": view, "pool_id": hidden.pool})
        crawl.api("GET", "/customers", params={"view": view, "pool_id": hidden.pool, "limit": 1})


def provoke_every_refusal(crawl: Crawl, hidden: Hidden, persona: str) -> None:
    """Only refusals: a request that succeeded could rightly show the caller the contact."""
    api, me, admin = hidden.api, getattr(hidden.api.org, persona), hidden.api.org.admin.id
    refused = []
    hidden_customers = {M1: hidden.m1, M3: hidden.m3, M4: hidden.m4}
    for contact, customer_id in hidden_customers.items():
        if contact not in FORBIDDEN[persona]:
            continue
        if customer_id != hidden.m1 or persona == "west_manager":  # members may claim from the pool
            refused.append(crawl.api("POST", f"/customers/{customer_id}/claim"))
        for path, body in (
            ("release", {"reason": "试试"}),
            ("assign", {"user_id": admin}),  # nobody here may assign to the admin
            ("transfer", {"user_id": admin}),
            ("followups", {"kind": "call", "content": "?"}),
            ("deals", {"amount": "1"}),
            ("lock", None),
            ("unlock", None),
            ("restore", None),
        ):
            refused.append(crawl.api("POST", f"/customers/{customer_id}/{path}", json=body))
        refused.append(crawl.api("DELETE", f"/customers/{customer_id}"))
        for change in ({"grade": "A"}, {"grade": "Z"}, {"owner_id": me.id}, {"phone": "not a phone"}):
            refused.append(crawl.api("PATCH", f"/customers/{customer_id}", json=change))
    # Duplicates of every hidden customer, by phone in every spelling and by email in any case.
    for contact in FORBIDDEN[persona]:
        clock.advance(HIT_WINDOW)
        spellings = contact.spellings()
        for phone, extra in [(spellings[1], {}), (spellings[4], {}), (contact.phone, {"in_pool": True})]:
            response = crawl.api("POST", "/customers", json={"name": "撞单测试", "phone": phone, **extra})
            assert (response.status_code, error_code(response)) == (409, "duplicate_customer"), phone
            existing = response.json()["error"]["existing"]
            assert existing == {"visible": False} or set(existing) == {"visible", "id", "where"}
            refused.append(response)
        for email in (contact.email.upper(),):
            response = crawl.api("POST", "/customers", json={"name": "撞单测试", "email": email})
            assert (response.status_code, error_code(response)) == (409, "duplicate_customer"), email
            refused.append(response)
        for change in ({"phone": contact.phone}, {"email": contact.email.upper()}):
            # rep's own customer: a duplicate for rep and his manager, not_found for west_manager
            refused.append(crawl.api("PATCH", f"/customers/{hidden.reps_own}", json=change))
    # Refusals that only configuration provokes: the daily limit and a full capacity.
    assert api.admin.patch(f"/pools/{hidden.pool}", {"daily_claim_limit": 0}).status_code == 200
    refused.append(crawl.api("POST", f"/customers/{hidden.m1}/claim"))
    assert api.admin.patch(f"/pools/{hidden.pool}", {"daily_claim_limit": None}).status_code == 200
    assert api.admin.patch(f"/users/{me.id}", {"capacity": 0}).status_code == 200
    refused.append(crawl.api("POST", f"/customers/{hidden.m1}/claim"))
    assert api.admin.patch(f"/users/{me.id}", {"capacity": None}).status_code == 200
    assert [r.text for r in refused if r.status_code < 400] == []
    codes = {error_code(r) for r in refused}
    assert {"not_owner", "not_found", "forbidden", "validation_error", "duplicate_customer"} <= codes


@pytest.mark.parametrize("persona", ["rep", "east_manager", "west_manager"])
def test_no_response_ever_carries_a_contact_the_caller_may_not_see(hidden: Hidden, persona: str) -> None:
    crawl = Crawl(hidden, persona)
    crawled = crawl_every_get_endpoint(crawl, hidden)
    crawl_every_list_query(crawl, hidden)
    provoke_every_refusal(crawl, hidden, persona)
    assert crawl.leaks == []
    every_get = {p for p, ops in hidden.api.client.app.openapi()["paths"].items() if "get" in ops}
    assert crawled == every_get
    assert crawl.responses > 100
    assert crawl.open_contact_seen, "the crawl never saw even the visible contact: it proves nothing"


@pytest.mark.parametrize("persona", ["rep", "east_manager", "west_manager"])
def test_the_hidden_customer_reads_with_its_contact_fields_blank(hidden: Hidden, persona: str) -> None:
    caller: Caller = getattr(hidden.api, persona)
    read = caller.get(f"/customers/{hidden.m1}").json()
    assert {k: read[k] for k in ("name", "phone", "email", "wechat", "contact_hidden")} == {
        "name": "隐藏客户一",
        "phone": None,
        "email": None,
        "wechat": None,
        "contact_hidden": True,
    }
    assert read["custom_fields"] == {PUBLIC_FIELD: "春季展会"}
    listed = caller.get("/customers", params={"view": "pool", "pool_id": hidden.pool}).json()["items"]
    shown = {c["name"]: (c["phone"], c["email"], c["contact_hidden"], c["custom_fields"]) for c in listed}
    assert shown == {
        "隐藏客户一": (None, None, True, {PUBLIC_FIELD: "春季展会"}),
        "隐藏客户二": (None, None, True, {}),
        "新线索": (None, None, True, {}),
    }


@pytest.mark.parametrize("persona", ["rep", "east_manager", "west_manager"])
def test_an_earlier_owners_notes_read_with_the_contacts_masked(hidden: Hidden, persona: str) -> None:
    caller: Caller = getattr(hidden.api, persona)
    timeline = caller.get(f"/customers/{hidden.m1}/timeline").json()
    notes = [item["followup"]["content"] for item in timeline if item["type"] == "followup"]
    assert notes == ["王总说下周回电 •••，资料发 •••"]
    reasons = [item["event"]["reason"] for item in timeline if item["type"] == "event"]
    assert reasons == [None, None, "暂无需求，换号了：•••"]
    assert caller.get(f"/customers/{hidden.m1}/followups").json()[0]["content"] == notes[0]


@pytest.mark.parametrize("persona", ["rep", "east_manager", "west_manager"])
def test_searching_by_a_hidden_contact_finds_nothing(hidden: Hidden, persona: str) -> None:
    caller: Caller = getattr(hidden.api, persona)
    views = ("mine", "pool") if persona == "rep" else ("pool", "team")
    for q in searches(FORBIDDEN[persona]):
        for view in views:
            response = caller.get("/customers", params={"view": view, "q": q})
            assert response.json()["items"] == [], (view, q)
    # The name is not hidden: it finds the customer, still without its contacts.
    found = caller.get("/customers", params={"view": "pool", "q": "隐藏客户一"}).json()["items"]
    assert [(c["id"], c["phone"]) for c in found] == [(hidden.m1, None)]


@pytest.mark.parametrize("persona", ["other_rep", "admin"])
def test_the_pools_admin_and_an_admin_see_and_find_the_contact_details(hidden: Hidden, persona: str) -> None:
    caller: Caller = getattr(hidden.api, persona)
    read = caller.get(f"/customers/{hidden.m1}").json()
    assert (read["phone"], read["email"], read["wechat"], read["contact_hidden"]) == (
        M1.phone,
        M1.email,
        M1.wechat,
        False,
    )
    assert read["custom_fields"]["联系人电话"] == M1.spellings()[1]
    notes = caller.get(f"/customers/{hidden.m1}/followups").json()
    assert [n["content"] for n in notes] == [f"王总说下周回电 {M1.spellings()[1]}，资料发 {M1.email}"]
    # (Searching by the "0086..." spelling finds nothing for anyone: see test_list_visibility.)
    for q in (*[p for p in M1.spellings() if not p.startswith("00")], M1.email.upper(), M1.wechat):
        found = caller.get("/customers", params={"view": "pool", "q": q}).json()["items"]
        assert [c["id"] for c in found] == [hidden.m1], q


def test_a_sales_user_sees_the_contacts_of_a_customer_they_claim_until_they_release_it(
    hidden: Hidden,
) -> None:
    api = hidden.api
    assert api.admin.patch(f"/pools/{hidden.pool}", {"reclaim_protection_days": 3}).status_code == 200
    claimed = api.rep.post(f"/customers/{hidden.m2}/claim")
    assert claimed.status_code == 200, claimed.text
    shown = (claimed.json()["phone"], claimed.json()["email"], claimed.json()["contact_hidden"])
    assert shown == (M2.phone, M2.email, False)
    assert api.rep.get(f"/customers/{hidden.m2}").json()["wechat"] == M2.wechat
    assert [c["id"] for c in api.rep.get("/customers", params={"q": M2.digits}).json()["items"]] == [
        hidden.m2
    ]

    released = api.rep.post(f"/customers/{hidden.m2}/release", {"reason": "暂无需求"})
    assert released.status_code == 200
    assert (released.json()["phone"], released.json()["contact_hidden"]) == (None, True)
    assert M2.leaks_in(released.text) == []
    assert api.rep.get("/customers", params={"view": "pool", "q": M2.digits}).json()["items"] == []
    again = api.rep.post(f"/customers/{hidden.m2}/claim")
    assert (again.status_code, error_code(again)) == (409, "reclaim_protected")
    assert M2.leaks_in(again.text) == []
    assert api.admin.patch(f"/pools/{hidden.pool}", {"reclaim_protection_days": 0}).status_code == 200


def test_further_phones_are_hidden_like_the_first(hidden: Hidden) -> None:
    body = {"name": "两个号码", "phone": "13512345678", "phones": ["0731-88881234转8001"]}
    created = hidden.api.admin.post("/customers", {**body, "pool_id": hidden.pool, "in_pool": True})
    assert created.status_code == 201, created.text
    assert created.json()["phones"] == ["0731-88881234转8001"]
    customer_id = created.json()["id"]
    try:
        for persona in ("rep", "east_manager"):
            read = getattr(hidden.api, persona).get(f"/customers/{customer_id}").json()
            assert (read["phone"], read["phones"], read["contact_hidden"]) == (None, [], True)
    finally:
        assert hidden.api.admin.delete(f"/customers/{customer_id}").status_code == 204
