"""The pure rules, table by table: no database involved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from highseas import errors
from highseas.ownership.policy import (
    CustomerClock,
    RuleSpec,
    due_date,
    effective_capacity,
    ensure_claim_allowed,
    local_day_start,
    protection_ends,
    rule_applies,
)

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
DAY = timedelta(days=1)

SEED_RULES = [
    RuleSpec(1, "no_followup", 25, grades="B", only_not_won=True, remind_days_before=3),
    RuleSpec(2, "no_followup", 10, grades="CD", only_not_won=True),
    RuleSpec(3, "no_followup", 40, grades="E", only_not_won=True),
]


def owned(
    grade: str | None = "C", won: bool = False, locked: bool = False, **times: datetime | None
) -> CustomerClock:
    return CustomerClock(
        grade=grade,
        won=won,
        locked=locked,
        claimed_at=times.get("claimed_at", T0),
        last_followup_at=times.get("last_followup_at"),
        last_deal_at=times.get("last_deal_at"),
    )


@pytest.mark.parametrize(
    ("grade", "expected_days", "rule_id"),
    [("A", None, None), ("B", 25, 1), ("C", 10, 2), ("D", 10, 2), ("E", 40, 3), (None, None, None)],
)
def test_seed_grades_drop_after_their_own_number_of_days(
    grade: str | None, expected_days: int | None, rule_id: int | None
) -> None:
    due = due_date(owned(grade), SEED_RULES)
    if expected_days is None:
        assert due is None
    else:
        assert due is not None
        assert (due.at, due.rule_id) == (T0 + expected_days * DAY, rule_id)


def test_won_customers_are_excluded_by_only_not_won_rules() -> None:
    assert due_date(owned("B", won=True), SEED_RULES) is None


def test_a_followup_resets_the_no_followup_clock() -> None:
    due = due_date(owned("C", last_followup_at=T0 + 8 * DAY), SEED_RULES)
    assert due is not None and due.at == T0 + 18 * DAY


def test_a_followup_older_than_the_claim_does_not_count() -> None:
    due = due_date(owned("C", last_followup_at=T0 - 5 * DAY), SEED_RULES)
    assert due is not None and due.at == T0 + 10 * DAY


def test_locked_customers_never_fall_due() -> None:
    assert due_date(owned("C", locked=True), SEED_RULES) is None


def test_reminder_falls_the_given_days_before_the_drop() -> None:
    due = due_date(owned("B"), SEED_RULES)
    assert due is not None and due.remind_at == T0 + 22 * DAY


def test_earliest_deadline_wins_and_ties_go_to_the_lowest_rule_id() -> None:
    rules = [RuleSpec(7, "no_deal", 10), RuleSpec(5, "no_followup", 10), RuleSpec(9, "no_followup", 30)]
    due = due_date(owned("A"), rules)
    assert due is not None and (due.at, due.rule_id) == (T0 + 10 * DAY, 5)


@pytest.mark.parametrize(
    ("kind", "won", "applies"),
    [
        ("no_deal", False, True),
        ("no_deal", True, False),
        ("no_repurchase", False, False),
        ("no_repurchase", True, True),
        ("no_followup", True, True),
    ],
)
def test_which_customers_each_kind_reads(kind: str, won: bool, applies: bool) -> None:
    assert rule_applies(RuleSpec(1, kind, 30), owned(won=won)) is applies


def test_no_repurchase_counts_from_the_latest_deal() -> None:
    due = due_date(owned(won=True, last_deal_at=T0 + 3 * DAY), [RuleSpec(1, "no_repurchase", 30)])
    assert due is not None and due.at == T0 + 33 * DAY


def test_capacity_null_means_the_company_default() -> None:
    assert effective_capacity(None, 100) == 100
    assert effective_capacity(0, 100) == 0


def test_protection_ends_whole_days_after_the_loss() -> None:
    assert protection_ends(T0, 7) == T0 + 7 * DAY
    assert protection_ends(T0, 0) is None
    assert protection_ends(None, 7) is None


@pytest.mark.parametrize(
    ("instant", "midnight"),
    [
        ("2026-03-02T15:59:59+00:00", "2026-03-01T16:00:00+00:00"),
        ("2026-03-02T16:00:00+00:00", "2026-03-02T16:00:00+00:00"),
    ],
)
def test_the_day_starts_at_midnight_in_the_company_time_zone(instant: str, midnight: str) -> None:
    assert local_day_start(datetime.fromisoformat(instant), "Asia/Shanghai") == datetime.fromisoformat(
        midnight
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"protected_until": T0 + DAY}, errors.ReclaimProtected),
        ({"claims_today": 3, "daily_limit": 3}, errors.DailyLimit),
        ({"owned": 5, "capacity": 5}, errors.CapacityFull),
    ],
)
def test_claim_refusals(kwargs: dict[str, object], error: type[errors.DomainError]) -> None:
    args: dict[str, object] = {
        "owned": 0,
        "capacity": 5,
        "claims_today": 0,
        "daily_limit": None,
        "protected_until": None,
        "now": T0,
    } | kwargs
    with pytest.raises(error):
        ensure_claim_allowed(**args)  # type: ignore[arg-type]


def test_a_claim_within_every_limit_passes() -> None:
    ensure_claim_allowed(owned=4, capacity=5, claims_today=2, daily_limit=3, protected_until=T0, now=T0)
