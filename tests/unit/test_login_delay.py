"""The delay a username waits after its latest failed login: none for the first few, then
doubling from two seconds, never more than a minute."""

from __future__ import annotations

from datetime import timedelta

import pytest

from highseas.auth.throttle import username_delay


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (4, 0), (5, 2), (6, 4), (7, 8), (8, 16), (9, 32), (10, 60), (11, 60), (10_000, 60)],
)
def test_a_username_waits_longer_after_each_failure_up_to_a_minute(failures: int, seconds: int) -> None:
    assert username_delay(failures) == timedelta(seconds=seconds)
