"""Admin pages: departments and users, company settings, the sweep. Pools and their rules are
:mod:`highseas.web.routes_admin_pools`."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from highseas.api.deps import IdPath
from highseas.auth.permissions import Action, ensure, visible_user
from highseas.org import service as org
from highseas.org.models import Role
from highseas.org.queries import department_tree
from highseas.ownership import sweep as recycling
from highseas.ownership.deactivation import deactivate_user
from highseas.ownership.sweep import SweepReport
from highseas.web.actions import act, unconfirmed
from highseas.web.context import CsrfChecked, Page, SignedIn
from highseas.web.format import ROLES
from highseas.web.forms import optional_int, required_int
from highseas.web.lookups import pool_names, rules_by_id, user_names

router = APIRouter(prefix="/admin")


def admin(page: SignedIn) -> Page:
    ensure(page.session, page.me, Action.ADMINISTER, doing="open the admin pages")
    return page


@router.get("")
def admin_home(page: SignedIn) -> RedirectResponse:
    return admin(page).redirect("/admin/org")


@router.get("/org")
def org_page(page: SignedIn) -> Response:
    page = admin(page)
    departments = department_tree(page.session)
    users = sorted(org.visible_users(page.session, page.me), key=lambda u: (not u.active, u.id))
    return page.render(
        "admin_org.html",
        departments=departments,
        department_names={d.id: d.name for d, _ in departments},
        users=users,
        roles=ROLES,
    )


@router.post("/departments", dependencies=[CsrfChecked])
def create_department(
    page: SignedIn, name: Annotated[str, Form(max_length=100)], parent_id: Annotated[str, Form()] = ""
) -> Response:
    page = admin(page)
    return act(
        page,
        "/admin/org",
        page.gettext("Department created."),
        lambda: org.create_department(page.session, page.me, name, optional_int(parent_id, "parent_id", 1)),
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
    page = admin(page)
    return act(
        page,
        "/admin/org",
        page.gettext("User created."),
        lambda: org.create_user(
            page.session,
            page.me,
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

    def change() -> None:
        changes: dict[str, object] = {
            "role": role,
            "department_id": optional_int(department_id, "department_id", 1),
            "capacity": optional_int(capacity, "capacity"),
            "lock_cap": optional_int(lock_cap, "lock_cap"),
        }
        if name.strip():
            changes["name"] = name.strip()
        org.update_user(page.session, page.me, user_id, changes)

    return act(page, "/admin/org", page.gettext("User saved."), change)


@router.post("/users/{user_id}/password", dependencies=[CsrfChecked])
def reset_password(
    user_id: IdPath, page: SignedIn, new_password: Annotated[str, Form(max_length=200)]
) -> Response:
    """An admin sets another user's password: no current password, and their sessions end."""

    def reset() -> None:
        target = visible_user(page.session, page.me, user_id)
        org.set_password(page.session, page.me, target, new_password, None)

    return act(page, "/admin/org", page.gettext("Password reset; their sessions have ended."), reset)


@router.post("/users/{user_id}/deactivate", dependencies=[CsrfChecked])
def deactivate(
    user_id: IdPath,
    page: SignedIn,
    transfer_to: Annotated[str, Form()] = "",
    confirm: Annotated[str | None, Form()] = None,
) -> Response:
    def leave() -> None:
        deactivate_user(page.session, page.me, user_id, optional_int(transfer_to, "transfer_to", 1))

    return unconfirmed(page, "/admin/org", confirm) or act(
        page, "/admin/org", page.gettext("User deactivated; their customers were handed over."), leave
    )


@router.get("/settings")
def settings_page(page: SignedIn) -> Response:
    page = admin(page)
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
    page = admin(page)

    def save() -> None:
        org.update_settings(
            page.session,
            page.me,
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
    return _render_sweep(admin(page), None)


@router.post("/sweep", dependencies=[CsrfChecked])
def run_sweep(
    page: SignedIn, intent: Annotated[str, Form()] = "dry_run", confirm: Annotated[str | None, Form()] = None
) -> Response:
    page = admin(page)
    dry_run = intent != "run"
    if not dry_run and (refused := unconfirmed(page, "/admin/sweep", confirm)):
        return refused
    report = recycling.run_sweep(page.session, page.me, dry_run=dry_run)
    page.session.commit()
    return _render_sweep(page, report)
