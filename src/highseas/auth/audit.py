"""Writing the security audit trail."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from highseas import clock
from highseas.auth.models import AuditEvent

_DIGITS = re.compile(r"\d")


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits: enough to recognise, not enough to dial."""
    digits = _DIGITS.findall(phone)
    if len(digits) <= 7:
        return "*" * len(digits)
    return "".join(digits[:3]) + "*" * (len(digits) - 7) + "".join(digits[-4:])


def mask_phone_like(text: str) -> str:
    """People type phone numbers into login forms: never keep one whole in the trail."""
    return mask_phone(text) if len(_DIGITS.findall(text)) >= 7 else text


def audit(
    session: Session,
    kind: str,
    *,
    actor_id: int | None = None,
    username: str | None = None,
    address: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(
            kind=kind, actor_id=actor_id, username=username, address=address, detail=detail, at=clock.now()
        )
    )
