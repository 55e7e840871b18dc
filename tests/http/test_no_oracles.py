"""No oracles: answers about customers the caller may not see never point at them, and dedup hits
are audited one by one and limited per user — through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from highseas import clock
from highseas.auth.models import AuditEvent
from highseas.customers.dedup import HIT_LIMIT, HIT_WINDOW
from tests.http.conftest import Api, Caller, error_code

PHONE = "13800138000"


def status(response: Any) -> tuple[int, str]:
    return response.status_code, error_code(response) if response.status_code >= 400 else ""


def created(caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    response = caller.post("/customers", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def dedup_hits(api: Api, actor_id: int) -> list[dict[str, Any]]:
    with api.org.session() as session:
        query = select(AuditEvent.detail).where(
            AuditEvent.actor_id == actor_id, AuditEvent.kind.in_(("duplicate_customer", "dedup_hit"))
        )
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_a_duplicate_of_a_customer_the_caller_cannot_see_names_neither_it_nor_its_place(api: Api) -> None:
    original = created(api.rep, {"name": "云帆", "phone": PHONE, "email": "boss@yunfan.example"})
    mine = created(api.west_rep, {"name": "西区客户"})
    for response in (
        api.west_rep.post("/customers", {"name": "撞单", "phone": "+86 138 0013 8000"}),
        api.west_rep.post("/customers", {"name": "撞单", "phone": PHONE, "in_pool": True}),
        api.west_rep.patch(f"/customers/{mine['id']}", {"email": "BOSS@yunfan.example"}),
    ):
        assert status(response) == (409, "duplicate_customer")
        error = response.json()["error"]
        assert error["existing"] == {"visible": False}
        assert error["message"] == "this customer already exists where you cannot see it"
        assert str(original["id"]) not in response.text and "colleague" not in response.text
    # Whoever may see it is told which customer and where, so 撞单 is stopped in the open.
    seen = api.east_manager.post("/customers", {"name": "撞单", "phone": PHONE}).json()["error"]
    assert seen["existing"] == {"visible": True, "id": original["id"], "where": "owned by 张伟"}
    assert api.west_rep.get("/me").json()["owned"] == 1


def test_every_dedup_hit_is_audited_with_its_key_and_the_customer_it_hit(api: Api) -> None:
    original = created(
        api.rep, {"name": "云帆", "company": "杭州云帆科技有限公司", "phone": PHONE, "email": "a@b.cn"}
    )
    for body in ({"phone": "0086 138 0013 8000"}, {"email": "A@B.CN"}, {"company": "杭州云帆科技"}):
        assert status(api.west_rep.post("/customers", {"name": "撞单", **body}))[0] == 409
    hits = dedup_hits(api, api.org.west_rep.id)
    assert [(h["key"], h["customer_id"], h["revealing"]) for h in hits] == [
        ("phone", original["id"], True),
        ("email", original["id"], True),
        ("company", original["id"], True),
    ]
    # The rep's own customer tells him nothing he may not see: audited, not counted.
    assert status(api.rep.post("/customers", {"name": "又一个", "phone": PHONE}))[0] == 409
    assert [(h["customer_id"], h["revealing"]) for h in dedup_hits(api, api.org.rep.id)] == [
        (original["id"], False)
    ]


def test_many_dedup_hits_in_a_short_time_are_refused_as_rate_limited(api: Api) -> None:
    created(api.rep, {"name": "云帆", "phone": PHONE})
    for _ in range(HIT_LIMIT):
        assert status(api.west_rep.post("/customers", {"name": "撞单", "phone": PHONE})) == (
            409,
            "duplicate_customer",
        )
    # Past the limit a duplicate and a new number alike are refused: the answer tells nothing.
    over = api.west_rep.post("/customers", {"name": "撞单", "phone": PHONE})
    assert status(over) == (429, "rate_limited") and "at most 20 in 10 minutes" in over.text
    assert status(api.west_rep.post("/customers", {"name": "新的", "phone": "13900139000"})) == (
        429,
        "rate_limited",
    )
    # Others are not held back, nor the same user once the window has passed.
    assert status(api.other_rep.post("/customers", {"name": "撞单", "phone": PHONE}))[0] == 409
    clock.advance(HIT_WINDOW + timedelta(seconds=1))
    assert status(api.west_rep.post("/customers", {"name": "新的", "phone": "13900139000"}))[0] == 201


def test_an_imports_hits_on_customers_the_importer_cannot_see_count_toward_the_limit(api: Api) -> None:
    for n in range(HIT_LIMIT + 1):
        created(api.rep, {"name": f"客户{n}", "phone": f"1380013{n:04d}"})
    pool = api.org.company_pool.id
    assert api.admin.patch(f"/pools/{pool}", {"admin_user_ids": [api.org.west_rep.id]}).status_code == 200
    rows = "".join(f"撞单{n},1380013{n:04d}\n" for n in range(HIT_LIMIT + 1))
    file = {"file": ("probes.csv", f"姓名,手机\n新客户,13900139000\n{rows}".encode(), "text/csv")}
    refused = api.west_rep.post(f"/pools/{pool}/import", files=file)
    assert status(refused) == (429, "rate_limited")
    assert api.west_rep.get("/customers", params={"view": "pool"}).json()["items"] == []
    # A file within the limit goes through, and then one more hit by hand is too many.
    few = {"file": ("few.csv", f"姓名,手机\n{rows.splitlines()[0]}\n".encode(), "text/csv")}
    assert api.west_rep.post(f"/pools/{pool}/import", files=few).json()["duplicates"] == 1
    for _ in range(HIT_LIMIT - 1):
        assert status(api.west_rep.post("/customers", {"name": "撞单", "phone": "13800130000"}))[0] == 409
    assert status(api.west_rep.post("/customers", {"name": "撞单", "phone": "13800130000"})) == (
        429,
        "rate_limited",
    )


def test_deleting_or_restoring_a_customer_the_caller_cannot_see_is_not_found(api: Api) -> None:
    customer = created(api.rep, {"name": "云帆"})
    path = f"/customers/{customer['id']}"
    assert status(api.west_rep.delete(path)) == (404, "not_found")
    assert status(api.rep.delete(path)) == (403, "forbidden")
    assert status(api.rep.delete("/customers/999999")) == (404, "not_found")
    assert api.admin.delete(path).status_code == 204
    assert status(api.west_rep.post(f"{path}/restore")) == (404, "not_found")
    assert status(api.rep.post(f"{path}/restore")) == (403, "forbidden")
    assert api.admin.post(f"{path}/restore").json()["owner_id"] == api.org.rep.id
