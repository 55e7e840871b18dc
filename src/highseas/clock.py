"""The one clock of HighSeas.

Every rule reads time from :func:`now`, so tests, demos and what-if runs can fix it:
``HIGHSEAS_NOW`` (ISO 8601) freezes it for the whole process, and tests move it with
:func:`set_now` and :func:`advance` instead of sleeping.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

_fixed: datetime | None = None


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant; one without an offset is taken as UTC."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def now() -> datetime:
    if _fixed is not None:
        return _fixed
    frozen = os.environ.get("HIGHSEAS_NOW")
    if frozen:
        return parse_instant(frozen)
    return datetime.now(UTC)


def frozen_at() -> datetime | None:
    """The instant the clock was frozen at by :func:`set_now`, or None while it runs."""
    return _fixed


def set_now(value: datetime | None) -> None:
    """Freeze the clock at ``value`` (aware), or let it run again with ``None``."""
    global _fixed  # noqa: PLW0603 - the clock is process-wide by design
    if value is not None and value.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    _fixed = value.astimezone(UTC) if value is not None else None


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward (freezing it first if it runs)."""
    set_now(now() + delta)
    return now()
