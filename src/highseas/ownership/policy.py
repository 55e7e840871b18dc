"""The public-pool rules as plain functions: no database, no HTTP, table-tested.

The set-based SQL in :mod:`highseas.ownership.due` computes the same due dates for many customers
at once; ``tests/service/test_due_sql_agrees.py`` keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from highseas import errors

DAY = timedelta(hours=24)


@dataclass(frozen=True)
class RuleSpec:
    id: int
    kind: str
    days: int
    grades: str | None = None
    only_not_won: bool = False
    remind_days_before: int | None = None


@dataclass(frozen=True)
class CustomerClock:
    """What the recycle rules read of one owned customer."""

    grade: str | None
    won: bool
    locked: bool
    claimed_at: datetime | None
    last_followup_at: datetime | None
    last_deal_at: datetime | None


@dataclass(frozen=True)
class Due:
    at: datetime
    rule_id: int
    remind_at: datetime | None


def rule_applies(rule: RuleSpec, customer: CustomerClock) -> bool:
    if customer.locked:
        return False
    if rule.grades is not None and (customer.grade is None or customer.grade not in rule.grades):
        return False
    if rule.kind == "no_followup":
        return not (rule.only_not_won and customer.won)
    if rule.kind == "no_deal":
        return not customer.won
    return customer.won


def rule_clock_start(rule: RuleSpec, customer: CustomerClock) -> datetime | None:
    """The instant from which ``rule`` counts its days for this customer."""
    if rule.kind == "no_followup":
        # Every follow-up is logged by the owner and none lies in the future, so a follow-up later
        # than the owner's start is necessarily the current owner's own.
        if customer.claimed_at is None:
            return None
        if customer.last_followup_at is not None and customer.last_followup_at > customer.claimed_at:
            return customer.last_followup_at
        return customer.claimed_at
    if rule.kind == "no_deal":
        return customer.claimed_at
    return customer.last_deal_at


def due_date(customer: CustomerClock, rules: Iterable[RuleSpec]) -> Due | None:
    """The earliest deadline among the rules that apply; ties go to the lowest rule id."""
    best: tuple[datetime, int, RuleSpec] | None = None
    for rule in rules:
        if not rule_applies(rule, customer):
            continue
        start = rule_clock_start(rule, customer)
        if start is None:
            continue
        at = start + rule.days * DAY
        if best is None or (at, rule.id) < (best[0], best[1]):
            best = (at, rule.id, rule)
    if best is None:
        return None
    at, rule_id, rule = best
    remind_at = at - rule.remind_days_before * DAY if rule.remind_days_before is not None else None
    return Due(at=at, rule_id=rule_id, remind_at=remind_at)


def effective_capacity(capacity: int | None, default_capacity: int) -> int:
    return default_capacity if capacity is None else capacity


def protection_ends(lost_at: datetime | None, protection_days: int) -> datetime | None:
    """When a previous owner who lost the customer at ``lost_at`` may claim it again."""
    if lost_at is None or protection_days <= 0:
        return None
    return lost_at + protection_days * DAY


def local_day_start(now: datetime, timezone: str) -> datetime:
    """Midnight of ``now``'s day in the company time zone, as a UTC instant."""
    zone = ZoneInfo(timezone)
    local_date = now.astimezone(zone).date()
    return datetime.combine(local_date, time.min, tzinfo=zone).astimezone(UTC)


def ensure_room(owned: int, capacity: int, adding: int = 1, who: str = "you") -> None:
    if owned + adding > capacity:
        raise errors.CapacityFull(
            f"capacity full ({who}): {owned} of at most {capacity} customers owned, "
            f"no room for {adding} more",
            owned=owned,
            capacity=capacity,
        )


def ensure_unprotected(protected_until: datetime | None, now: datetime, who: str | None = None) -> None:
    """Refuse a move to a previous owner (``who``; the caller when None) inside the protection window."""
    if protected_until is None or now >= protected_until:
        return
    until = protected_until.isoformat()
    if who is None:
        raise errors.ReclaimProtected(
            f"you gave this customer up recently; you may claim it again from {until}", until=until
        )
    raise errors.ReclaimProtected(
        f"{who} gave this customer up recently and may get it again from {until}",
        until=until,
        previous_owner=who,
    )


def ensure_claim_allowed(
    *,
    owned: int,
    capacity: int,
    claims_today: int,
    daily_limit: int | None,
    protected_until: datetime | None,
    now: datetime,
) -> None:
    """Raise the first rule a claim breaks: protection, then the daily limit, then capacity."""
    ensure_unprotected(protected_until, now)
    if daily_limit is not None and claims_today >= daily_limit:
        raise errors.DailyLimit(
            f"you have claimed {claims_today} customers from this pool today, the daily limit",
            limit=daily_limit,
        )
    ensure_room(owned, capacity)


def ensure_lock_room(locked: int, lock_cap: int) -> None:
    if locked >= lock_cap:
        raise errors.LockCapFull(
            f"you already have {locked} locked customers, the most allowed ({lock_cap}); unlock one first",
            locked=locked,
            lock_cap=lock_cap,
        )
