"""Bad input over the API is a 422 ``validation_error`` naming the field, never a server error and
never stored: NUL characters, cursors, day counts, dates, amounts, tags and custom fields."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import func, select

from highseas.customers.models import Customer, Deal, FollowUp
from highseas.validation import (
    MAX_AMOUNT,
    MAX_CUSTOM_FIELDS,
    MAX_CUSTOM_KEY_LENGTH,
    MAX_CUSTOM_VALUE_LENGTH,
    MAX_JSON_BODY,
    MAX_TAG_LENGTH,
    MAX_TAGS,
)
from tests.http.conftest import Api, error_code


def refused(response: Any, field: str) -> str:
    """The refusal's message, after checking it is a validation error naming ``field``."""
    assert response.status_code == 422, response.text
    assert error_code(response) == "validation_error"
    message = str(response.json()["error"]["message"])
    assert message.startswith(f"{field}: "), message
    return message


def count(api: Api, model: type[Any]) -> int:
    with api.org.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_nul_character_in_a_login_is_a_validation_error_naming_the_field(api: Api) -> None:
    login = api.anonymous.post("/auth/token", json={"username": "rep\u0000", "password": "x"})
    assert "NUL" in refused(login, "username")
    refused(api.anonymous.post("/auth/token", json={"username": "rep", "password": "\u0000"}), "password")


def test_nul_characters_in_bodies_and_queries_are_refused_by_name_and_nothing_is_stored(api: Api) -> None:
    refused(api.rep.post("/customers", json={"name": "甲\u0000"}), "name")
    refused(api.rep.post("/customers", json={"name": "甲", "tags": ["a", "b\u0000"]}), "tags.1")
    refused(
        api.rep.post("/customers", json={"name": "甲", "custom_fields": {"QQ\u0000": "1"}}),
        "custom_fields.QQ\\0",
    )
    for content_type in ({}, {"content-type": "application/merge-patch+json"}):
        raw = api.client.post(
            "/api/v1/customers", content=b'{"name": "\\u0000"}', headers=api.rep.headers | content_type
        )
        refused(raw, "name")
    refused(api.rep.get("/customers", params={"q": "张\u0000"}), "q")
    refused(api.rep.get("/possible-duplicates", params={"company": "\u0000"}), "company")
    assert count(api, Customer) == 0
    # Text that only looks like the escape is text like any other.
    kept = api.rep.post("/customers", json={"name": "a\\u0000b"})
    assert kept.status_code == 201 and kept.json()["name"] == "a\\u0000b"


def test_a_nul_character_without_a_token_is_answered_unauthenticated(api: Api) -> None:
    assert error_code(api.anonymous.get("/customers", params={"q": "\u0000"})) == "unauthenticated"


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", ["id:99999999999999999999", "id:-1", "due:1:2", "not a cursor", "%%%"])
def test_a_cursor_with_a_huge_id_or_garbage_is_a_validation_error(api: Api, cursor: str) -> None:
    refused(api.rep.get("/customers", params={"cursor": _cursor(cursor)}), "cursor")


def test_ids_beyond_the_database_integer_are_validation_errors(api: Api) -> None:
    refused(api.rep.get(f"/customers/{2**63 + 1}"), "customer_id")
    refused(api.rep.post("/customers", json={"name": "甲", "pool_id": 2**64}), "pool_id")
    refused(api.rep.get("/customers", params={"due_within_days": 100_000_000}), "due_within_days")


@pytest.fixture
def owned(api: Api) -> int:
    created = api.rep.post("/customers", json={"name": "钱多多"})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00+08:00", "1999-12-31T23:00:00+00:00", "2101-01-01T00:00:00+00:00"]
)
def test_a_follow_up_or_deal_dated_outside_2000_to_2100_is_refused(api: Api, owned: int, at: str) -> None:
    followup = api.rep.post(f"/customers/{owned}/followups", json={"kind": "call", "at": at})
    assert "between 2000 and 2100" in refused(followup, "at")
    refused(api.rep.post(f"/customers/{owned}/deals", json={"amount": 100, "signed_at": at}), "signed_at")
    assert (count(api, FollowUp), count(api, Deal)) == (0, 0)
    assert api.rep.get(f"/customers/{owned}").status_code == 200


@pytest.mark.parametrize("amount", ["0.005", 0.005, "1e20", "NaN", "Infinity", str(MAX_AMOUNT + 1), "-1", 0])
def test_a_deal_amount_has_at_most_two_decimals_and_a_sane_maximum(api: Api, owned: int, amount: Any) -> None:
    refused(api.rep.post(f"/customers/{owned}/deals", json={"amount": amount}), "amount")
    assert count(api, Deal) == 0
    assert api.rep.get(f"/customers/{owned}").json()["won"] is False


def test_custom_fields_are_flat_so_deep_nesting_is_refused(api: Api) -> None:
    deep: dict[str, Any] = {}
    for _ in range(300):
        deep = {"a": deep}
    refused(api.rep.post("/customers", json={"name": "甲", "custom_fields": deep}), "custom_fields.a")
    kept = api.rep.post(
        "/customers", json={"name": "甲", "custom_fields": {"QQ": "12345", "员工数": 30, "上市": False}}
    )
    assert kept.status_code == 201 and kept.json()["custom_fields"]["员工数"] == 30


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tags": [f"t{n}" for n in range(MAX_TAGS + 1)]}, "tags"),
        ({"tags": ["x" * (MAX_TAG_LENGTH + 1)]}, "tags.0"),
        ({"custom_fields": {f"k{n}": "v" for n in range(MAX_CUSTOM_FIELDS + 1)}}, "custom_fields"),
        ({"custom_fields": {"k" * (MAX_CUSTOM_KEY_LENGTH + 1): "v"}}, "custom_fields"),
        ({"custom_fields": {"备注": "v" * (MAX_CUSTOM_VALUE_LENGTH + 1)}}, "custom_fields.备注"),
    ],
)
def test_tags_and_custom_fields_have_size_limits_on_create_and_edit(
    api: Api, owned: int, changes: dict[str, Any], field: str
) -> None:
    refused(api.rep.post("/customers", json={"name": "甲", **changes}), field)
    refused(api.rep.patch(f"/customers/{owned}", json=changes), field)
    assert api.rep.get(f"/customers/{owned}").json()["tags"] == []


def test_a_json_body_past_the_limit_is_refused_before_it_is_read(api: Api) -> None:
    def post(body: bytes) -> Any:
        headers = api.rep.headers | {"content-type": "application/json"}
        return api.client.post("/api/v1/customers", content=body, headers=headers)

    assert "larger than" in refused(post(b'{"name": "' + b"x" * MAX_JSON_BODY + b'"}'), "body")
    refused(post(b"[" * 100_000), "body")
