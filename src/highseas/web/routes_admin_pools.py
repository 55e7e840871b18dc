"""Admin pages of the pools: the list and the new-pool form (admins), and one pool's page with
its settings and recycle rules, which its pool admins may open too. What each may change the
services decide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from highseas import errors
from highseas.api.deps import IdPath
from highseas.auth.permissions import Action, ensure, visible_pool
from highseas.customers.models import GRADES
from highseas.org.queries import active_users, department_tree
from highseas.pools import queries
from highseas.pools import service as pools
from highseas.pools.models import RuleKind
from highseas.web.actions import act, unconfirmed
from highseas.web.context import CsrfChecked, Page, SignedIn
from highseas.web.format import RULE_KIND_NAMES
from highseas.web.forms import optional_int, optional_text, required_int
from highseas.web.lookups import user_names
from highseas.web.routes_admin import admin

router = APIRouter(prefix="/admin")
IdList = Annotated[list[str], Form()]


def _pool_admin(page: SignedIn, pool_id: int) -> Page:
    """The pool's page is for admins and its pool admins; anyone else who sees it gets 403."""
    pool = visible_pool(page.session, page.me, pool_id)
    ensure(
        page.session,
        page.me,
        Action.EDIT,
        pool,
        doing="open this pool's settings: only an admin or its pool admins may",
    )
    return page


def _pool_form(page: Page) -> dict[str, Any]:
    return {"departments": department_tree(page.session), "people": active_users(page.session)}


@router.get("/pools")
def pools_page(page: SignedIn) -> Response:
    page = admin(page)
    return page.render(
        "admin_pools.html",
        pools=queries.visible_pools(page.session, page.me),
        rule_counts=queries.rule_counts(page.session),
        **_pool_form(page),
    )


@dataclass
class PoolForm:
    """The pool form as posted; turned into a :class:`pools.PoolInput` (and so checked) inside
    the action, where a bad value becomes a message on the page."""

    name: str
    source: str
    hide_contact: str | None
    reclaim_protection_days: str
    daily_claim_limit: str
    member_department_ids: list[str]
    member_user_ids: list[str]
    admin_user_ids: list[str]
    public_custom_fields: str

    def to_input(self) -> pools.PoolInput:
        return pools.PoolInput(
            name=self.name,
            member_user_ids=[required_int(i, "member_user_ids", 1) for i in self.member_user_ids],
            member_department_ids=[
                required_int(i, "member_department_ids", 1) for i in self.member_department_ids
            ],
            admin_user_ids=[required_int(i, "admin_user_ids", 1) for i in self.admin_user_ids],
            hide_contact=self.hide_contact == "yes",
            reclaim_protection_days=optional_int(self.reclaim_protection_days, "reclaim_protection_days")
            or 0,
            daily_claim_limit=optional_int(self.daily_claim_limit, "daily_claim_limit"),
            source=optional_text(self.source),
            public_custom_fields=self.public_custom_fields.replace("，", ",").split(","),
        )


def _posted_pool(
    name: Annotated[str, Form(max_length=100)],
    source: Annotated[str, Form(max_length=100)] = "",
    hide_contact: Annotated[str | None, Form()] = None,
    reclaim_protection_days: Annotated[str, Form()] = "",
    daily_claim_limit: Annotated[str, Form()] = "",
    member_department_ids: IdList = [],  # noqa: B006 - FastAPI copies form defaults
    member_user_ids: IdList = [],  # noqa: B006
    admin_user_ids: IdList = [],  # noqa: B006
    public_custom_fields: Annotated[str, Form(max_length=2000)] = "",
) -> PoolForm:
    return PoolForm(
        name,
        source,
        hide_contact,
        reclaim_protection_days,
        daily_claim_limit,
        member_department_ids,
        member_user_ids,
        admin_user_ids,
        public_custom_fields,
    )


PostedPool = Annotated[PoolForm, Depends(_posted_pool)]


@router.post("/pools", dependencies=[CsrfChecked])
def create_pool(page: SignedIn, form: PostedPool) -> Response:
    page = admin(page)
    return act(
        page,
        "/admin/pools",
        page.gettext("Pool created. Now give it its recycle rules."),
        lambda: pools.create_pool(page.session, page.me, form.to_input()),
        then=lambda pool: f"/admin/pools/{pool.id}",
    )


