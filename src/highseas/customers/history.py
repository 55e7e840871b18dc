"""What happened to a customer, for whoever may see it: ownership events, follow-ups and deals,
and the one timeline of all three; and a user's reminders. The API and the web pages read these."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from highseas import clock
from highseas.customers.hiding import mask_contacts
from highseas.customers.models import Customer, Deal, FollowUp
from highseas.customers.presenting import Presenter
from highseas.customers.schemas import CustomerOut, DealOut, EventOut, FollowUpOut, TimelineItem
from highseas.org.models import User
from highseas.ownership import service as ownership
from highseas.ownership.models import OwnershipEvent


def _events(session: Session, customer_id: int, masked: bool) -> list[EventOut]:
    """The customer's ownership events, and those of the records merged into it (they stay on
    those records: the log is append-only); ``masked`` as for :func:`_followups` (release reasons
    are typed by earlier owners too)."""
    merged_in = or_(Customer.id == customer_id, Customer.merged_into_id == customer_id)
    records = select(Customer.id).where(merged_in)
    rows = session.scalars(
        select(OwnershipEvent).where(OwnershipEvent.customer_id.in_(records)).order_by(OwnershipEvent.id)
    )
    events = [EventOut.model_validate(e) for e in rows]
    if masked:
        for event in events:
            event.reason = mask_contacts(event.reason) if event.reason else event.reason
    return events


def _followups(session: Session, customer_id: int, masked: bool) -> list[FollowUpOut]:
    """The customer's follow-ups; ``masked``: with the phones and emails in them masked, for a
    viewer who may not see the customer's contact details."""
    rows = session.scalars(
        select(FollowUp).where(FollowUp.customer_id == customer_id).order_by(FollowUp.at, FollowUp.seq)
    )
    followups = [FollowUpOut.model_validate(f) for f in rows]
    if masked:
        for followup in followups:
            followup.content = mask_contacts(followup.content)
    return followups


def _deals(session: Session, customer_id: int) -> list[DealOut]:
    rows = session.scalars(
        select(Deal).where(Deal.customer_id == customer_id).order_by(Deal.signed_at, Deal.seq)
    )
    return [DealOut.model_validate(d) for d in rows]


def _masked_for(session: Session, viewer: User, customer_id: int) -> bool:
    """Whether earlier owners' notes reach this viewer masked: the customer is visible to them
    (else ``not_found``) but its contact details are not."""
    customer = ownership.get_customer(session, viewer, customer_id)
    return Presenter(session, viewer).hides(customer)


def events(session: Session, viewer: User, customer_id: int) -> list[EventOut]:
    return _events(session, customer_id, _masked_for(session, viewer, customer_id))


def followups(session: Session, viewer: User, customer_id: int) -> list[FollowUpOut]:
    return _followups(session, customer_id, _masked_for(session, viewer, customer_id))


def deals(session: Session, viewer: User, customer_id: int) -> list[DealOut]:
    ownership.get_customer(session, viewer, customer_id)
    return _deals(session, customer_id)


def timeline(session: Session, viewer: User, customer_id: int) -> list[TimelineItem]:
    """Events, follow-ups and deals, oldest first; equal times keep the order they were recorded in.
    A viewer who may not see the contact details reads earlier owners' notes with them masked."""
    masked = _masked_for(session, viewer, customer_id)
    items = [
        TimelineItem(type="event", at=e.at, seq=e.seq, event=e) for e in _events(session, customer_id, masked)
    ]
    items += [
        TimelineItem(type="followup", at=f.at, seq=f.seq, followup=f)
        for f in _followups(session, customer_id, masked)
    ]
    items += [
        TimelineItem(type="deal", at=d.signed_at, seq=d.seq, deal=d) for d in _deals(session, customer_id)
    ]
    return sorted(items, key=lambda item: (item.at, item.seq))


def reminders(session: Session, viewer: User) -> list[CustomerOut]:
    """The viewer's customers inside their reminder window, soonest drop first."""
    now = clock.now()
    rows = session.scalars(
        select(Customer)
        .where(
            Customer.owner_id == viewer.id,
            Customer.deleted_at.is_(None),
            Customer.remind_at <= now,
            Customer.due_at > now,
        )
        .order_by(Customer.due_at, Customer.id)
    )
    show = Presenter(session, viewer)
    return [show(c) for c in rows]
