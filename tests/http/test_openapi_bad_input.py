"""Every operation of the served OpenAPI document, sent NUL characters in each text field and
integers beyond 2^63 in each number, path and query parameter, answers 422 ``validation_error`` —
on SQLite and on PostgreSQL, where NUL cannot be stored. The schemathesis fuzzing runs on SQLite
with a few random examples; this crawl sends the two inputs that broke the server to every field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.http.conftest import Api, error_code

HUGE = 2**63 + 1
NUL_TEXT = "x\x00"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _kinds(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The JSON types a (possibly nullable or referenced) schema accepts."""
    schema = _resolve(document, schema)
    members = schema.get("anyOf") or schema.get("allOf") or [schema]
    kinds = set()
    for member in (_resolve(document, m) for m in members):
        if "enum" in member:
            continue  # a choice: any other text is refused by its own rule
        kind = member.get("type")
        if kind == "array":
            kinds |= {f"array-{k}" for k in _kinds(document, member.get("items", {}))}
        elif isinstance(kind, str):
            kinds.add(kind)
    return kinds


def _value(kinds: set[str], variant: str) -> Any:
    if variant == "nul":
        return NUL_TEXT if "string" in kinds else [NUL_TEXT] if "array-string" in kinds else None
    return HUGE if "integer" in kinds else [HUGE] if "array-integer" in kinds else None


def _requests(document: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(variant, method, path, request arguments) for every operation and field that can carry it."""
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            path = re.sub(r"\{[^}]+\}", "1", template)
            for variant in ("nul", "huge"):
                for parameter in parameters:
                    value = _value(_kinds(document, parameter["schema"]), variant)
                    if value is None:
                        continue
                    if parameter["in"] == "path":
                        yield variant, method, template.replace(f"{{{parameter['name']}}}", str(value)), {}
                    elif parameter["in"] == "query":
                        yield variant, method, path, {"params": {parameter["name"]: value}}
                body = operation.get("requestBody", {}).get("content", {}).get("application/json")
                if body is None:
                    continue
                schema = _resolve(document, body["schema"])
                for name, field in schema.get("properties", {}).items():
                    value = _value(_kinds(document, field), variant)
                    if value is not None:
                        yield variant, method, path, {"json": {name: value}}


def test_nul_characters_and_huge_integers_in_any_field_are_validation_errors(api: Api) -> None:
    document = api.admin.get("/openapi.json").json()
    sent = 0
    for variant, method, path, arguments in _requests(document):
        response = api.client.request(method, path, headers=api.admin.headers, **arguments)
        assert response.status_code == 422, (variant, method, path, arguments, response.text)
        assert error_code(response) == "validation_error"
        sent += 1
    assert sent > 100  # the crawl reached the fields, not only the paths
