"""Every service test ends by checking DESIGN.md's invariants on the database it used.

A hook rather than a fixture: it runs right after the test body, while the test's database is
still the one it wrote (the ``engine`` or ``module_engine`` fixture), and only for tests that
passed — a failing test already says what broke. A test that builds rows by hand, without the
history that leads to them, is marked ``rows_without_events``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.invariants import assert_invariants


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    arguments = getattr(item, "funcargs", {})
    engine = arguments.get("engine") or arguments.get("module_engine")
    if isinstance(engine, Engine) and item.get_closest_marker("rows_without_events") is None:
        assert_invariants(engine)
    return result
