"""Customers as bodies for one viewer, with the contact details they may not see left out: what
the API answers and the web pages show."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from highseas.auth.permissions import contact_hidden_pool_ids, contacts_shown
from highseas.customers.hiding import public_custom_fields
from highseas.customers.models import Customer
from highseas.customers.phones import phones_of
from highseas.customers.schemas import CustomerOut
from highseas.customers.search import CUSTOMER_ROW_FIELDS, CustomerRow
from highseas.org.models import User
from highseas.pools.models import Pool


class Presenter:
    """Turns customers into API bodies for one viewer, hiding contact details they may not see."""

    def __init__(self, session: Session, viewer: User) -> None:
        self.session = session
        self.viewer = viewer

    @cached_property
    def hidden_pools(self) -> set[int]:
        """:func:`contact_hidden_pool_ids` of the viewer. Only unowned customers can hide their
        contacts, and a listed row says itself: most responses never need this query."""
        return contact_hidden_pool_ids(self.session, self.viewer)

    @cached_property
    def public_fields(self) -> dict[int, list[str]]:
        """The custom fields each pool that hides contacts shows all the same; read only when a
        customer with hidden contacts is presented."""
        pools = select(Pool.id, Pool.public_custom_fields).where(Pool.hide_contact.is_(True))
        return {pool_id: public for pool_id, public in self.session.execute(pools)}

    def hides(self, c: Customer) -> bool:
        """Whether the viewer may not see this customer's contact details."""
        # Tested for an owner first so that ``hidden_pools`` is only read when it can matter.
        return c.owner_id is None and not contacts_shown(c.owner_id, c.pool_id, self.hidden_pools)

    def fields(self, c: Customer | CustomerRow) -> dict[str, Any]:
        """The body of one customer, to validate as a :class:`CustomerOut`."""
        # A row hands over its columns at once (``Row._asdict`` would look their names up again for
        # every row); reading 27 attributes one by one, or ``model_construct``, costs several times
        # pydantic's own validation of a dict.
        if isinstance(c, Row):
            fields = dict(zip(CUSTOMER_ROW_FIELDS, c, strict=True))
        else:
            fields = {name: getattr(c, name) for name in _STORED}
            fields["contact_hidden"] = self.hides(c)
            fields["phones"] = [] if fields["contact_hidden"] else phones_of(self.session, c.id)
        fields["stage"] = c.stage.value
        fields["tags"] = c.tags or []
        fields["custom_fields"] = c.custom_fields or {}
        if fields["contact_hidden"]:
            public = self.public_fields.get(c.pool_id, [])
            fields |= {"phone": None, "email": None, "wechat": None, "phones": []}
            fields["custom_fields"] = public_custom_fields(fields["custom_fields"], public)
        return fields

    def __call__(self, c: Customer | CustomerRow) -> CustomerOut:
        return CustomerOut.model_validate(self.fields(c))


_STORED = tuple(name for name in CustomerOut.model_fields if name not in ("contact_hidden", "phones"))
