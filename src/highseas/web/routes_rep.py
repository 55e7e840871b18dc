"""A rep's day: my customers, the pools, one customer's page, reminders."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from highseas.api.deps import IdPath
from highseas.auth.permissions import Action, can, pools_for
from highseas.customers import history, service
from highseas.customers.models import GRADES
from highseas.customers.presenting import Presenter
from highseas.customers.queries import count_locked, count_owned
from highseas.customers.search import CustomerQuery, View, owned_by_due, search_customers
from highseas.intake.similar import mergeable_duplicates
from highseas.org.models import Role, User
from highseas.ownership import gate
from highseas.ownership import service as ownership
from highseas.pools.models import Pool
from highseas.pools.queries import get_pool, member_pool_ids, visible_pool_ids
from highseas.validation import parse_amount
from highseas.web.actions import act, unconfirmed
from highseas.web.context import CsrfChecked, SignedIn, safe_path
from highseas.web.format import EVENT_KINDS, FOLLOWUP_KINDS, STAGES
from highseas.web.forms import optional_int, optional_text, required_int
from highseas.web.lookups import pool_names, rules_by_id, user_names

router = APIRouter()
PAGE_SIZE = 50


@router.get("/")
def home(page: SignedIn) -> RedirectResponse:
    return page.redirect("/team" if page.me.role is Role.MANAGER else "/mine")


@router.get("/mine")
def mine(page: SignedIn, cursor: str | None = None) -> Response:
    me, session = page.me, page.session
    rows, next_cursor = owned_by_due(session, me, PAGE_SIZE, cursor)
    show = Presenter(session, me)
    return page.render(
        "mine.html",
        customers=[show(c) for c in rows],
        rules=rules_by_id(session, (c.due_rule_id for c in rows)),
        next_url=f"/mine?{urlencode({'cursor': next_cursor})}" if next_cursor else None,
        first_page=cursor is None,
        owned=count_owned(session, me.id, page.settings),
        capacity=gate.capacity_of(me, page.settings),
        locked=count_locked(session, me.id),
        lock_cap=gate.lock_cap_of(me, page.settings),
        followup_kinds=FOLLOWUP_KINDS,
    )


@router.get("/pool")
def pool_page(
    page: SignedIn,
    pool: str | None = None,
    grade: str | None = None,
    q: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    source: str | None = None,
    days: str | None = None,
    cursor: str | None = None,
) -> Response:
    me, session = page.me, page.session
    pools = list(
        session.scalars(select(Pool).where(Pool.id.in_(visible_pool_ids(session, me))).order_by(Pool.id))
    )
    query = CustomerQuery(
        view=View.POOL,
        pool_id=optional_int(pool, "pool", 1),
        grade=grade if grade in GRADES else None,
        q=optional_text(q),
        limit=PAGE_SIZE,
        cursor=cursor,
        region=optional_text(region),
        industry=optional_text(industry),
        source=optional_text(source),
        min_days_in_pool=optional_int(days, "days"),
    )
    filters = {
        "pool": query.pool_id,
        "grade": query.grade,
        "q": query.q,
        "region": query.region,
        "industry": query.industry,
        "source": query.source,
        "days": query.min_days_in_pool,
    }
    found = search_customers(session, me, query)
    rows, next_cursor = found.rows, found.next_cursor
    show = Presenter(session, me)
    given = {k: v for k, v in filters.items() if v is not None}
    return page.render(
        "pool.html",
        pools=pools,
        filters=filters,
        grades=GRADES,
        customers=[show(c) for c in rows],
        pool_names={p.id: p.name for p in pools},
        member_of=member_pool_ids(session, me),
        exportable={p.id for p in pools_for(session, me, Action.EXPORT)},
        next_url=f"/pool?{urlencode(given | {'cursor': next_cursor})}" if next_cursor else None,
        first_url=f"/pool?{urlencode(given)}" if cursor else None,
    )


@router.post("/customers/{customer_id}/claim", dependencies=[CsrfChecked])
def claim(customer_id: IdPath, page: SignedIn, next: Annotated[str, Form()] = "/pool") -> Response:
    return act(
        page,
        safe_path(next, "/pool"),
        page.gettext("Claimed: the customer is now yours."),
        lambda: ownership.claim(page.session, page.me, customer_id),
    )


@router.get("/customers/{customer_id}")
def customer_page(
    customer_id: IdPath, page: SignedIn, amount: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    """One customer; ``amount`` fills the deal form again after it was refused."""
    me, session = page.me, page.session
    customer = ownership.get_customer(session, me, customer_id)
    timeline = history.timeline(session, me, customer_id)
    pool = get_pool(session, customer.pool_id)
    owner_id = customer.owner_id
    handing = (owner_id is None and (page.is_manager or can(session, me, Action.EDIT, pool))) or (
        owner_id is not None and owner_id != me.id and page.is_manager
    )
    candidates = []
    if handing:
        active = session.scalars(
            select(User).where(User.active.is_(True), User.id != me.id).order_by(User.id)
        )
        candidates = [u for u in active if u.id != owner_id and can(session, me, Action.VIEW, u)]
    member_pools = member_pool_ids(session, me)
    return page.render(
        "customer.html",
        customer=Presenter(session, me)(customer),
        editable=can(session, me, Action.EDIT, customer),
        timeline=timeline,
        users=user_names(session),
        pools=pool_names(session),
        rules=rules_by_id(
            session, [customer.due_rule_id, *(i.event.rule_id for i in timeline if i.event is not None)]
        ),
        release_pools=sorted(member_pools | {customer.pool_id}),
        candidates=candidates,
        claimable=owner_id is None and customer.pool_id in member_pools,
        duplicates=mergeable_duplicates(session, me, customer_id),
        event_kinds=EVENT_KINDS,
        followup_kinds=FOLLOWUP_KINDS,
        stages=STAGES,
        typed_amount=amount,
    )


@router.post("/customers/{customer_id}/followups", dependencies=[CsrfChecked])
def add_followup(
    customer_id: IdPath,
    page: SignedIn,
    kind: Annotated[str, Form()],
    content: Annotated[str, Form(max_length=10_000)] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    return act(
        page,
        safe_path(next, f"/customers/{customer_id}"),
        page.gettext("Follow-up logged: the countdown starts again."),
        lambda: service.log_followup(page.session, page.me, customer_id, kind, content),
    )


@router.post("/customers/{customer_id}/deals", dependencies=[CsrfChecked])
def add_deal(customer_id: IdPath, page: SignedIn, amount: Annotated[str, Form(max_length=20)]) -> Response:
    """The amount is checked as the API checks it; a refused one is back in the form."""
    back = f"/customers/{customer_id}"
    return act(
        page,
        f"{back}?{urlencode({'amount': amount})}",
        page.gettext("Deal recorded."),
        lambda: service.record_deal(page.session, page.me, customer_id, parse_amount(amount)),
        then=lambda _: back,
    )


@router.post("/customers/{customer_id}/release", dependencies=[CsrfChecked])
def release(
    customer_id: IdPath,
    page: SignedIn,
    reason: Annotated[str, Form(max_length=500)] = "",
    pool_id: Annotated[str, Form()] = "",
    confirm: Annotated[str | None, Form()] = None,
) -> Response:
    back = f"/customers/{customer_id}"
    refused = unconfirmed(page, back, confirm)
    if refused:
        return refused
    # Once released the customer may sit in a pool the rep does not see: go on to their list.
    return act(
        page,
        back,
        page.gettext("Released to the pool."),
        lambda: ownership.release(
            page.session, page.me, customer_id, reason, optional_int(pool_id, "pool_id", 1)
        ),
        then=lambda _: "/mine",
    )


@router.post("/customers/{customer_id}/lock", dependencies=[CsrfChecked])
def lock(customer_id: IdPath, page: SignedIn) -> Response:
    return act(
        page,
        f"/customers/{customer_id}",
        page.gettext("Locked: this customer will not be recycled."),
        lambda: ownership.lock_customer(page.session, page.me, customer_id),
    )


@router.post("/customers/{customer_id}/unlock", dependencies=[CsrfChecked])
def unlock(customer_id: IdPath, page: SignedIn) -> Response:
    return act(
        page,
        f"/customers/{customer_id}",
        page.gettext("Unlocked: the recycle rules apply again."),
        lambda: ownership.unlock_customer(page.session, page.me, customer_id),
    )


@router.post("/customers/{customer_id}/assign", dependencies=[CsrfChecked])
def assign(customer_id: IdPath, page: SignedIn, user_id: Annotated[str, Form()]) -> Response:
    return act(
        page,
        f"/customers/{customer_id}",
        page.gettext("Assigned."),
        lambda: ownership.assign(page.session, page.me, customer_id, required_int(user_id, "user_id", 1)),
    )


@router.post("/customers/{customer_id}/transfer", dependencies=[CsrfChecked])
def transfer(
    customer_id: IdPath,
    page: SignedIn,
    user_id: Annotated[str, Form()],
    confirm: Annotated[str | None, Form()] = None,
) -> Response:
    back = f"/customers/{customer_id}"
    return unconfirmed(page, back, confirm) or act(
        page,
        back,
        page.gettext("Transferred."),
        lambda: ownership.transfer(page.session, page.me, customer_id, required_int(user_id, "user_id", 1)),
    )


@router.get("/reminders")
def reminders(page: SignedIn) -> Response:
    customers = history.reminders(page.session, page.me)
    return page.render(
        "reminders.html",
        customers=customers,
        rules=rules_by_id(page.session, (c.due_rule_id for c in customers)),
    )
