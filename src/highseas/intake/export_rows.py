"""The rows of an export as one viewer reads them: in their language, times in the company's time
zone, one column per custom field, and nothing the viewer may not see.

Contact details hidden from the viewer (an unowned customer of a pool that hides contacts) are
left empty, and of such a customer's custom fields only those its pool shows all the same
(``Pool.public_custom_fields``) are filled, exactly as :class:`~highseas.customers.presenting.Presenter`
hides them; a custom field that only hidden customers have gets no column at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from highseas.auth.permissions import customer_contacts_hidden, visible_customers_clause
from highseas.customers.hiding import public_custom_fields
from highseas.customers.models import Customer, CustomerPhone
from highseas.intake.labels import EXPORT_COLUMNS, STAGE_LABELS, TAG_SEPARATOR, TIME_FORMAT, YES_NO
from highseas.languages import Lang
from highseas.org.models import User
from highseas.org.queries import company_settings
from highseas.pools.models import Pool
from highseas.pools.queries import viewer_parameters

BATCH = 2000


class CustomerSheet:
    """The customers matching ``where`` that ``viewer`` may see, as the rows of one export."""

    def __init__(self, session: Session, viewer: User, where: ColumnElement[bool], lang: Lang) -> None:
        self.session = session
        self.viewer = viewer
        self.lang = lang
        self.where = and_(where, Customer.deleted_at.is_(None), visible_customers_clause(viewer.role))
        self.parameters = viewer_parameters(session, viewer)
        self.zone = ZoneInfo(company_settings(session).timezone)

    @cached_property
    def public_fields(self) -> dict[int, list[str]]:
        """The custom fields each pool that hides contacts shows all the same."""
        pools = select(Pool.id, Pool.public_custom_fields).where(Pool.hide_contact.is_(True))
        return {pool_id: list(public) for pool_id, public in self.session.execute(pools)}

    @cached_property
    def custom_keys(self) -> list[str]:
        """The custom fields the viewer may see on at least one exported customer, in the order
        they first appear (by customer, then by name)."""
        entry = func.json_each(Customer.custom_fields).table_valued("key", "value").alias("entry")
        hidden = customer_contacts_hidden(self.viewer.role)
        still_shown = [
            and_(Customer.pool_id == pool_id, entry.c.key.in_(public))
            for pool_id, public in self.public_fields.items()
            if public
        ]
        may_see = or_(~hidden, *still_shown) if still_shown else ~hidden
        query = (
            select(entry.c.key)
            .select_from(Customer)
            .join(entry, true())
            .where(self.where, may_see)
            .group_by(entry.c.key)
            .order_by(func.min(Customer.id), entry.c.key)
        )
        return list(self.session.scalars(query, self.parameters))

    def header(self) -> list[str]:
        return [column.label(self.lang) for column in EXPORT_COLUMNS] + self.custom_keys

    def rows(self) -> Iterator[list[Any]]:
        owner = aliased(User)
        query = (
            select(
                Customer,
                Pool.name,
                owner.name,
                owner.username,
                customer_contacts_hidden(self.viewer.role).label("hidden"),
                _further_phones(),
            )
            .join(Pool, Pool.id == Customer.pool_id)
            .outerjoin(owner, owner.id == Customer.owner_id)
            .where(self.where)
            .order_by(Customer.id)
            .execution_options(yield_per=BATCH)
        )
        keys = self.custom_keys
        rows = self.session.execute(query, self.parameters)
        for c, pool_name, owner_name, owner_username, hidden, further in rows:
            custom = c.custom_fields or {}
            if hidden:
                custom = public_custom_fields(custom, self.public_fields.get(c.pool_id, []))
            yield [
                c.id,
                c.name,
                c.company,
                None if hidden else PHONE_SEPARATOR.join(p for p in (c.phone, further) if p) or None,
                None if hidden else c.email,
                None if hidden else c.wechat,
                c.credit_code,
                c.grade,
                STAGE_LABELS[c.stage.value][self.lang],
                c.region,
                c.industry,
                c.source,
                TAG_SEPARATOR[self.lang].join(c.tags or []),
                pool_name,
                (owner_name or owner_username) if c.owner_id is not None else None,
                self._yes_no(c.won),
                self._yes_no(c.locked),
                self._time(c.created_at),
                self._time(c.claimed_at),
                self._time(c.last_followup_at),
                *self._custom_cells(custom, keys),
            ]

    def _yes_no(self, value: bool) -> str:
        yes, no = YES_NO[self.lang]
        return yes if value else no

    def _time(self, at: datetime | None) -> str | None:
        """A time as a person in the company reads it: 2026-12-04 18:30, in its time zone."""
        return at.astimezone(self.zone).strftime(TIME_FORMAT) if at is not None else None

    def _custom_cells(self, custom: Mapping[str, Any], keys: list[str]) -> list[object]:
        return [self._custom_cell(custom.get(key)) for key in keys]

    def _custom_cell(self, value: object) -> object:
        if isinstance(value, bool):
            return self._yes_no(value)
        if isinstance(value, list):
            return TAG_SEPARATOR[self.lang].join(str(v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}: {v}" for k, v in value.items())
        return value


PHONE_SEPARATOR = " / "
"""Between a customer's numbers in the phone column: an import reads them back as its phones."""


def _further_phones() -> ColumnElement[str | None]:
    """A customer's numbers after the first, in one cell (string_agg / group_concat), in the order
    the database reads them: an import reads every one of them back, in whatever order."""
    query = select(func.aggregate_strings(CustomerPhone.phone, PHONE_SEPARATOR))
    return query.where(CustomerPhone.customer_id == Customer.id).scalar_subquery()
