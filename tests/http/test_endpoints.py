"""Every endpoint of API.md through HTTP: its success status and body shape, and every error code
of API.md's table provoked with its status. Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from highseas import clock
from tests.conftest import START
from tests.http.conftest import Api, Caller, error_code

DAY = timedelta(hours=24)
CUSTOMER_FIELDS = {
    "id", "name", "company", "phone", "email", "grade", "stage", "region", "industry", "source", "tags",
    "pool_id", "owner_id", "won", "locked", "claimed_at", "last_followup_at", "last_deal_at", "due_at",
    "contact_hidden",
}  # fmt: skip
CUSTOMER_TIMES = ("claimed_at", "last_followup_at", "last_deal_at", "due_at")
USER_FIELDS = {"id", "username", "name", "role", "department_id", "capacity", "lock_cap", "active"}
POOL_FIELDS = {
    "id", "name", "member_user_ids", "member_department_ids", "admin_user_ids", "hide_contact",
    "reclaim_protection_days", "daily_claim_limit", "source",
}  # fmt: skip
RULE_FIELDS = {"id", "kind", "days", "grades", "only_not_won", "remind_days_before"}
EVENT_FIELDS = {"kind", "from_user_id", "to_user_id", "pool_id", "actor_id", "rule_id", "reason", "at"}
SETTINGS_FIELDS = {"default_capacity", "default_pool_id", "timezone", "default_lock_cap"}
OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def utc_time(text: str) -> datetime:
    """An ISO 8601 time that carries an offset, read as the instant it names (UTC on output)."""
    assert OFFSET.search(text), f"{text!r} has no offset"
    value = datetime.fromisoformat(text)
    assert value.utcoffset() == timedelta(0), f"{text!r} is not UTC"
    return value


def later(api: Api, delta: timedelta) -> None:
    """Move the clock; a bearer token lasts 12 hours, so every persona logs in again."""
    clock.advance(delta)
    api.tokens.clear()


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the documented error; return the error object for further checks."""
    assert (response.status_code, error_code(response)) == (status, code), response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["message"].strip(), "an error tells a person what to do"
    return error


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def new_customer(caller: Caller, name: str = "杭州云帆科技", **fields: Any) -> dict[str, Any]:
    return created(caller.post("/customers", {"name": name, **fields}))


def pool_customer(api: Api, name: str = "苏州明远", **fields: Any) -> dict[str, Any]:
    return new_customer(api.admin, name, in_pool=True, **fields)


def event_kinds(caller: Caller, customer_id: int) -> list[str]:
    return [e["kind"] for e in ok(caller.get(f"/customers/{customer_id}/events"))]


# --- Organisation: departments, users, /me, settings -------------------------------------------------


def test_an_admin_creates_a_department_and_everyone_lists_departments(api: Api) -> None:
    parent = api.org.rep.department_id
    department = created(api.admin.post("/departments", {"name": "East Team B", "parent_id": parent}))
    assert set(department) >= {"id", "name", "parent_id"}
    assert (department["name"], department["parent_id"]) == ("East Team B", parent)
    listed = ok(api.rep.get("/departments"))
    assert department in listed and all(set(d) >= {"id", "name", "parent_id"} for d in listed)


def test_a_sales_user_may_not_create_departments_users_or_pools(api: Api) -> None:
    refused(api.rep.post("/departments", {"name": "Mine", "parent_id": None}), 403, "forbidden")
    new_user = {"username": "intern", "password": "a long passphrase", "role": "sales", "department_id": None}
    refused(api.rep.post("/users", new_user), 403, "forbidden")
    refused(api.rep.post("/pools", {"name": "My own pool"}), 403, "forbidden")


def test_an_admin_creates_reads_lists_and_edits_a_user(api: Api) -> None:
    department = api.org.rep.department_id
    user = created(
        api.admin.post(
            "/users",
            {
                "username": "liu",
                "password": "a long passphrase",
                "name": "刘洋",
                "role": "sales",
                "department_id": department,
                "capacity": 30,
                "lock_cap": 2,
            },
        )
    )
    assert set(user) >= USER_FIELDS and "password" not in user
    assert {k: user[k] for k in USER_FIELDS - {"id"}} == {
        "username": "liu",
        "name": "刘洋",
        "role": "sales",
        "department_id": department,
        "capacity": 30,
        "lock_cap": 2,
        "active": True,
    }
    assert ok(api.admin.get(f"/users/{user['id']}")) == user
    assert user in ok(api.admin.get("/users"))
    edited = ok(api.admin.patch(f"/users/{user['id']}", {"capacity": None, "name": "刘洋 (East)"}))
    assert (edited["capacity"], edited["name"]) == (None, "刘洋 (East)")
    assert ok(api.admin.get(f"/users/{user['id']}")) == edited


def test_a_sales_user_sees_only_themselves_and_changes_only_their_own_name(api: Api) -> None:
    assert [u["id"] for u in ok(api.rep.get("/users"))] == [api.org.rep.id]
    refused(api.rep.get(f"/users/{api.org.other_rep.id}"), 404, "not_found")
    assert ok(api.rep.patch(f"/users/{api.org.rep.id}", {"name": "张伟 (华东)"}))["name"] == "张伟 (华东)"
    refused(api.rep.patch(f"/users/{api.org.rep.id}", {"capacity": 500}), 403, "forbidden")