def _render_pool(page: Page, pool_id: int, status: int = 200, **extra: object) -> Response:
    pool = visible_pool(page.session, page.me, pool_id)
    members = queries.pool_membership(page.session, pool_id)
    context: dict[str, Any] = {
        "pool": pool,
        "rules": queries.pool_rules(page.session, pool_id),
        "member_departments": set(members.department_ids),
        "member_users": set(members.user_ids),
        "admins": set(members.admin_ids),
        "grades": GRADES,
        "rule_kinds": RULE_KIND_NAMES,
        "preview": None,
        "draft": {},
        "users": user_names(page.session),
        **_pool_form(page),
    }
    return page.render("admin_pool.html", status=status, **(context | extra))


@router.get("/pools/{pool_id}")
def pool_detail(pool_id: IdPath, page: SignedIn) -> Response:
    return _render_pool(_pool_admin(page, pool_id), pool_id)


@router.post("/pools/{pool_id}", dependencies=[CsrfChecked])
def update_pool(pool_id: IdPath, page: SignedIn, form: PostedPool) -> Response:
    page = _pool_admin(page, pool_id)
    return act(
        page,
        f"/admin/pools/{pool_id}",
        page.gettext("Pool saved."),
        lambda: pools.update_pool(page.session, page.me, pool_id, form.to_input()),
    )


@router.post("/pools/{pool_id}/rules", dependencies=[CsrfChecked])
def grade_rules(
    pool_id: IdPath,
    page: SignedIn,
    kind: Annotated[RuleKind, Form()],
    intent: Annotated[str, Form()] = "preview",
    only_not_won: Annotated[str | None, Form()] = None,
    remind_days_before: Annotated[str, Form()] = "",
    days_all: Annotated[str, Form()] = "",
    days_A: Annotated[str, Form()] = "",  # noqa: N803 - one field per grade letter
    days_B: Annotated[str, Form()] = "",  # noqa: N803
    days_C: Annotated[str, Form()] = "",  # noqa: N803
    days_D: Annotated[str, Form()] = "",  # noqa: N803
    days_E: Annotated[str, Form()] = "",  # noqa: N803
) -> Response:
    """Per-grade deadlines, previewed ("these customers of these reps would drop now") or saved."""
    page = _pool_admin(page, pool_id)
    back = f"/admin/pools/{pool_id}"
    typed = {"A": days_A, "B": days_B, "C": days_C, "D": days_D, "E": days_E}
    draft = {
        "kind": kind.value,
        "only_not_won": only_not_won == "yes",
        "remind": remind_days_before,
        "all": days_all,
    }
    draft |= {f"days_{g}": v for g, v in typed.items()}
    try:
        remind = optional_int(remind_days_before, "remind_days_before", 1)
        by_grade = {g: n for g, v in typed.items() if (n := optional_int(v, f"days_{g}", 1)) is not None}
        new_rules = pools.rules_by_grade(kind.value, by_grade, only_not_won == "yes", remind)
        every_grade = optional_int(days_all, "days_all", 1)
        if every_grade is not None:
            new_rules.append(pools.RuleInput(kind.value, every_grade, None, only_not_won == "yes", remind))
        if not new_rules:
            raise errors.InvalidInput("days", "give days for at least one grade")
        if intent == "save":
            pools.add_rules(page.session, page.me, pool_id, new_rules)
            return page.redirect(back, page.done(page.gettext("Rules saved; due dates moved at once.")))
        preview = pools.preview_drops(page.session, page.me, pool_id, new_rules)
    except errors.NotFound:
        raise
    except errors.DomainError as exc:
        page.session.rollback()
        return _render_pool(page, pool_id, status=422, draft=draft, rule_error=page.fmt.error(exc))
    return _render_pool(page, pool_id, draft=draft, preview=preview)


@router.post("/rules/{rule_id}/delete", dependencies=[CsrfChecked])
def delete_rule(rule_id: IdPath, page: SignedIn, confirm: Annotated[str | None, Form()] = None) -> Response:
    pool_id = pools.visible_rule(page.session, page.me, rule_id).pool_id
    page = _pool_admin(page, pool_id)
    back = f"/admin/pools/{pool_id}"
    return unconfirmed(page, back, confirm) or act(
        page, back, page.gettext("Rule deleted."), lambda: pools.delete_rule(page.session, page.me, rule_id)
    )
