"""Possible duplicates on the web: two records side by side, merged into one or dismissed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from highseas.api.deps import IdPath
from highseas.customers.dismissals import dismiss_possible_duplicate
from highseas.customers.merge import merge_customers
from highseas.customers.presenting import Presenter
from highseas.ownership import service as ownership
from highseas.validation import MAX_INT
from highseas.web.actions import act, unconfirmed
from highseas.web.context import CsrfChecked, SignedIn
from highseas.web.format import STAGES
from highseas.web.lookups import pool_names, user_names

router = APIRouter()
OtherId = Annotated[int, Query(alias="with", ge=1, le=MAX_INT)]


@router.get("/customers/{customer_id}/merge")
def merge_page(customer_id: IdPath, page: SignedIn, other_id: OtherId) -> Response:
    """The two records side by side before one absorbs the other (either way round)."""
    show = Presenter(page.session, page.me)
    keep = show(ownership.get_customer(page.session, page.me, customer_id))
    merged = show(ownership.get_customer(page.session, page.me, other_id))
    return page.render(
        "merge.html",
        keep=keep,
        merged=merged,
        users=user_names(page.session),
        pools=pool_names(page.session),
        stages=STAGES,
    )


@router.post("/customers/{customer_id}/merge", dependencies=[CsrfChecked])
def merge(
    customer_id: IdPath,
    page: SignedIn,
    merged_id: Annotated[int, Form(ge=1, le=MAX_INT)],
    confirm: Annotated[str | None, Form()] = None,
) -> Response:
    back = f"/customers/{customer_id}/merge?with={merged_id}"
    refused = unconfirmed(page, back, confirm)
    if refused is not None:
        return refused
    return act(
        page,
        back,
        page.gettext("Merged: both histories are now on this customer."),
        lambda: merge_customers(page.session, page.me, customer_id, merged_id),
        then=lambda kept: f"/customers/{kept.id}",
    )


@router.post("/customers/{customer_id}/possible-duplicates/dismiss", dependencies=[CsrfChecked])
def dismiss(
    customer_id: IdPath, page: SignedIn, other_id: Annotated[int, Form(ge=1, le=MAX_INT)]
) -> Response:
    return act(
        page,
        f"/customers/{customer_id}",
        page.gettext("Dismissed: these two are no longer shown as possible duplicates."),
        lambda: dismiss_possible_duplicate(page.session, page.me, customer_id, other_id),
    )
