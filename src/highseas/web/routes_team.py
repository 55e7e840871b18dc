"""The manager's glance: each rep's load, what drops soon, what the rules took back lately."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from highseas import errors
from highseas.customers.presenting import Presenter
from highseas.customers.search import CustomerQuery, View, search_customers
from highseas.reports.team import team_load
from highseas.web.context import SignedIn
from highseas.web.lookups import rules_by_id, user_names

router = APIRouter()
DUE_SOON_DAYS = 3


@router.get("/team")
def team(page: SignedIn, cursor: str | None = None) -> Response:
    me, session = page.me, page.session
    if not page.is_manager:
        raise errors.Forbidden("the team view is for managers and admins")
    query = CustomerQuery(view=View.TEAM, due_within_days=DUE_SOON_DAYS, limit=50, cursor=cursor)
    found = search_customers(session, me, query)
    rows, next_cursor = found.rows, found.next_cursor
    show = Presenter(session, me)
    return page.render(
        "team.html",
        team=team_load(session, me, DUE_SOON_DAYS),
        due_soon=[show(c) for c in rows],
        rules=rules_by_id(session, (c.due_rule_id for c in rows)),
        users=user_names(session),
        next_url=f"/team?cursor={next_cursor}" if next_cursor else None,
    )