def test_me_counts_owned_customers_and_its_effective_capacity_follows_the_settings(api: Api) -> None:
    new_customer(api.rep)
    me = ok(api.rep.get("/me"))
    assert USER_FIELDS | {"owned", "effective_capacity"} <= set(me)
    assert (me["id"], me["capacity"], me["owned"], me["effective_capacity"]) == (api.org.rep.id, None, 1, 100)

    settings = ok(api.admin.get("/settings"))
    assert set(settings) >= SETTINGS_FIELDS
    assert settings["default_capacity"] == 100
    assert settings["default_pool_id"] == api.org.company_pool.id
    assert settings["timezone"] == "Asia/Shanghai"
    patched = ok(api.admin.patch("/settings", {"default_capacity": 7, "default_lock_cap": 3}))
    assert (patched["default_capacity"], patched["default_lock_cap"]) == (7, 3)

    assert ok(api.rep.get("/me"))["effective_capacity"] == 7
    ok(api.admin.patch(f"/users/{api.org.other_rep.id}", {"capacity": 12}))
    assert ok(api.other_rep.get("/me"))["effective_capacity"] == 12


def test_only_an_admin_changes_the_settings_and_only_to_valid_values(api: Api) -> None:
    refused(api.rep.patch("/settings", {"default_capacity": 1000}), 403, "forbidden")
    error = refused(api.admin.patch("/settings", {"timezone": "Mars/Olympus"}), 422, "validation_error")
    assert "timezone" in error["message"]
    error = refused(api.admin.patch("/settings", {"default_capacity": -1}), 422, "validation_error")
    assert "default_capacity" in error["message"]
    assert ok(api.admin.get("/settings"))["default_capacity"] == 100


# --- Pools and rules -----------------------------------------------------------------------------------


def test_an_admin_creates_edits_and_lists_a_pool(api: Api) -> None:
    body = {
        "name": "Trade Show 2026",
        "member_user_ids": [api.org.west_rep.id],
        "member_department_ids": [api.org.rep.department_id],
        "admin_user_ids": [api.org.east_manager.id],
        "hide_contact": True,
        "reclaim_protection_days": 3,
        "daily_claim_limit": 5,
        "source": "expo",
    }
    pool = created(api.admin.post("/pools", body))
    assert set(pool) >= POOL_FIELDS
    assert {k: pool[k] for k in body} == body
    assert ok(api.admin.get(f"/pools/{pool['id']}")) == pool
    assert pool in ok(api.admin.get("/pools"))

    edited = ok(api.admin.patch(f"/pools/{pool['id']}", {"daily_claim_limit": None, "hide_contact": False}))
    assert edited == pool | {"daily_claim_limit": None, "hide_contact": False}
    # Its pool admin runs its claim settings; its source is the admins'.
    as_pool_admin = ok(api.east_manager.patch(f"/pools/{pool['id']}", {"reclaim_protection_days": 5}))
    assert as_pool_admin["reclaim_protection_days"] == 5
    refused(api.east_manager.patch(f"/pools/{pool['id']}", {"source": "expo-2026"}), 403, "forbidden")


def test_pools_are_listed_only_to_those_who_may_see_them(api: Api) -> None:
    assert [p["name"] for p in ok(api.west_rep.get("/pools"))] == ["Company"]
    assert [p["name"] for p in ok(api.rep.get("/pools"))] == ["Company", "East Leads"]
    refused(api.west_rep.get(f"/pools/{api.org.east_pool.id}"), 404, "not_found")
    refused(api.rep.patch(f"/pools/{api.org.east_pool.id}", {"name": "Mine now"}), 403, "forbidden")


