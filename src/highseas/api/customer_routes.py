"""Customers and everything done to them: the thin HTTP edge of the customer and ownership services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from highseas.api.deps import CurrentUser, Db, IdPath, OneThread, ReadDb
from highseas.customers import history, service
from highseas.customers.models import Customer
from highseas.customers.presenting import Presenter
from highseas.customers.schemas import (
    AssignIn,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    DealIn,
    DealOut,
    EventOut,
    FollowUpIn,
    FollowUpOut,
    ReleaseIn,
    TimelineItem,
    UserRef,
)
from highseas.customers.search import CustomerQuery, View, search_customers
from highseas.org.models import User
from highseas.ownership import service as ownership
from highseas.pools.schemas import Grade
from highseas.validation import MAX_INT

router = APIRouter(prefix="/customers", tags=["customers"], route_class=OneThread)


def present(session: Session, viewer: User, customer: Customer, status_code: int = 200) -> Response:
    """One customer as the response, serialised once. Returning the model would make FastAPI
    validate it again, in one more worker-thread hop per request."""
    body = Presenter(session, viewer)(customer).model_dump_json()
    return Response(body, status_code=status_code, media_type="application/json")


@router.post("", status_code=201, response_model=CustomerOut)
def create_customer(body: CustomerIn, user: CurrentUser, session: Db) -> Response:
    fields = body.model_dump(exclude={"pool_id", "in_pool"})
    customer = service.create_customer(
        session, user, service.CustomerInput(**fields), pool_id=body.pool_id, in_pool=body.in_pool
    )
    return present(session, user, customer, status_code=201)


@router.get("", response_model=CustomerPage)
def list_customers(
    user: CurrentUser,
    session: ReadDb,
    view: View = View.MINE,
    pool_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    grade: Grade | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    due_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    query = CustomerQuery(view, pool_id, grade, q, due_within_days, limit, cursor)
    found = search_customers(session, user, query)
    show = Presenter(session, user)
    # The hot list path: the page validated in one call and serialised once, without FastAPI
    # validating it a second time.
    page = CustomerPage.model_validate(
        {"items": [show.fields(c) for c in found.rows], "next_cursor": found.next_cursor}
    )
    return Response(page.model_dump_json(), media_type="application/json")


@router.get("/{customer_id}", response_model=CustomerOut)
def get_customer(customer_id: IdPath, user: CurrentUser, session: ReadDb) -> Response:
    return present(session, user, ownership.get_customer(session, user, customer_id))


@router.patch("/{customer_id}", response_model=CustomerOut)
def patch_customer(customer_id: IdPath, body: CustomerPatch, user: CurrentUser, session: Db) -> Response:
    changes = body.model_dump(exclude_unset=True)
    return present(session, user, service.update_customer(session, user, customer_id, changes))


@router.post("/{customer_id}/claim", response_model=CustomerOut)
def claim(customer_id: IdPath, user: CurrentUser, session: Db) -> Response:
    return present(session, user, ownership.claim(session, user, customer_id))


@router.post("/{customer_id}/release", response_model=CustomerOut)
def release(customer_id: IdPath, body: ReleaseIn, user: CurrentUser, session: Db) -> Response:
    return present(session, user, ownership.release(session, user, customer_id, body.reason, body.pool_id))


@router.post("/{customer_id}/assign", response_model=CustomerOut)
def assign(customer_id: IdPath, body: AssignIn, user: CurrentUser, session: Db) -> Response:
    assigned = ownership.assign(session, user, customer_id, body.user_id, body.override_reason)
    return present(session, user, assigned)


@router.post("/{customer_id}/transfer", response_model=CustomerOut)
def transfer(customer_id: IdPath, body: UserRef, user: CurrentUser, session: Db) -> Response:
    return present(session, user, ownership.transfer(session, user, customer_id, body.user_id))


@router.post("/{customer_id}/lock", response_model=CustomerOut)
def lock(customer_id: IdPath, user: CurrentUser, session: Db) -> Response:
    return present(session, user, ownership.lock_customer(session, user, customer_id))


@router.post("/{customer_id}/unlock", response_model=CustomerOut)
def unlock(customer_id: IdPath, user: CurrentUser, session: Db) -> Response:
    return present(session, user, ownership.unlock_customer(session, user, customer_id))


@router.post("/{customer_id}/followups", status_code=201)
def add_followup(customer_id: IdPath, body: FollowUpIn, user: CurrentUser, session: Db) -> FollowUpOut:
    followup = service.log_followup(session, user, customer_id, body.kind, body.content, body.at)
    return FollowUpOut.model_validate(followup)


@router.get("/{customer_id}/followups")
def list_followups(customer_id: IdPath, user: CurrentUser, session: ReadDb) -> list[FollowUpOut]:
    return history.followups(session, user, customer_id)


@router.post("/{customer_id}/deals", status_code=201)
def add_deal(customer_id: IdPath, body: DealIn, user: CurrentUser, session: Db) -> DealOut:
    return DealOut.model_validate(
        service.record_deal(session, user, customer_id, body.amount, body.signed_at)
    )


@router.get("/{customer_id}/deals")
def list_deals(customer_id: IdPath, user: CurrentUser, session: ReadDb) -> list[DealOut]:
    return history.deals(session, user, customer_id)


@router.get("/{customer_id}/events")
def list_events(customer_id: IdPath, user: CurrentUser, session: ReadDb) -> list[EventOut]:
    return history.events(session, user, customer_id)


@router.get("/{customer_id}/timeline")
def timeline(customer_id: IdPath, user: CurrentUser, session: ReadDb) -> list[TimelineItem]:
    """Events, follow-ups and deals, oldest first; equal times keep the order they were recorded in."""
    return history.timeline(session, user, customer_id)


@router.delete("/{customer_id}", status_code=204)
def delete_customer(customer_id: IdPath, user: CurrentUser, session: Db) -> Response:
    service.soft_delete(session, user, customer_id)
    return Response(status_code=204)


@router.post("/{customer_id}/restore", response_model=CustomerOut)
def restore_customer(customer_id: IdPath, user: CurrentUser, session: Db) -> Response:
    return present(session, user, service.restore(session, user, customer_id))
