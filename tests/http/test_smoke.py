"""The HTTP edge end to end: a rep claims from a pool and the timeline tells the story."""

from __future__ import annotations

from datetime import datetime

from tests.http.conftest import Api, error_code


def test_rep_claims_a_pool_customer_and_sees_it_in_mine(api: Api) -> None:
    created = api.admin.post("/customers", {"name": "杭州云帆科技", "grade": "C", "in_pool": True})
    assert created.status_code == 201
    customer_id = created.json()["id"]
    assert [c["id"] for c in api.rep.get("/customers?view=pool").json()["items"]] == [customer_id]
    claimed = api.rep.post(f"/customers/{customer_id}/claim")
    assert claimed.status_code == 200 and claimed.json()["owner_id"] == api.org.rep.id
    again = api.other_rep.post(f"/customers/{customer_id}/claim")
    assert (again.status_code, error_code(again)) == (409, "already_owned")
    assert [c["id"] for c in api.rep.get("/customers").json()["items"]] == [customer_id]
    kinds = [item["event"]["kind"] for item in api.rep.get(f"/customers/{customer_id}/timeline").json()]
    assert kinds == ["create", "claim"]
    assert api.rep.get("/me").json()["owned"] == 1


def test_responses_are_never_cached_framed_or_sniffed(api: Api) -> None:
    for response in (api.rep.get("/me"), api.anonymous.get("/healthz"), api.client.get("/login")):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_every_response_has_a_content_security_policy_that_runs_nothing_inline(api: Api) -> None:
    for response in (api.rep.get("/me"), api.client.get("/login"), api.anonymous.get("/docs")):
        directives = dict(
            d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";")
        )
        assert directives["default-src"] == "'none'"
        assert directives["script-src"] == directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"


def test_the_api_docs_load_nothing_from_the_internet_and_run_no_inline_script(api: Api) -> None:
    page = api.anonymous.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    assert "<script>" not in page.text and api.client.get("/static/docs.js").status_code == 200
    assert api.anonymous.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_changing_a_rule_moves_due_dates_at_once(api: Api) -> None:
    pool = api.org.east_pool.id
    rule = api.admin.post(f"/pools/{pool}/rules", {"kind": "no_deal", "days": 30}).json()
    customer = api.admin.post("/customers", {"name": "杭州云帆", "pool_id": pool, "in_pool": True}).json()
    claimed = api.rep.post(f"/customers/{customer['id']}/claim").json()
    changed = api.admin.request("PUT", f"/rules/{rule['id']}", json={"kind": "no_deal", "days": 5})
    assert changed.status_code == 200 and changed.json()["days"] == 5
    due = api.rep.get(f"/customers/{customer['id']}").json()["due_at"]
    assert (datetime.fromisoformat(due) - datetime.fromisoformat(claimed["claimed_at"])).days == 5
    refused = api.rep.request("PUT", f"/rules/{rule['id']}", json={"kind": "no_deal", "days": 1})
    assert (refused.status_code, error_code(refused)) == (403, "forbidden")