def test_rules_are_added_listed_and_deleted_by_pool_admins(api: Api) -> None:
    pool_id = api.org.company_pool.id
    body = {
        "kind": "no_followup",
        "days": 15,
        "grades": ["B", "C"],
        "only_not_won": True,
        "remind_days_before": 3,
    }
    rule = created(api.admin.post(f"/pools/{pool_id}/rules", body))
    assert set(rule) >= RULE_FIELDS
    assert {k: rule[k] for k in body} == body
    second = created(api.admin.post(f"/pools/{pool_id}/rules", {"kind": "no_deal", "days": 90}))
    assert (second["grades"], second["only_not_won"], second["remind_days_before"]) == (None, False, None)
    assert [r["id"] for r in ok(api.rep.get(f"/pools/{pool_id}/rules"))] == [rule["id"], second["id"]]

    refused(api.rep.delete(f"/rules/{rule['id']}"), 403, "forbidden")
    deleted = api.admin.delete(f"/rules/{rule['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert [r["id"] for r in ok(api.rep.get(f"/pools/{pool_id}/rules"))] == [second["id"]]
    refused(api.admin.delete(f"/rules/{rule['id']}"), 404, "not_found")


def test_a_rule_with_a_wrong_kind_or_days_is_refused_naming_the_field(api: Api) -> None:
    pool_id = api.org.company_pool.id
    for body, field in (
        ({"kind": "no_visit", "days": 10}, "kind"),
        ({"kind": "no_deal", "days": 0}, "days"),
        ({"kind": "no_deal", "days": 10, "grades": ["Z"]}, "grades"),
        ({"kind": "no_deal", "days": 10, "remind_days_before": 10}, "remind_days_before"),
    ):
        error = refused(api.admin.post(f"/pools/{pool_id}/rules", body), 422, "validation_error")
        assert field in error["message"], (body, error)
    assert ok(api.admin.get(f"/pools/{pool_id}/rules")) == []


# --- Customers: create, read, list, edit ----------------------------------------------------------------


def test_a_created_customer_is_owned_by_its_creator_in_the_default_pool(api: Api) -> None:
    customer = new_customer(
        api.rep,
        company="云帆",
        phone="138 0013 8000",
        email="ceo@yunfan.example",
        grade="B",
        region="浙江",
        industry="SaaS",
        source="referral",
        tags=["vip"],
    )
    assert set(customer) >= CUSTOMER_FIELDS
    assert customer["owner_id"] == api.org.rep.id
    assert customer["pool_id"] == api.org.company_pool.id
    assert (customer["phone"], customer["email"], customer["contact_hidden"]) == (
        "138 0013 8000",
        "ceo@yunfan.example",
        False,
    )
    assert (customer["grade"], customer["stage"], customer["tags"]) == ("B", "lead", ["vip"])
    assert (customer["won"], customer["locked"]) == (False, False)
    assert utc_time(customer["claimed_at"]) == START
    assert ok(api.rep.get(f"/customers/{customer['id']}")) == customer


def test_a_customer_created_in_a_pool_is_unowned_and_shows_in_the_pool_view(api: Api) -> None:
    customer = new_customer(api.rep, pool_id=api.org.east_pool.id, in_pool=True)
    assert (customer["owner_id"], customer["pool_id"], customer["claimed_at"]) == (
        None,
        api.org.east_pool.id,
        None,
    )
    assert [c["id"] for c in ok(api.other_rep.get("/customers?view=pool"))["items"]] == [customer["id"]]
    narrowed = ok(api.other_rep.get(f"/customers?view=pool&pool_id={api.org.company_pool.id}"))
    assert narrowed["items"] == []
    assert ok(api.west_rep.get("/customers?view=pool"))["items"] == []


def test_every_time_on_a_customer_is_iso_8601_utc(api: Api) -> None:
    created(api.admin.post(f"/pools/{api.org.company_pool.id}/rules", {"kind": "no_followup", "days": 10}))
    customer = new_customer(api.rep)
    clock.advance(timedelta(hours=2))
    created(api.rep.post(f"/customers/{customer['id']}/followups", {"kind": "call", "content": "intro"}))
    created(api.rep.post(f"/customers/{customer['id']}/deals", {"amount": 1200}))
    body = ok(api.rep.get(f"/customers/{customer['id']}"))
    times = {name: utc_time(body[name]) for name in CUSTOMER_TIMES}
    two_hours_later = START + timedelta(hours=2)
    assert times == {
        "claimed_at": START,
        "last_followup_at": two_hours_later,
        "last_deal_at": two_hours_later,
        "due_at": two_hours_later + 10 * DAY,
    }


def test_the_customer_list_pages_with_a_cursor_and_filters(api: Api) -> None:
    ids = [new_customer(api.rep, f"客户{i}", grade="B" if i % 2 else "C")["id"] for i in range(5)]
    first = ok(api.rep.get("/customers?view=mine&limit=2"))
    assert set(first) >= {"items", "next_cursor"}
    assert [c["id"] for c in first["items"]] == ids[:2]
    assert isinstance(first["next_cursor"], str)
    second = ok(api.rep.get(f"/customers?limit=2&cursor={first['next_cursor']}"))
    third = ok(api.rep.get(f"/customers?limit=2&cursor={second['next_cursor']}"))
    assert [c["id"] for c in second["items"] + third["items"]] == ids[2:]
    assert third["next_cursor"] is None

    assert [c["id"] for c in ok(api.rep.get("/customers?grade=B"))["items"]] == [ids[1], ids[3]]
    assert [c["id"] for c in ok(api.rep.get("/customers?q=客户4"))["items"]] == [ids[4]]
    team = ok(api.east_manager.get("/customers?view=team"))["items"]
    assert [c["id"] for c in team] == ids
    assert [c["id"] for c in ok(api.admin.get("/customers?view=all"))["items"]] == ids
    refused(api.rep.get("/customers?view=all"), 403, "forbidden")
    refused(api.rep.get("/customers?view=team"), 403, "forbidden")


def test_hidden_contacts_read_as_null_and_are_never_searchable(api: Api) -> None:
    body = {"name": "Cold calls", "member_user_ids": [api.org.rep.id], "hide_contact": True}
    pool = created(api.admin.post("/pools", body))
    customer = new_customer(
        api.admin, "嘉兴远航", phone="13900139000", email="boss@yh.example", pool_id=pool["id"], in_pool=True
    )
    seen = ok(api.rep.get(f"/customers/{customer['id']}"))
    assert (seen["phone"], seen["email"], seen["contact_hidden"]) == (None, None, True)
    assert ok(api.rep.get("/customers?view=pool&q=13900139000"))["items"] == []
    assert ok(api.rep.get("/customers?view=pool&q=boss@yh"))["items"] == []
    assert [c["id"] for c in ok(api.rep.get("/customers?view=pool&q=远航"))["items"]] == [customer["id"]]
    claimed = ok(api.rep.post(f"/customers/{customer['id']}/claim"))
    assert (claimed["phone"], claimed["contact_hidden"]) == ("13900139000", False)


def test_the_owner_edits_descriptive_fields_of_a_customer(api: Api) -> None:
    customer = new_customer(api.rep, grade="C")
    edited = ok(
        api.rep.patch(
            f"/customers/{customer['id']}", {"name": "云帆科技", "grade": "A", "stage": "opportunity"}
        )
    )
    assert (edited["name"], edited["grade"], edited["stage"]) == ("云帆科技", "A", "opportunity")
    assert ok(api.rep.get(f"/customers/{customer['id']}")) == edited


READ_ONLY = {
    "owner_id": None,
    "pool_id": 2,
    "won": True,
    "locked": True,
    "due_at": "2030-01-01T00:00:00+08:00",
    "claimed_at": "2020-01-01T00:00:00Z",
    "last_followup_at": "2026-03-01T00:00:00Z",
    "last_deal_at": "2026-03-01T00:00:00Z",
    "created_at": "2020-01-01T00:00:00Z",
    "updated_at": "2020-01-01T00:00:00Z",
}


def test_a_read_only_field_in_a_customer_patch_is_refused_naming_it_and_nothing_changes(api: Api) -> None:
    customer = new_customer(api.rep)
    for field, value in READ_ONLY.items():
        for caller in (api.rep, api.admin):
            response = caller.patch(f"/customers/{customer['id']}", {"name": "改名", field: value})
            error = refused(response, 422, "validation_error")
            assert field in error["message"], (field, error)
    assert ok(api.rep.get(f"/customers/{customer['id']}")) == customer


# --- Ownership: claim, release, assign, transfer, lock --------------------------------------------------


def test_a_claim_and_a_release_are_recorded_as_events_oldest_first(api: Api) -> None:
    customer = pool_customer(api)
    clock.advance(timedelta(minutes=5))
    claimed = ok(api.rep.post(f"/customers/{customer['id']}/claim"))
    assert (claimed["owner_id"], utc_time(claimed["claimed_at"])) == (
        api.org.rep.id,
        START + timedelta(minutes=5),
    )
    clock.advance(timedelta(minutes=5))
    released = ok(api.rep.post(f"/customers/{customer['id']}/release", {"reason": "wrong industry"}))
    assert (released["owner_id"], released["pool_id"]) == (None, api.org.company_pool.id)

    events = ok(api.admin.get(f"/customers/{customer['id']}/events"))
    assert all(set(e) >= EVENT_FIELDS for e in events)
    rep, admin, pool = api.org.rep.id, api.org.admin.id, api.org.company_pool.id
    assert [(e["kind"], e["from_user_id"], e["to_user_id"], e["actor_id"], e["pool_id"]) for e in events] == [
        ("create", None, None, admin, pool),
        ("claim", None, rep, rep, pool),
        ("release", rep, None, rep, pool),
    ]
    assert events[2]["reason"] == "wrong industry"
    minutes = [(utc_time(e["at"]) - START) / timedelta(minutes=1) for e in events]
    assert minutes == [0, 5, 10]


def test_a_release_needs_a_reason_and_may_go_to_another_pool_of_the_owner(api: Api) -> None:
    customer = new_customer(api.rep)
    error = refused(
        api.rep.post(f"/customers/{customer['id']}/release", {"reason": " "}), 422, "validation_error"
    )
    assert "reason" in error["message"]
    error = refused(api.rep.post(f"/customers/{customer['id']}/release", {}), 422, "validation_error")
    assert "reason" in error["message"]
    moved = ok(
        api.rep.post(
            f"/customers/{customer['id']}/release", {"reason": "east lead", "pool_id": api.org.east_pool.id}
        )
    )
    assert (moved["owner_id"], moved["pool_id"]) == (None, api.org.east_pool.id)


def test_an_admin_assigns_a_pool_customer_and_a_manager_transfers_it_within_the_team(api: Api) -> None:
    customer = pool_customer(api)
    assigned = ok(api.admin.post(f"/customers/{customer['id']}/assign", {"user_id": api.org.rep.id}))
    assert assigned["owner_id"] == api.org.rep.id
    moved = ok(
        api.east_manager.post(f"/customers/{customer['id']}/transfer", {"user_id": api.org.other_rep.id})
    )
    assert moved["owner_id"] == api.org.other_rep.id
    assert event_kinds(api.admin, customer["id"]) == ["create", "assign", "transfer"]
    refused(  # a user outside the manager's subtree is not even visible to them
        api.east_manager.post(f"/customers/{customer['id']}/transfer", {"user_id": api.org.west_rep.id}),
        404,
        "not_found",
    )
    refused(
        api.rep.post(f"/customers/{customer['id']}/assign", {"user_id": api.org.rep.id}), 404, "not_found"
    )


def test_the_owner_locks_and_unlocks_a_customer(api: Api) -> None:
    customer = new_customer(api.rep)
    assert ok(api.rep.post(f"/customers/{customer['id']}/lock"))["locked"] is True
    assert ok(api.rep.get(f"/customers/{customer['id']}"))["locked"] is True
    assert ok(api.rep.post(f"/customers/{customer['id']}/unlock"))["locked"] is False


# --- Follow-ups, deals, timeline -------------------------------------------------------------------------


def test_follow_ups_and_deals_are_created_and_the_first_deal_wins_the_customer(api: Api) -> None:
    customer = new_customer(api.rep)
    followup = created(
        api.rep.post(
            f"/customers/{customer['id']}/followups",
            {"kind": "visit", "content": "met the CFO", "at": "2026-03-02T00:30:00Z"},
        )
    )
    assert (followup["kind"], followup["content"], followup["customer_id"]) == (
        "visit",
        "met the CFO",
        customer["id"],
    )
    assert utc_time(followup["at"]) == START - timedelta(minutes=30)
    deal = created(api.rep.post(f"/customers/{customer['id']}/deals", {"amount": 9800.5}))
    assert (float(deal["amount"]), deal["customer_id"], utc_time(deal["signed_at"])) == (
        9800.5,
        customer["id"],
        START,
    )
    won = ok(api.rep.get(f"/customers/{customer['id']}"))
    assert (won["won"], won["stage"], utc_time(won["last_deal_at"])) == (True, "customer", START)
    assert [f["id"] for f in ok(api.rep.get(f"/customers/{customer['id']}/followups"))] == [followup["id"]]
    assert [d["id"] for d in ok(api.rep.get(f"/customers/{customer['id']}/deals"))] == [deal["id"]]


def test_times_given_with_another_offset_come_back_in_utc(api: Api) -> None:
    path = f"/customers/{new_customer(api.rep)['id']}"
    given = "2026-03-02T08:30:00+08:00"
    followup = created(api.rep.post(f"{path}/followups", {"kind": "call", "at": given}))
    deal = created(api.rep.post(f"{path}/deals", {"amount": 100, "signed_at": given}))
    assert ok(api.rep.get(f"{path}/followups"))[0]["at"] == "2026-03-02T00:30:00Z"
    assert utc_time(followup["at"]) == utc_time(deal["signed_at"]) == START - timedelta(minutes=30)


def test_follow_ups_and_deals_refuse_bad_input_naming_the_field(api: Api) -> None:
    path = f"/customers/{new_customer(api.rep)['id']}"
    for suffix, body, field in (
        ("/followups", {"kind": "fax", "content": "x"}, "kind"),
        ("/followups", {"kind": "call", "at": "2026-03-02T08:00:00"}, "at"),
        ("/followups", {"kind": "call", "at": "2026-03-03T09:00:00+08:00"}, "at"),
        ("/deals", {"amount": 0}, "amount"),
        ("/deals", {"amount": "a lot"}, "amount"),
        ("/deals", {"amount": 10, "signed_at": "2027-01-01T00:00:00Z"}, "signed_at"),
    ):
        error = refused(api.rep.post(path + suffix, body), 422, "validation_error")
        assert field in error["message"], (body, error)
    assert ok(api.rep.get(path))["won"] is False


def test_the_timeline_merges_events_follow_ups_and_deals_oldest_first(api: Api) -> None:
    customer = pool_customer(api)
    path = f"/customers/{customer['id']}"
    clock.advance(timedelta(hours=1))
    ok(api.rep.post(f"{path}/claim"))
    clock.advance(timedelta(hours=1))
    created(api.rep.post(f"{path}/followups", {"kind": "call", "content": "asked for a quote"}))
    clock.advance(timedelta(hours=1))
    created(api.rep.post(f"{path}/deals", {"amount": 500}))
    clock.advance(timedelta(hours=1))
    created(api.rep.post(f"{path}/followups", {"kind": "email", "content": "sent the invoice"}))
    # A follow-up logged now about a call made before the claim sorts by when it happened.
    created(
        api.rep.post(
            f"{path}/followups", {"kind": "message", "content": "早上好", "at": "2026-03-02T09:30:00+08:00"}
        )
    )
    timeline = ok(api.rep.get(f"{path}/timeline"))
    described = [
        (item["type"], (item["event"] or {}).get("kind") or (item["followup"] or {}).get("content"))
        for item in timeline
    ]
    assert described == [
        ("event", "create"),
        ("followup", "早上好"),
        ("event", "claim"),
        ("followup", "asked for a quote"),
        ("deal", None),
        ("followup", "sent the invoice"),
    ]
    times = [utc_time(item["at"]) for item in timeline]
    assert times == sorted(times)


def test_timeline_entries_recorded_at_the_same_instant_keep_the_order_recorded(api: Api) -> None:
    customer = new_customer(api.rep)
    path = f"/customers/{customer['id']}"
    created(api.rep.post(f"{path}/deals", {"amount": 800}))
    created(api.rep.post(f"{path}/followups", {"kind": "call", "content": "thanked them"}))
    ok(api.rep.post(f"{path}/release", {"reason": "handing over"}))
    assert [item["type"] for item in ok(api.rep.get(f"{path}/timeline"))] == [
        "event",
        "deal",
        "followup",
        "event",
    ]


# --- Deleting, reminders, the sweep ----------------------------------------------------------------------


def test_an_admin_soft_deletes_and_restores_a_customer(api: Api) -> None:
    customer = new_customer(api.rep)
    refused(api.rep.delete(f"/customers/{customer['id']}"), 403, "forbidden")
    deleted = api.admin.delete(f"/customers/{customer['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    refused(api.rep.get(f"/customers/{customer['id']}"), 404, "not_found")
    assert ok(api.rep.get("/me"))["owned"] == 0
    restored = ok(api.admin.post(f"/customers/{customer['id']}/restore"))
    assert (restored["id"], restored["owner_id"]) == (customer["id"], api.org.rep.id)
    assert ok(api.rep.get(f"/customers/{customer['id']}"))["name"] == customer["name"]
    refused(api.admin.post(f"/customers/{customer['id']}/restore"), 404, "not_found")


def test_reminders_list_the_callers_customers_soonest_due_first(api: Api) -> None:
    pool_id = api.org.company_pool.id
    created(
        api.admin.post(
            f"/pools/{pool_id}/rules", {"kind": "no_followup", "days": 10, "remind_days_before": 3}
        )
    )
    last = new_customer(api.rep, "晚到期")
    later(api, -DAY)
    sooner = new_customer(api.rep, "早到期")
    later(api, DAY)
    new_customer(api.other_rep, "别人的")
    assert ok(api.rep.get("/reminders")) == []
    later(api, 7 * DAY + timedelta(minutes=1))
    due = ok(api.rep.get("/reminders"))
    assert [c["id"] for c in due] == [sooner["id"], last["id"]]
    assert set(due[0]) >= CUSTOMER_FIELDS
    assert utc_time(due[0]["due_at"]) == START + 9 * DAY


def test_the_sweep_recycles_due_customers_and_reports_by_rule(api: Api) -> None:
    pool_id = api.org.company_pool.id
    rule = created(api.admin.post(f"/pools/{pool_id}/rules", {"kind": "no_followup", "days": 5}))
    customer = new_customer(api.rep)
    refused(api.rep.post("/sweep", {"dry_run": False}), 403, "forbidden")
    assert ok(api.admin.post("/sweep", {"dry_run": False}))["recycled"] == 0

    later(api, 5 * DAY)
    preview = ok(api.admin.post("/sweep", {"dry_run": True}))
    assert {"recycled", "reminded", "by_rule"} <= set(preview)
    assert (preview["recycled"], preview["by_rule"]) == (1, {str(rule["id"]): 1})
    assert isinstance(preview["reminded"], int)
    assert ok(api.rep.get(f"/customers/{customer['id']}"))["owner_id"] == api.org.rep.id

    report = ok(api.admin.post("/sweep", {"dry_run": False}))
    assert (report["recycled"], report["by_rule"]) == (1, {str(rule["id"]): 1})
    recycled = ok(api.admin.get(f"/customers/{customer['id']}"))
    assert (recycled["owner_id"], recycled["pool_id"]) == (None, pool_id)
    last = ok(api.admin.get(f"/customers/{customer['id']}/events"))[-1]
    assert (last["kind"], last["from_user_id"], last["rule_id"]) == ("recycle", api.org.rep.id, rule["id"])
    assert ok(api.admin.post("/sweep", {}))["recycled"] == 0


# --- Deactivation ----------------------------------------------------------------------------------------


def test_deactivating_with_a_transfer_moves_every_customer_to_the_colleague(api: Api) -> None:
    ids = [new_customer(api.rep, f"客户{i}")["id"] for i in range(3)]
    api.token("rep")
    left = ok(api.admin.post(f"/users/{api.org.rep.id}/deactivate", {"transfer_to": api.org.other_rep.id}))
    assert set(left) >= USER_FIELDS and left["active"] is False
    assert [c["id"] for c in ok(api.other_rep.get("/customers"))["items"]] == ids
    assert ok(api.other_rep.get("/me"))["owned"] == 3
    for customer_id in ids:
        last = ok(api.admin.get(f"/customers/{customer_id}/events"))[-1]
        assert (last["kind"], last["from_user_id"], last["to_user_id"], last["actor_id"]) == (
            "transfer",
            api.org.rep.id,
            api.org.other_rep.id,
            api.org.admin.id,
        )
    refused(api.rep.get("/me"), 401, "unauthenticated")
    assert ok(api.admin.get(f"/users/{api.org.rep.id}"))["active"] is False


def test_deactivating_without_a_transfer_releases_every_customer_to_its_pool(api: Api) -> None:
    home = new_customer(api.rep)["id"]
    east = new_customer(api.rep, "宁波海纳", pool_id=api.org.east_pool.id)["id"]
    ok(api.admin.post(f"/users/{api.org.rep.id}/deactivate", {"transfer_to": None}))
    for customer_id, pool_id in ((home, api.org.company_pool.id), (east, api.org.east_pool.id)):
        customer = ok(api.admin.get(f"/customers/{customer_id}"))
        assert (customer["owner_id"], customer["pool_id"]) == (None, pool_id)
        last = ok(api.admin.get(f"/customers/{customer_id}/events"))[-1]
        assert (last["kind"], last["from_user_id"], last["to_user_id"]) == ("release", api.org.rep.id, None)
    assert {c["id"] for c in ok(api.other_rep.get("/customers?view=pool"))["items"]} == {home, east}


def test_deactivation_is_all_or_nothing_when_the_colleague_lacks_room(api: Api) -> None:
    ids = [new_customer(api.rep, f"客户{i}")["id"] for i in range(2)]
    ok(api.admin.patch(f"/users/{api.org.other_rep.id}", {"capacity": 1}))
    body = {"transfer_to": api.org.other_rep.id}
    refused(api.admin.post(f"/users/{api.org.rep.id}/deactivate", body), 409, "capacity_full")
    assert [c["id"] for c in ok(api.rep.get("/customers"))["items"]] == ids
    assert ok(api.admin.get(f"/users/{api.org.rep.id}"))["active"] is True
    refused(
        api.east_manager.post(f"/users/{api.org.rep.id}/deactivate", {"transfer_to": None}), 403, "forbidden"
    )


# --- Every error code of API.md through HTTP ------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/departments"), ("POST", "/departments"), ("GET", "/users"), ("POST", "/users"),
    ("GET", "/users/1"), ("PATCH", "/users/1"), ("POST", "/users/1/deactivate"), ("GET", "/me"),
    ("GET", "/settings"), ("PATCH", "/settings"), ("GET", "/pools"), ("POST", "/pools"),
    ("GET", "/pools/1"), ("PATCH", "/pools/1"), ("GET", "/pools/1/rules"), ("POST", "/pools/1/rules"),
    ("DELETE", "/rules/1"), ("GET", "/customers"), ("POST", "/customers"), ("GET", "/customers/1"),
    ("PATCH", "/customers/1"), ("DELETE", "/customers/1"), ("POST", "/customers/1/claim"),
    ("POST", "/customers/1/release"), ("POST", "/customers/1/assign"), ("POST", "/customers/1/transfer"),
    ("POST", "/customers/1/followups"), ("POST", "/customers/1/deals"), ("GET", "/customers/1/events"),
    ("GET", "/customers/1/timeline"), ("POST", "/customers/1/lock"), ("POST", "/customers/1/unlock"),
    ("POST", "/customers/1/restore"), ("GET", "/reminders"), ("POST", "/sweep"), ("POST", "/auth/logout"),
]  # fmt: skip


def test_every_endpoint_refuses_a_caller_without_a_valid_token(api: Api) -> None:
    forged = Caller(api.client, {"Authorization": "Bearer " + "A" * 43})
    basic = Caller(api.client, {"Authorization": "Basic cmVwOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ=="})
    for method, path in ENDPOINTS:
        for caller in (api.anonymous, forged, basic):
            response = caller.request(method, path, json={})
            assert (response.status_code, error_code(response)) == (401, "unauthenticated"), (method, path)


def test_claiming_from_a_visible_pool_one_is_not_a_member_of_is_not_pool_member(api: Api) -> None:
    team_pool = created(
        api.admin.post(
            "/pools", {"name": "Team A Leads", "member_department_ids": [api.org.rep.department_id]}
        )
    )
    customer = pool_customer(api, pool_id=team_pool["id"])
    assert ok(api.east_manager.get(f"/customers/{customer['id']}"))["owner_id"] is None
    refused(api.east_manager.post(f"/customers/{customer['id']}/claim"), 403, "not_pool_member")

    vip = created(
        api.admin.post(
            "/pools",
            {"name": "VIP", "member_user_ids": [api.org.rep.id], "admin_user_ids": [api.org.west_rep.id]},
        )
    )
    vip_customer = pool_customer(api, "上海华庭", pool_id=vip["id"])
    refused(api.west_rep.post(f"/customers/{vip_customer['id']}/claim"), 403, "not_pool_member")
    refused(api.admin.post(f"/customers/{vip_customer['id']}/claim"), 403, "not_pool_member")
    owned = new_customer(api.rep)
    body = {"reason": "belongs there", "pool_id": team_pool["id"]}
    assert ok(api.rep.post(f"/customers/{owned['id']}/release", body))["pool_id"] == team_pool["id"]
    refused(  # a pool the caller cannot see at all answers like a missing one
        api.west_rep.post("/customers", {"name": "无权", "pool_id": api.org.east_pool.id, "in_pool": True}),
        404,
        "not_found",
    )


def test_a_customer_the_caller_may_not_see_is_not_found(api: Api) -> None:
    east = pool_customer(api, pool_id=api.org.east_pool.id)
    for method, suffix in (
        ("GET", ""),
        ("PATCH", ""),
        ("POST", "/claim"),
        ("GET", "/events"),
        ("GET", "/timeline"),
    ):
        response = api.west_rep.request(method, f"/customers/{east['id']}{suffix}", json={"name": "x"})
        assert (response.status_code, error_code(response)) == (404, "not_found"), (method, suffix)
    refused(api.rep.get("/customers/9999"), 404, "not_found")
    refused(api.rep.post("/customers/9999/claim"), 404, "not_found")
    refused(api.admin.get("/users/9999"), 404, "not_found")
    refused(api.admin.get("/pools/9999"), 404, "not_found")


def test_claiming_an_owned_customer_is_already_owned_even_for_one_who_cannot_see_it(api: Api) -> None:
    customer = new_customer(api.rep)
    refused(api.rep.post(f"/customers/{customer['id']}/claim"), 409, "already_owned")
    refused(api.other_rep.post(f"/customers/{customer['id']}/claim"), 409, "already_owned")
    refused(api.west_rep.get(f"/customers/{customer['id']}"), 404, "not_found")
    refused(api.west_rep.post(f"/customers/{customer['id']}/claim"), 409, "already_owned")
    refused(api.outsider.post(f"/customers/{customer['id']}/claim"), 404, "not_found")


def test_releasing_or_following_up_a_customer_one_does_not_own_is_not_owner(api: Api) -> None:
    in_pool = pool_customer(api)
    refused(api.rep.post(f"/customers/{in_pool['id']}/release", {"reason": "not mine"}), 409, "not_owner")
    refused(api.rep.post(f"/customers/{in_pool['id']}/followups", {"kind": "call"}), 409, "not_owner")
    refused(api.rep.post(f"/customers/{in_pool['id']}/deals", {"amount": 100}), 409, "not_owner")
    refused(api.rep.post(f"/customers/{in_pool['id']}/lock"), 409, "not_owner")
    reps = new_customer(api.rep, "宁波海纳")
    refused(
        api.east_manager.post(f"/customers/{reps['id']}/release", {"reason": "mine now"}), 409, "not_owner"
    )
    refused(api.east_manager.post(f"/customers/{reps['id']}/followups", {"kind": "visit"}), 409, "not_owner")
    assert ok(api.rep.get(f"/customers/{reps['id']}"))["owner_id"] == api.org.rep.id


def test_a_user_at_capacity_is_refused_with_capacity_full(api: Api) -> None:
    ok(api.admin.patch(f"/users/{api.org.rep.id}", {"capacity": 1}))
    new_customer(api.rep)
    waiting = pool_customer(api)
    refused(api.rep.post(f"/customers/{waiting['id']}/claim"), 409, "capacity_full")
    refused(api.rep.post("/customers", {"name": "再来一个"}), 409, "capacity_full")
    refused(
        api.admin.post(f"/customers/{waiting['id']}/assign", {"user_id": api.org.rep.id}),
        409,
        "capacity_full",
    )
    assert ok(api.rep.get("/me"))["owned"] == 1


def test_the_previous_owner_cannot_reclaim_inside_the_protection_window(api: Api) -> None:
    customer = new_customer(api.rep, pool_id=api.org.east_pool.id)
    ok(api.rep.post(f"/customers/{customer['id']}/release", {"reason": "no budget"}))
    refused(api.rep.post(f"/customers/{customer['id']}/claim"), 409, "reclaim_protected")
    later(api, 7 * DAY - timedelta(seconds=1))
    refused(api.rep.post(f"/customers/{customer['id']}/claim"), 409, "reclaim_protected")
    later(api, timedelta(seconds=1))
    assert ok(api.rep.post(f"/customers/{customer['id']}/claim"))["owner_id"] == api.org.rep.id


def test_a_duplicate_customer_says_where_the_existing_one_is_only_to_whom_may_see_it(api: Api) -> None:
    original = new_customer(
        api.rep, phone="138 0013 8000", email="Boss@YunFan.example", credit_code="91330100MA2CXXXX0C"
    )
    for contact in (
        {"phone": "+86 13800138000"},
        {"phone": "0086-138-0013-8000"},
        {"email": "boss@yunfan.EXAMPLE"},
        {"credit_code": "91330100MA2CXXXX0C"},
    ):
        response = api.west_rep.post("/customers", {"name": "撞单", **contact})
        error = refused(response, 409, "duplicate_customer")
        assert error["existing"] == {"visible": False}
        assert error["message"] == "this customer already exists where you cannot see it"
        assert "13800138000" not in response.text and "yunfan" not in response.text.lower()
    seen_by_manager = refused(
        api.east_manager.post("/customers", {"name": "撞单", "phone": "13800138000"}),
        409,
        "duplicate_customer",
    )
    where = f"owned by {api.org.rep.name}"
    assert seen_by_manager["existing"] == {"visible": True, "id": original["id"], "where": where}
    in_pool = pool_customer(api, "宁波海纳", phone="13900139000")
    unowned = refused(
        api.west_rep.post("/customers", {"name": "又撞", "phone": "139 0013 9000"}), 409, "duplicate_customer"
    )
    assert unowned["existing"] == {"visible": True, "id": in_pool["id"], "where": "Company"}
    assert ok(api.west_rep.get("/me"))["owned"] == 0


def test_claims_beyond_the_pools_daily_limit_wait_for_the_next_local_day(api: Api) -> None:
    ok(api.admin.patch(f"/pools/{api.org.company_pool.id}", {"daily_claim_limit": 1}))
    first, second = pool_customer(api, "一号"), pool_customer(api, "二号")
    ok(api.rep.post(f"/customers/{first['id']}/claim"))
    refused(api.rep.post(f"/customers/{second['id']}/claim"), 429, "daily_limit")
    ok(api.other_rep.post(f"/customers/{second['id']}/claim"))
    ok(api.other_rep.post(f"/customers/{second['id']}/release", {"reason": "for rep"}))
    # START is 09:00 in Shanghai: 23:59 the same day is still today, 00:00 is tomorrow.
    later(api, timedelta(hours=14, minutes=59))
    refused(api.rep.post(f"/customers/{second['id']}/claim"), 429, "daily_limit")
    later(api, timedelta(minutes=1))
    assert ok(api.rep.post(f"/customers/{second['id']}/claim"))["owner_id"] == api.org.rep.id


def test_locking_beyond_the_lock_cap_is_lock_cap_full(api: Api) -> None:
    ok(api.admin.patch(f"/users/{api.org.rep.id}", {"lock_cap": 1}))
    first, second = new_customer(api.rep, "一号"), new_customer(api.rep, "二号")
    ok(api.rep.post(f"/customers/{first['id']}/lock"))
    refused(api.rep.post(f"/customers/{second['id']}/lock"), 409, "lock_cap_full")
    assert ok(api.rep.get(f"/customers/{second['id']}"))["locked"] is False
    ok(api.rep.post(f"/customers/{first['id']}/unlock"))
    assert ok(api.rep.post(f"/customers/{second['id']}/lock"))["locked"] is True


def test_input_fastapi_cannot_parse_is_a_validation_error_naming_the_field(api: Api) -> None:
    customer = new_customer(api.rep)
    for response, field in (
        (api.rep.get("/customers/abc"), "customer_id"),
        (api.rep.get("/customers?view=everything"), "view"),
        (api.rep.get("/customers?limit=0"), "limit"),
        (api.rep.get("/customers?limit=ten"), "limit"),
        (api.rep.get("/customers?cursor=not-a-cursor"), "cursor"),
        (api.rep.post("/customers", {}), "name"),
        (api.rep.post("/customers", {"name": "x", "grade": "F"}), "grade"),
        (api.rep.post("/customers", {"name": "x", "tags": "vip"}), "tags"),
        (api.rep.post("/customers", {"name": "x", "pool_id": "east"}), "pool_id"),
        (api.rep.post("/customers", {"name": "x", "nickname": "y"}), "nickname"),
        (api.rep.patch(f"/customers/{customer['id']}", {"name": None}), "name"),
        (api.rep.post(f"/customers/{customer['id']}/transfer", {}), "user_id"),
        (
            api.admin.post("/users", {"username": "u", "password": "a long passphrase", "role": "boss"}),
            "role",
        ),
        (api.admin.post("/pools", {"name": "P", "reclaim_protection_days": -1}), "reclaim_protection_days"),
        (api.admin.post("/departments", {"name": ""}), "name"),
    ):
        error = refused(response, 422, "validation_error")
        assert field in error["message"], (field, error)


def test_a_malformed_or_missing_json_body_is_a_validation_error(api: Api) -> None:
    headers = {**api.rep.headers, "Content-Type": "application/json"}
    for content in (b'{"name": "x"', b"not json", b""):
        response = api.client.post("/api/v1/customers", content=content, headers=headers)
        error = refused(response, 422, "validation_error")
        assert "body" in error["message"], (content, error)
    customer = new_customer(api.rep)
    error = refused(api.rep.post(f"/customers/{customer['id']}/release"), 422, "validation_error")
    assert "body" in error["message"]


def test_an_id_beyond_the_databases_integer_range_is_a_validation_error_naming_it(api: Api) -> None:
    customer = new_customer(api.rep)
    for huge in (2**31, 2**63):
        for response, field in (
            (api.rep.get(f"/customers/{huge}"), "customer_id"),
            (api.rep.post(f"/customers/{huge}/claim"), "customer_id"),
            (api.admin.get(f"/users/{huge}"), "user_id"),
            (api.admin.post(f"/customers/{customer['id']}/assign", {"user_id": huge}), "user_id"),
            (api.admin.get("/customers", params={"view": "all", "pool_id": huge}), "pool_id"),
            (api.admin.patch("/settings", {"default_capacity": huge}), "default_capacity"),
        ):
            assert refused(response, 422, "validation_error")["message"].startswith(field)


def test_an_unknown_route_is_not_found_in_the_error_body(api: Api) -> None:
    for response in (
        api.rep.get("/no-such-thing"),
        api.rep.get("/customers/1/history"),
        api.client.get("/api/v2/customers"),
    ):
        refused(response, 404, "not_found")
    # Outside /api the web pages answer: a styled HTML page (tests/web), not a JSON body.
    assert api.client.get("/nowhere").status_code == 404
