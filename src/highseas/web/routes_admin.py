"""Admin pages: departments and users, pools and their rules, company settings, the sweep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from highseas import errors
from highseas.api.deps import IdPath
from highseas.auth.permissions import Action, ensure
from highseas.customers.models import GRADES
from highseas.org import service as org
from highseas.org.models import Department, Role, User
from highseas.ownership import sweep as recycling
from highseas.ownership.deactivation import deactivate_user
from highseas.ownership.sweep import SweepReport
from highseas.pools import service as pools
from highseas.pools.models import Pool, PoolAdmin, PoolMemberDepartment, PoolMemberUser, RecycleRule, RuleKind
from highseas.web.actions import act, unconfirmed
from highseas.web.context import CsrfChecked, Page, SignedIn
from highseas.web.format import ROLES, RULE_KIND_NAMES
from highseas.web.forms import optional_int, optional_text, required_int
from highseas.web.lookups import pool_names, rules_by_id, user_names

router = APIRouter(prefix="/admin")
IdList = Annotated[list[str], Form()]


def _admin(page: SignedIn) -> Page:
    ensure(page.session, page.me, Action.ADMINISTER, doing="open the admin pages")
    return page


def _departments(page: Page) -> list[tuple[Department, int]]:
    """Every department with its depth, parents before children."""
    departments = list(page.session.scalars(select(Department).order_by(Department.name)))
    children: dict[int | None, list[Department]] = {}
    for d in departments:
        children.setdefault(d.parent_id, []).append(d)
    ordered: list[tuple[Department, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for d in children.get(parent, []):
            ordered.append((d, depth))
            walk(d.id, depth + 1)

    walk(None, 0)
    return ordered


@router.get("")
def admin_home(page: SignedIn) -> RedirectResponse:
    return _admin(page).redirect("/admin/org")


@router.get("/org")
def org_page(page: SignedIn) -> Response:
    page = _admin(page)
    users = list(page.session.scalars(select(User).order_by(User.active.desc(), User.id)))
    return page.render(
        "admin_org.html",
        departments=_departments(page),
        department_names={d.id: d.name for d, _ in _departments(page)},
        users=users,
        roles=ROLES,
    )


@router.post("/departments", dependencies=[CsrfChecked])
def create_department(
    page: SignedIn, name: Annotated[str, Form(max_length=100)], parent_id: Annotated[str, Form()] = ""
) -> Response:
    page = _admin(page)
    return act(
        page,
        "/admin/org",
        page.gettext("Department created."),
        lambda: org.create_department(page.session, name, optional_int(parent_id, "parent_id", 1)),
    )


@router.post("/users", dependencies=[CsrfChecked])
def create_user(
    page: SignedIn,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[Role, Form()],
    name: Annotated[str, Form(max_length=100)] = "",
    department_id: Annotated[str, Form()] = "",
    capacity: Annotated[str, Form()] = "",
    lock_cap: Annotated[str, Form()] = "",
) -> Response:
    page = _admin(page)
    return act(
        page,
        "/admin/org",
        page.gettext("User created."),
        lambda: org.create_user(
            page.session,
            username,
            password,
            role,
            optional_int(department_id, "department_id", 1),
            name,
            optional_int(capacity, "capacity"),
            optional_int(lock_cap, "lock_cap"),
        ),
    )


@router.post("/users/{user_id}", dependencies=[CsrfChecked])
def update_user(
    user_id: IdPath,
    page: SignedIn,
    role: Annotated[Role, Form()],
    name: Annotated[str, Form(max_length=100)] = "",
    department_id: Annotated[str, Form()] = "",
    capacity: Annotated[str, Form()] = "",
    lock_cap: Annotated[str, Form()] = "",
) -> Response:
    page = _admin(page)

    def change() -> None:
        target = org.get_user(page.session, user_id)
        changes: dict[str, object] = {
            "role": role,
            "department_id": optional_int(department_id, "department_id", 1),
            "capacity": optional_int(capacity, "capacity"),
            "lock_cap": optional_int(lock_cap, "lock_cap"),
        }
        if name.strip():
            changes["name"] = name.strip()
        org.update_user(page.session, target, changes)

    return act(page, "/admin/org", page.gettext("User saved."), change)


@router.post("/users/{user_id}/deactivate", dependencies=[CsrfChecked])
def deactivate(
    user_id: IdPath,
    page: SignedIn,
    transfer_to: Annotated[str, Form()] = "",
    confirm: Annotated[str | None, Form()] = None,
) -> Response:
    page = _admin(page)

    def leave() -> None:
        deactivate_user(page.session, page.me, user_id, optional_int(transfer_to, "transfer_to", 1))

    return unconfirmed(page, "/admin/org", confirm) or act(
        page, "/admin/org", page.gettext("User deactivated; their customers were handed over."), leave
    )


def _pool_form(page: Page) -> dict[str, Any]:
    return {
        "departments": _departments(page),
        "people": list(page.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))),
    }


@router.get("/pools")
def pools_page(page: SignedIn) -> Response:
    page = _admin(page)
    all_pools = list(page.session.scalars(select(Pool).order_by(Pool.id)))
    rule_counts = dict(
        page.session.execute(select(RecycleRule.pool_id, func.count()).group_by(RecycleRule.pool_id)).all()
    )
    return page.render("admin_pools.html", pools=all_pools, rule_counts=rule_counts, **_pool_form(page))


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
    )


PostedPool = Annotated[PoolForm, Depends(_posted_pool)]


@router.post("/pools", dependencies=[CsrfChecked])
def create_pool(page: SignedIn, form: PostedPool) -> Response:
    page = _admin(page)
    return act(
        page,
        "/admin/pools",
        page.gettext("Pool created. Now give it its recycle rules."),
        lambda: pools.create_pool(page.session, form.to_input()),
        then=lambda pool: f"/admin/pools/{pool.id}",
    )


def _ids(page: Page, model: type[PoolMemberUser] | type[PoolAdmin], pool_id: int) -> set[int]:
    return set(page.session.scalars(select(model.user_id).where(model.pool_id == pool_id)))


def _render_pool(page: Page, pool_id: int, status: int = 200, **extra: object) -> Response:
    pool = pools.get_pool(page.session, pool_id)
    rules = pools.pool_rules(page.session, pool_id)
    departments = set(
        page.session.scalars(
            select(PoolMemberDepartment.department_id).where(PoolMemberDepartment.pool_id == pool_id)
        )
    )
    context: dict[str, Any] = {
        "pool": pool,
        "rules": rules,
        "member_departments": departments,
        "member_users": _ids(page, PoolMemberUser, pool_id),
        "admins": _ids(page, PoolAdmin, pool_id),
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
    return _render_pool(_admin(page), pool_id)


@router.post("/pools/{pool_id}", dependencies=[CsrfChecked])
def update_pool(pool_id: IdPath, page: SignedIn, form: PostedPool) -> Response:
    page = _admin(page)
    return act(
        page,
        f"/admin/pools/{pool_id}",
        page.gettext("Pool saved."),
        lambda: pools.update_pool(page.session, pool_id, form.to_input()),
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
    page = _admin(page)
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
            pools.add_rules(page.session, pool_id, new_rules)
            return page.redirect(back, page.done(page.gettext("Rules saved; due dates moved at once.")))
        preview = pools.preview_drops(page.session, pool_id, new_rules)
    except errors.NotFound:
        raise
    except errors.DomainError as exc:
        page.session.rollback()
        return _render_pool(page, pool_id, status=422, draft=draft, rule_error=page.fmt.error(exc))
    return _render_pool(page, pool_id, draft=draft, preview=preview)


@router.post("/rules/{rule_id}/delete", dependencies=[CsrfChecked])
def delete_rule(rule_id: IdPath, page: SignedIn, confirm: Annotated[str | None, Form()] = None) -> Response:
    page = _admin(page)
    back = f"/admin/pools/{pools.get_rule(page.session, rule_id).pool_id}"
    return unconfirmed(page, back, confirm) or act(
        page, back, page.gettext("Rule deleted."), lambda: pools.delete_rule(page.session, rule_id)
    )


@router.get("/settings")
def settings_page(page: SignedIn) -> Response:
    page = _admin(page)
    return page.render(
        "admin_settings.html",
        pools=pool_names(page.session),
        timezones=sorted(z for z in available_timezones() if "/" in z),
    )


@router.post("/settings", dependencies=[CsrfChecked])
def save_settings(
    page: SignedIn,
    default_capacity: Annotated[str, Form()],
    default_lock_cap: Annotated[str, Form()],
    timezone: Annotated[str, Form(max_length=64)],
    default_pool_id: Annotated[str, Form()] = "",
    won_counts_toward_capacity: Annotated[str | None, Form()] = None,
) -> Response:
    page = _admin(page)

    def save() -> None:
        if timezone not in available_timezones():
            raise errors.InvalidInput("timezone", "is not an IANA time zone such as Asia/Shanghai")
        org.update_settings(
            page.session,
            {
                "default_capacity": required_int(default_capacity, "default_capacity"),
                "default_lock_cap": required_int(default_lock_cap, "default_lock_cap"),
                "timezone": timezone,
                "default_pool_id": optional_int(default_pool_id, "default_pool_id", 1),
                "won_counts_toward_capacity": won_counts_toward_capacity == "yes",
            },
        )

    return act(page, "/admin/settings", page.gettext("Settings saved."), save)


def _render_sweep(page: Page, report: SweepReport | None) -> Response:
    return page.render(
        "admin_sweep.html",
        report=report,
        rules=rules_by_id(page.session, report.by_rule if report else ()),
        users=user_names(page.session),
        pools=pool_names(page.session),
    )


@router.get("/sweep")
def sweep_page(page: SignedIn) -> Response:
    return _render_sweep(_admin(page), None)


@router.post("/sweep", dependencies=[CsrfChecked])
def run_sweep(
    page: SignedIn, intent: Annotated[str, Form()] = "dry_run", confirm: Annotated[str | None, Form()] = None
) -> Response:
    page = _admin(page)
    dry_run = intent != "run"
    if not dry_run and (refused := unconfirmed(page, "/admin/sweep", confirm)):
        return refused
    report = recycling.run_sweep(page.session, page.me, dry_run=dry_run)
    page.session.commit()
    return _render_sweep(page, report)
