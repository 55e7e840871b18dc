"""The one gate through the API: reclaim protection on assign and distribute (``override_reason``
for admins only), distribution answers saying who was skipped and why, deactivation ending the
user's sessions by itself, and manual sweeps audited."""

from __future__ import annotations

from sqlalchemy import select

from highseas.auth.models import AuditEvent
from tests.http.conftest import Api, error_code


def released_by_rep(api: Api) -> int:
    east = api.org.east_pool.id  # seven days of reclaim protection
    created = api.admin.post("/customers", {"name": "退回的客户", "pool_id": east, "in_pool": True})
    customer_id = int(created.json()["id"])
    assert api.rep.post(f"/customers/{customer_id}/claim").status_code == 200
    assert api.rep.post(f"/customers/{customer_id}/release", {"reason": "不跟了"}).status_code == 200
    return customer_id


def test_assigning_back_to_the_rep_who_just_released_is_refused_unless_an_admin_says_why(api: Api) -> None:
    customer_id = released_by_rep(api)
    back = {"user_id": api.org.rep.id}
    assert error_code(api.east_manager.post(f"/customers/{customer_id}/assign", back)) == "reclaim_protected"
    assert error_code(api.admin.post(f"/customers/{customer_id}/assign", back)) == "reclaim_protected"
    with_reason = back | {"override_reason": "客户点名要他"}
    assert error_code(api.east_manager.post(f"/customers/{customer_id}/assign", with_reason)) == "forbidden"
    assigned = api.admin.post(f"/customers/{customer_id}/assign", with_reason)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["owner_id"] == api.org.rep.id


def test_distribute_answers_who_was_skipped_and_why(api: Api) -> None:
    customer_id = released_by_rep(api)
    reps = [api.org.rep.id, api.org.other_rep.id]
    response = api.east_manager.post(
        f"/pools/{api.org.east_pool.id}/distribute", {"user_ids": reps, "count": 5}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["by_user"] == {str(api.org.other_rep.id): [customer_id]}
    assert body["skipped"] == [
        {"user_id": api.org.rep.id, "reason": "reclaim_protected", "customer_ids": [customer_id]}
    ]
    refused = api.east_manager.post(
        f"/pools/{api.org.east_pool.id}/distribute", {"user_ids": reps, "count": 1, "override_reason": "x"}
    )
    assert error_code(refused) == "forbidden"


def test_a_deactivated_users_token_stops_working_and_the_deactivation_is_audited(api: Api) -> None:
    assert api.rep.get("/me").status_code == 200
    response = api.admin.post(f"/users/{api.org.rep.id}/deactivate", {"transfer_to": None})
    assert response.status_code == 200, response.text
    assert error_code(api.rep.get("/me")) == "unauthenticated"
    with api.org.session() as s:
        kinds = s.scalars(select(AuditEvent.kind)).all()
    assert "deactivate_user" in kinds


def test_a_manual_sweep_through_the_api_is_audited_dry_run_or_not(api: Api) -> None:
    assert api.admin.post("/sweep", {"dry_run": True}).status_code == 200
    assert api.admin.post("/sweep", {"dry_run": False}).status_code == 200
    assert error_code(api.east_manager.post("/sweep", {"dry_run": True})) == "forbidden"
    with api.org.session() as s:
        sweeps = s.scalars(select(AuditEvent).where(AuditEvent.kind == "sweep").order_by(AuditEvent.id)).all()
    assert [(a.actor_id, a.detail["dry_run"]) for a in sweeps] == [
        (api.org.admin.id, True),
        (api.org.admin.id, False),
    ]
