"""How values read on a page, in the viewer's language and the company's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.numbers import format_currency

from highseas import errors
from highseas.ownership.policy import DAY
from highseas.pools.models import RecycleRule
from highseas.web.i18n import N_, Lang, translations

URGENT_WITHIN = 3 * DAY

EVENT_KINDS = {
    "create": N_("created"),
    "import": N_("imported"),
    "claim": N_("claimed"),
    "release": N_("released"),
    "assign": N_("assigned"),
    "transfer": N_("transferred"),
    "recycle": N_("recycled by a rule"),
    "merge": N_("merged"),
}
FOLLOWUP_KINDS = {
    "call": N_("Call"),
    "visit": N_("Visit"),
    "message": N_("Message"),
    "meeting": N_("Meeting"),
    "email": N_("Email"),
}
RULE_KINDS = {
    "no_followup": N_("%(days)d days without a follow-up"),
    "no_deal": N_("%(days)d days without a deal"),
    "no_repurchase": N_("%(days)d days without a repurchase"),
}
RULE_KIND_NAMES = {
    "no_followup": N_("No follow-up"),
    "no_deal": N_("No deal"),
    "no_repurchase": N_("No repurchase"),
}
ROLES = {"admin": N_("Admin"), "manager": N_("Manager"), "sales": N_("Sales rep")}
STRATEGIES = {
    "round_robin": N_("Round-robin: in turn"),
    "least_loaded": N_("Least loaded first"),
}
# The customer fields an import column can feed (see intake/mapping.py), and "ignore".
FIELD_NAMES = {
    "name": N_("Name"),
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "company": N_("Company"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "wechat": N_("WeChat"),
    "credit_code": N_("Unified social credit code"),
    "grade": N_("Grade"),
    "region": N_("Region"),
    "province": N_("Province"),
    "city": N_("City"),
    "district": N_("District"),
    "industry": N_("Industry"),
    "source": N_("Source"),
    "tags": N_("Tags"),
    "custom": N_("Custom field"),
    "ignore": N_("Ignore this column"),
}
STAGES = {"lead": N_("Lead"), "opportunity": N_("Opportunity"), "customer": N_("Customer")}

# What a refusal by the rules means, by its stable error code; ``details`` of the error fill in
# the blanks (see errors.py and ownership/policy.py for what each one carries).
ERROR_TEXTS = {
    "capacity_full": N_(
        "Capacity full: %(owned)s of at most %(capacity)s customers owned. Release one before taking another."
    ),
    "reclaim_protected": N_("You gave this customer up recently: it is protected from you until %(until)s."),
    "reclaim_protected_from_other": N_(
        "%(previous_owner)s gave this customer up recently: it is protected from them until %(until)s."
    ),
    "daily_limit": N_(
        "Daily limit reached: at most %(limit)s claims a day from this pool. Try again tomorrow."
    ),
    "already_owned": N_("Too late: someone else has already taken this customer."),
    "already_owned_by_you": N_("You already own this customer."),
    "lock_cap_full": N_("Lock cap reached: %(locked)s of %(lock_cap)s customers locked. Unlock one first."),
    "not_owner": N_("You do not own this customer (any more)."),
    "not_pool_member": N_("You are not a member of this pool, so you cannot claim from it."),
    "duplicate_customer": N_("This customer already exists: %(where)s."),
    "duplicate_customer_hidden": N_("This customer already exists, where you cannot see it."),
    "forbidden": N_("You are not allowed to do that."),
    "not_found": N_("That no longer exists, or you may not see it."),
    "rate_limited": N_("Too many failed logins. Try again in %(retry_after)s seconds."),
    "dedup_rate_limited": N_(
        "Too many duplicate checks hit customers you cannot fully see (at most %(limit)s in %(minutes)s "
        "minutes). Nothing was saved: try again later."
    ),
    "validation_error": N_("Please check “%(field)s”: %(message)s"),
    "busy": N_(
        "A file is being imported and checked for duplicates. Nothing was saved: try again in a minute."
    ),
}


class HasDue(Protocol):
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def locked(self) -> bool: ...


@dataclass
class Formatter:
    """One viewer's formatting: language, company time zone and the page's "now"."""

    lang: Lang
    zone: ZoneInfo
    now: datetime

    def gettext(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)

    def dt(self, value: datetime | None) -> str:
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M") if value else "—"

    def date(self, value: datetime | None) -> str:
        return value.astimezone(self.zone).strftime("%Y-%m-%d") if value else "—"

    def money(self, amount: Decimal) -> str:
        return format_currency(amount, "CNY", locale=self.lang.locale)

    def label(self, table: dict[str, str], key: str) -> str:
        return self.gettext(table[key]) if key in table else key

    def rule(self, rule: RecycleRule | None) -> str:
        """Such as "B 级 25 天未跟进" / "grade B: 25 days without a follow-up"."""
        if rule is None:
            return "—"
        text = self.gettext(RULE_KINDS[rule.kind.value]) % {"days": rule.days}
        if rule.only_not_won and rule.kind.value == "no_followup":
            text += self.gettext(" (not yet won)")
        if rule.grades:
            grades = "/".join(rule.grades)
            text = self.gettext("grade %(grades)s: %(rule)s") % {"grades": grades, "rule": text}
        return text

    def countdown(self, customer: HasDue) -> str:
        """When an owned customer drops back to its pool, such as "drops in 3 days"."""
        if customer.locked:
            return self.gettext("locked: never recycled")
        if customer.due_at is None:
            return self.gettext("no deadline")
        left = customer.due_at - self.now
        if left.total_seconds() <= 0:
            return self.gettext("drops at the next sweep")
        days = left // DAY
        if days >= 1:
            return self.ngettext("drops in %(num)d day", "drops in %(num)d days", days) % {"num": days}
        hours = max(1, int(left.total_seconds() // 3600))
        return self.ngettext("drops in %(num)d hour", "drops in %(num)d hours", hours) % {"num": hours}

    def urgent(self, customer: HasDue) -> bool:
        return (
            customer.due_at is not None and not customer.locked and customer.due_at - self.now < URGENT_WITHIN
        )

    def error(self, exc: errors.DomainError) -> str:
        """The refusal in words a rep can act on, with its numbers and dates."""
        code = exc.code
        if code == "already_owned" and exc.details.get("by_you"):
            code = "already_owned_by_you"
        if code == "duplicate_customer" and not exc.details["existing"]["visible"]:
            code = "duplicate_customer_hidden"  # no place to name: the reader may not see it
        if isinstance(exc, errors.RateLimited):
            code = "dedup_rate_limited"
        if code not in ERROR_TEXTS:
            return exc.message
        params = {k: v for k, v in exc.details.items() if isinstance(v, str | int)}
        if code == "reclaim_protected":
            code = "reclaim_protected_from_other" if "previous_owner" in exc.details else code
            params["until"] = self.dt(datetime.fromisoformat(str(exc.details["until"])))
        if code == "duplicate_customer":
            params["where"] = str(exc.details["existing"]["where"])
        if code == "validation_error":
            params["message"] = exc.message.partition(": ")[2] or exc.message
        try:
            return self.gettext(ERROR_TEXTS[code]) % params
        except KeyError:
            return exc.message
