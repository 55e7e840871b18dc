"""Possible duplicates over HTTP: finding them, merging two records into one, dismissing a pair."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from highseas.api.customer_routes import present
from highseas.api.deps import CurrentUser, Db, IdPath, OneThread, ReadDb
from highseas.customers.dismissals import dismiss_possible_duplicate
from highseas.customers.merge import merge_customers
from highseas.customers.schemas import CustomerOut, DismissIn, MergeIn
from highseas.intake.schemas import PossibleDuplicateOut
from highseas.intake.similar import Match, possible_duplicates_of, possible_duplicates_of_customer

router = APIRouter(tags=["duplicates"], route_class=OneThread)


def _out(matches: list[Match]) -> list[PossibleDuplicateOut]:
    return [PossibleDuplicateOut(customer_id=m.customer_id, where=m.where, score=m.score) for m in matches]


@router.get("/possible-duplicates")
def possible_duplicates(
    company: Annotated[str, Query(min_length=1, max_length=200)], user: CurrentUser, session: ReadDb
) -> list[PossibleDuplicateOut]:
    """Customers whose company name comes close to this one (equal ones are refused as duplicates):
    where each one is, for a person to decide before creating another."""
    return _out(possible_duplicates_of(session, user, company))


@router.get("/customers/{customer_id}/possible-duplicates")
def possible_duplicates_of_one(
    customer_id: IdPath, user: CurrentUser, session: ReadDb
) -> list[PossibleDuplicateOut]:
    """The customers the caller may see that may be this one's company, closest first, with their
    score (100: the same name as compared now); dismissed pairs are left out."""
    return _out(possible_duplicates_of_customer(session, user, customer_id))


@router.post("/customers/{customer_id}/merge", response_model=CustomerOut)
def merge(customer_id: IdPath, body: MergeIn, user: CurrentUser, session: Db) -> Response:
    """Merge ``merged_id`` into this customer: its follow-ups, deals, contacts and tags come along,
    it is soft-deleted, and both get a ``merge`` event. Admins, the owner of both, or the pool
    admin of both; the surviving owner's capacity applies."""
    return present(session, user, merge_customers(session, user, customer_id, body.merged_id))


@router.post("/possible-duplicates/dismiss", status_code=204)
def dismiss(body: DismissIn, user: CurrentUser, session: Db) -> Response:
    """Say two customers are two companies: they are no longer offered as possible duplicates."""
    first, second = body.customer_ids
    dismiss_possible_duplicate(session, user, first, second)
    return Response(status_code=204)
