"""Typed domain errors, each carrying the stable code of the HTTP contract (API.md)."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A rule refused an operation; ``code`` is stable and documented, ``message`` is for people."""

    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 400
    # The kind of audit row a refusal of this class writes: those worth one (probing, not mistakes).
    audit_kind: ClassVar[str | None] = None
    # Seconds after which the same request may go through (answered as Retry-After), if known.
    retry_after: int | None = None

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    audit_kind = "forbidden"


class NotPoolMember(DomainError):
    code = "not_pool_member"
    status = 403
    audit_kind = "not_pool_member"


class NotFound(DomainError):
    code = "not_found"
    status = 404


class AlreadyOwned(DomainError):
    code = "already_owned"
    status = 409


class NotOwner(DomainError):
    code = "not_owner"
    status = 409


class CapacityFull(DomainError):
    code = "capacity_full"
    status = 409


class ReclaimProtected(DomainError):
    code = "reclaim_protected"
    status = 409


class DuplicateCustomer(DomainError):
    """``details["existing"]`` is ``{"visible": true, "id", "where"}`` for a customer the caller may
    see, ``{"visible": false}`` otherwise, and never carries a contact field."""

    code = "duplicate_customer"
    status = 409
    audit_kind = "duplicate_customer"


class DailyLimit(DomainError):
    code = "daily_limit"
    status = 429


class RateLimited(DomainError):
    """Too many answers of one kind (dedup hits) in a short time; the same request later works."""

    code = "rate_limited"
    status = 429
    audit_kind = "rate_limited"


class LockCapFull(DomainError):
    code = "lock_cap_full"
    status = 409


class Busy(DomainError):
    """Something that holds what this needs for a long while (an import's dedup check) is running:
    nothing was done, and the same request later will go through."""

    code = "busy"
    status = 503
    retry_after = 60  # an import's dedup check lasts about that


class InvalidInput(DomainError):
    """Malformed or out-of-range input; ``field`` names what to fix."""

    code = "validation_error"
    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)
        self.field = field


class WrongPassword(InvalidInput):
    """The current password given to set a new one is wrong: audited, since whoever holds an open
    session may be guessing it."""

    audit_kind = "password_change_refused"
