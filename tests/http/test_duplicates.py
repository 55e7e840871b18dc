"""Possible duplicates, merge and dismiss over HTTP: the contract's shapes and codes."""

from __future__ import annotations

from tests.http.conftest import Api, error_code


def _company(api: Api, persona: str, name: str, company: str, **fields: object) -> int:
    response = getattr(api, persona).post("/customers", {"name": name, "company": company, **fields})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_a_customers_possible_duplicates_are_listed_with_their_scores(api: Api) -> None:
    first = _company(api, "rep", "王总", "北京小米科技有限责任公司")
    second = _company(api, "rep", "李总", "小米科技有限公司")
    _company(api, "other_rep", "赵总", "上海小米科技有限公司")  # not the rep's to see
    response = api.rep.get(f"/customers/{first}/possible-duplicates")
    assert response.status_code == 200, response.text
    assert response.json() == [{"customer_id": second, "where": "owned by you", "score": 100}]
    assert error_code(api.west_rep.get(f"/customers/{first}/possible-duplicates")) == "not_found"


def test_merging_answers_the_survivor_with_the_merged_contacts(api: Api) -> None:
    survivor = _company(api, "rep", "王总", "北京小米科技有限责任公司")
    merged = _company(api, "rep", "王建国", "小米科技", phone="13900139000", tags=["重点"])
    response = api.rep.post(f"/customers/{survivor}/merge", {"merged_id": merged})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["phone"], body["tags"], body["owner_id"]) == (
        survivor,
        "13900139000",
        ["重点"],
        api.org.rep.id,
    )
    assert error_code(api.rep.get(f"/customers/{merged}")) == "not_found"
    kinds = [event["kind"] for event in api.rep.get(f"/customers/{survivor}/events").json()]
    assert kinds == ["create", "create", "merge", "merge"]


def test_merging_a_customer_the_caller_may_not_see_is_not_found(api: Api) -> None:
    mine = _company(api, "rep", "王总", "小米科技")
    theirs = _company(api, "other_rep", "李总", "北京小米科技")
    assert error_code(api.rep.post(f"/customers/{mine}/merge", {"merged_id": theirs})) == "not_found"
    assert error_code(api.rep.post(f"/customers/{theirs}/merge", {"merged_id": mine})) == "not_found"
    refused = api.east_manager.post(f"/customers/{mine}/merge", {"merged_id": theirs})
    assert (refused.status_code, error_code(refused)) == (403, "forbidden")


def test_merge_and_dismiss_refuse_bad_input_naming_the_field(api: Api) -> None:
    mine = _company(api, "rep", "王总", "小米科技")
    itself = api.rep.post(f"/customers/{mine}/merge", {"merged_id": mine})
    assert (itself.status_code, error_code(itself)) == (422, "validation_error")
    assert "merged_id" in itself.text
    one = api.rep.post("/possible-duplicates/dismiss", {"customer_ids": [mine]})
    assert (one.status_code, error_code(one)) == (422, "validation_error")
    assert "customer_ids" in one.text


def test_a_dismissed_pair_answers_204_and_is_no_longer_listed(api: Api) -> None:
    first = _company(api, "rep", "王总", "北京小米科技")
    second = _company(api, "rep", "李总", "上海小米科技")
    response = api.rep.post("/possible-duplicates/dismiss", {"customer_ids": [first, second]})
    assert (response.status_code, response.text) == (204, "")
    assert api.rep.get(f"/customers/{first}/possible-duplicates").json() == []
    hidden = _company(api, "other_rep", "赵总", "深圳小米科技")
    refused = api.rep.post("/possible-duplicates/dismiss", {"customer_ids": [first, hidden]})
    assert error_code(refused) == "not_found"
