"""What "contact details hidden" hides beyond phone, email and WeChat: pure functions.

A pool that hides contact details hides every way to reach the customer: the custom fields the
pool has not marked public (an import keeps 备用电话, QQ or 地址 there) and the phone numbers and
email addresses earlier owners typed into their follow-ups ("call back on 138…").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

import phonenumbers

from highseas.customers.contacts import DEFAULT_REGION

MASK = "•••"
# An address as people type one into a note: no spaces, one "@", a dot in the domain.
_EMAIL_IN_TEXT = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


def public_custom_fields(custom_fields: Mapping[str, Any], public: Collection[str]) -> dict[str, Any]:
    """The custom fields a viewer who may not see contact details may see: the public ones."""
    return {key: value for key, value in custom_fields.items() if key in public}


def mask_contacts(text: str) -> str:
    """``text`` with every phone number (as ``phonenumbers`` recognises a valid one, default region
    CN) and email address replaced by :data:`MASK`."""
    masked = _EMAIL_IN_TEXT.sub(MASK, text)
    pieces: list[str] = []
    end = 0
    for match in phonenumbers.PhoneNumberMatcher(masked, DEFAULT_REGION):
        pieces += [masked[end : match.start], MASK]
        end = match.end
    return "".join(pieces) + masked[end:]
