"""Every state-changing action of the persona table, once per edge: ``prepare`` makes the fresh
objects a cell acts on (``tests.persona.objects``), ``api`` and ``web`` run the action as the
persona. When a form's field names change, only its adapter here changes.

``web`` is None where the web has no form for the action."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from httpx import Response

from tests.persona.edges import World
from tests.persona.objects import (
    NEW_PASSWORD,
    Target,
    a_lead_file,
    a_pool,
    a_pool_with_customer,
    a_pool_with_rule,
    a_user,
    deleted_rep_customer,
    fresh_password,
    just_released_by_rep,
    locked_rep_customer,
    nothing,
    peer_manager_customer,
    pool_customer,
    rep_customer,
    two_in_a_pool_of_one_claim_a_day,
    two_pool_customers,
    two_rep_customers,
    user_body,
)

_HELD = re.compile(r'name="token" value="([^"]+)"')


@dataclass(frozen=True)
class Action:
    prepare: Callable[[World], Target]
    api: Callable[[World, str, Target], Response]
    web: Callable[[World, str, Target], Response] | None


# --- organisation --------------------------------------------------------------------------
def api_create_department(world: World, who: str, _: Target) -> Response:
    return world.api(who, "POST", "/departments", json={"name": world.unique("Dept")})


def web_create_department(world: World, who: str, _: Target) -> Response:
    return world.submit(who, "/admin/departments", {"name": world.unique("Dept")})


def api_create_user(world: World, who: str, _: Target) -> Response:
    return world.api(who, "POST", "/users", json=user_body(world))


def web_create_user(world: World, who: str, _: Target) -> Response:
    return world.submit(who, "/admin/users", {k: str(v) for k, v in user_body(world).items()})


def api_edit_user(world: World, who: str, target: Target) -> Response:
    return world.api(who, "PATCH", f"/users/{target['user']}", json={"capacity": 50})


def web_edit_user(world: World, who: str, target: Target) -> Response:
    form = {"role": "sales", "department_id": str(world.ids["East Team A"]), "capacity": "50"}
    return world.submit(who, f"/admin/users/{target['user']}", form)


def api_change_own_password(world: World, who: str, target: Target) -> Response:
    body = {"password": target["new_password"], "current_password": world.password(who)}
    return world.api(who, "PATCH", f"/users/{world.ids[who]}", json=body)


def web_change_own_password(world: World, who: str, target: Target) -> Response:
    new = target["new_password"]
    form = {"current": world.password(who), "new": new, "repeat": new}
    return world.submit(who, "/account/password", form)


def api_reset_password(world: World, who: str, target: Target) -> Response:
    return world.api(who, "PATCH", f"/users/{target['user']}", json={"password": NEW_PASSWORD})


def web_reset_password(world: World, who: str, target: Target) -> Response:
    return world.submit(who, f"/admin/users/{target['user']}/password", {"new_password": NEW_PASSWORD})


def api_deactivate(world: World, who: str, target: Target) -> Response:
    return world.api(who, "POST", f"/users/{target['user']}/deactivate", json={"transfer_to": None})


def web_deactivate(world: World, who: str, target: Target) -> Response:
    return world.submit(
        who, f"/admin/users/{target['user']}/deactivate", {"transfer_to": "", "confirm": "yes"}
    )


def api_settings(world: World, who: str, _: Target) -> Response:
    """The settings as they are: the answer is about who may, and no later cell sees a change."""
    return world.api(who, "PATCH", "/settings", json=world.settings)


def web_settings(world: World, who: str, _: Target) -> Response:
    s = world.settings
    form = {
        "default_capacity": str(s["default_capacity"]),
        "default_lock_cap": str(s["default_lock_cap"]),
        "timezone": s["timezone"],
        "default_pool_id": str(s["default_pool_id"]),
    }
    if s.get("won_counts_toward_capacity"):
        form["won_counts_toward_capacity"] = "yes"
    return world.submit(who, "/admin/settings", form)


# --- pools and rules -----------------------------------------------------------------------
def api_create_pool(world: World, who: str, _: Target) -> Response:
    return world.api(who, "POST", "/pools", json={"name": world.unique("New pool")})


def web_create_pool(world: World, who: str, _: Target) -> Response:
    return world.submit(who, "/admin/pools", {"name": world.unique("New pool")})


def _pool_form(world: World, target: Target, **changes: Any) -> dict[str, Any]:
    """The pool form filled in as the pool is, with ``changes``."""
    pool = world.setup("GET", f"/pools/{target['pool']}")
    ids = ("member_user_ids", "member_department_ids", "admin_user_ids")
    numbers = ("reclaim_protection_days", "daily_claim_limit")
    form: dict[str, Any] = {"name": pool["name"], "source": pool["source"] or ""}
    form |= {k: [str(i) for i in pool[k]] for k in ids}
    form |= {k: "" if pool[k] is None else str(pool[k]) for k in numbers}
    if pool["hide_contact"]:
        form["hide_contact"] = "yes"
    return form | changes


def pool_change(api_body: dict[str, Any], **web_changes: Any) -> tuple[Callable[..., Response], ...]:
    """The API's PATCH of pool settings and the web's pool form with the same change."""

    def api(world: World, who: str, target: Target) -> Response:
        return world.api(who, "PATCH", f"/pools/{target['pool']}", json=world.resolve(api_body))

    def web(world: World, who: str, target: Target) -> Response:
        changes = world.resolve(web_changes, as_text=True)
        return world.submit(who, f"/admin/pools/{target['pool']}", _pool_form(world, target, **changes))

    return api, web


def api_add_rule(world: World, who: str, target: Target) -> Response:
    return world.api(who, "POST", f"/pools/{target['pool']}/rules", json={"kind": "no_followup", "days": 30})


def web_add_rule(world: World, who: str, target: Target) -> Response:
    form = {"kind": "no_followup", "intent": "save", "days_all": "30"}
    return world.submit(who, f"/admin/pools/{target['pool']}/rules", form)


def api_edit_rule(world: World, who: str, target: Target) -> Response:
    return world.api(who, "PUT", f"/rules/{target['rule']}", json={"kind": "no_followup", "days": 20})


def api_delete_rule(world: World, who: str, target: Target) -> Response:
    return world.api(who, "DELETE", f"/rules/{target['rule']}")


def web_delete_rule(world: World, who: str, target: Target) -> Response:
    return world.submit(who, f"/admin/rules/{target['rule']}/delete", {"confirm": "yes"})


def api_sweep(world: World, who: str, _: Target) -> Response:
    return world.api(who, "POST", "/sweep", json={"dry_run": False})


def web_sweep(world: World, who: str, _: Target) -> Response:
    return world.submit(who, "/admin/sweep", {"intent": "run", "confirm": "yes"})


# --- intake ----------------------------------------------------------------------------------
def api_import(world: World, who: str, target: Target) -> Response:
    return world.api(who, "POST", f"/pools/{target['pool']}/import", files={"file": target["file"]})


def web_import(world: World, who: str, target: Target) -> Response:
    """Upload (the page shows how the columns read), then run the import; the page streams the outcome."""
    pool_id = str(target["pool"])
    shown = world.submit(who, "/import", {"pool": pool_id}, files={"file": target["file"]})
    held = _HELD.search(shown.text) if shown.status_code == 200 else None
    if held is None:
        return shown
    form = {"pool": pool_id, "token": held.group(1), "file_name": target["file"][0], "intent": "import"}
    return world.submit(who, "/import/run", form)


def distribute_to(receiver: str) -> tuple[Callable[..., Response], Callable[..., Response]]:
    """Distribute one customer of the cell's pool to ``receiver``."""

    def api(world: World, who: str, target: Target) -> Response:
        body = {"user_ids": [world.ids[receiver]], "count": 1}
        return world.api(who, "POST", f"/pools/{target['pool']}/distribute", json=body)

    def web(world: World, who: str, target: Target) -> Response:
        form = {"pool": str(target["pool"]), "count": "1", "user_ids": [str(world.ids[receiver])]}
        return world.submit(who, "/distribute", form)

    return api, web


def api_export_pool(world: World, who: str, target: Target) -> Response:
    return world.api(who, "GET", f"/pools/{world.ids['P']}/export")


def web_export_pool(world: World, who: str, target: Target) -> Response:
    return world.open(who, f"/export/pools/{world.ids['P']}")


def export_user(owner: str) -> tuple[Callable[..., Response], Callable[..., Response]]:
    def api(world: World, who: str, _: Target) -> Response:
        return world.api(who, "GET", f"/users/{world.ids[owner]}/export")

    def web(world: World, who: str, _: Target) -> Response:
        return world.open(who, f"/export/users/{world.ids[owner]}")

    return api, web


# --- customers ---------------------------------------------------------------------------------
def api_create_customer(world: World, who: str, _: Target) -> Response:
    return world.api(who, "POST", "/customers", json={"name": world.unique("Entered")})


def web_create_customer(world: World, who: str, _: Target) -> Response:
    return world.submit(who, "/customers/new", {"name": world.unique("Entered"), "keep": "mine"})


def api_edit_customer(world: World, who: str, target: Target) -> Response:
    return world.api(who, "PATCH", f"/customers/{target['customer']}", json={"region": "North"})


def web_edit_customer(world: World, who: str, target: Target) -> Response:
    form = {"name": f"Edited {target['customer']}", "region": "North", "stage": "lead"}
    return world.submit(who, f"/customers/{target['customer']}/edit", form)


def customer_verb(
    verb: str, api_body: dict[str, Any] | None = None, web_form: dict[str, Any] | None = None
) -> tuple[Callable[..., Response], Callable[..., Response]]:
    """``POST /customers/{id}/<verb>`` on both edges (``"@teammate"`` stands for that user's id)."""

    def api(world: World, who: str, target: Target) -> Response:
        body = world.resolve(api_body) if api_body else None
        return world.api(who, "POST", f"/customers/{target['customer']}/{verb}", json=body)

    def web(world: World, who: str, target: Target) -> Response:
        form = world.resolve(web_form or {}, as_text=True)
        return world.submit(who, f"/customers/{target['customer']}/{verb}", form)

    return api, web


def claim_after_claiming_one() -> tuple[Callable[..., Response], Callable[..., Response]]:
    """Claim the pool's first customer (whatever the answer), then the second: the answer is the second's."""
    api_claim, web_claim = customer_verb("claim")

    def api(world: World, who: str, target: Target) -> Response:
        api_claim(world, who, {"customer": target["first"]})
        return api_claim(world, who, target)

    def web(world: World, who: str, target: Target) -> Response:
        web_claim(world, who, {"customer": target["first"]})
        return web_claim(world, who, target)

    return api, web


def api_delete_customer(world: World, who: str, target: Target) -> Response:
    return world.api(who, "DELETE", f"/customers/{target['customer']}")


def api_restore_customer(world: World, who: str, target: Target) -> Response:
    return world.api(who, "POST", f"/customers/{target['customer']}/restore")


def api_merge(world: World, who: str, target: Target) -> Response:
    body = {"merged_id": target["other"]}
    return world.api(who, "POST", f"/customers/{target['customer']}/merge", json=body)


def web_merge(world: World, who: str, target: Target) -> Response:
    form = {"merged_id": str(target["other"]), "confirm": "yes"}
    return world.submit(who, f"/customers/{target['customer']}/merge", form)


def api_dismiss(world: World, who: str, target: Target) -> Response:
    body = {"customer_ids": [target["customer"], target["other"]]}
    return world.api(who, "POST", "/possible-duplicates/dismiss", json=body)


def web_dismiss(world: World, who: str, target: Target) -> Response:
    form = {"other_id": str(target["other"])}
    return world.submit(who, f"/customers/{target['customer']}/possible-duplicates/dismiss", form)


def _action(prepare: Callable[[World], Target], edges: tuple[Callable[..., Response], ...]) -> Action:
    return Action(prepare, edges[0], edges[1] if len(edges) > 1 else None)


ACTIONS: dict[str, Action] = {
    "create_department": Action(nothing, api_create_department, web_create_department),
    "create_user": Action(nothing, api_create_user, web_create_user),
    "edit_user_capacity": Action(a_user, api_edit_user, web_edit_user),
    "change_own_password": Action(fresh_password, api_change_own_password, web_change_own_password),
    "reset_password": Action(a_user, api_reset_password, web_reset_password),
    "deactivate_user": Action(a_user, api_deactivate, web_deactivate),
    "company_settings": Action(nothing, api_settings, web_settings),
    "create_pool": Action(nothing, api_create_pool, web_create_pool),
    "pool_members": _action(
        a_pool,
        pool_change({"member_department_ids": ["@East", "@West"]}, member_department_ids=["@East", "@West"]),
    ),
    "pool_admins": _action(
        a_pool,
        pool_change(
            {"admin_user_ids": ["@pool_admin", "@teammate"]}, admin_user_ids=["@pool_admin", "@teammate"]
        ),
    ),
    "pool_hide_contact": _action(a_pool, pool_change({"hide_contact": True}, hide_contact="yes")),
    "pool_reclaim_days": _action(
        a_pool, pool_change({"reclaim_protection_days": 3}, reclaim_protection_days="3")
    ),
    "add_rule": Action(a_pool, api_add_rule, web_add_rule),
    "edit_rule": Action(a_pool_with_rule, api_edit_rule, None),
    "delete_rule": Action(a_pool_with_rule, api_delete_rule, web_delete_rule),
    "sweep": Action(nothing, api_sweep, web_sweep),
    "import_into_pool": Action(a_lead_file, api_import, web_import),
    "distribute": _action(a_pool_with_customer, distribute_to("teammate")),
    "distribute_back": _action(just_released_by_rep, distribute_to("rep")),
    "create_customer": Action(nothing, api_create_customer, web_create_customer),
    "edit_rep_customer": Action(rep_customer, api_edit_customer, web_edit_customer),
    "edit_pool_customer": Action(pool_customer, api_edit_customer, web_edit_customer),
    "claim": _action(pool_customer, customer_verb("claim")),
    "claim_past_daily_limit": _action(two_in_a_pool_of_one_claim_a_day, claim_after_claiming_one()),
    "release": _action(
        rep_customer,
        customer_verb(
            "release", {"reason": "not interested"}, {"reason": "not interested", "confirm": "yes"}
        ),
    ),
    "assign": _action(
        pool_customer, customer_verb("assign", {"user_id": "@teammate"}, {"user_id": "@teammate"})
    ),
    "assign_back": _action(
        just_released_by_rep, customer_verb("assign", {"user_id": "@rep"}, {"user_id": "@rep"})
    ),
    "transfer": _action(
        rep_customer,
        customer_verb("transfer", {"user_id": "@teammate"}, {"user_id": "@teammate", "confirm": "yes"}),
    ),
    "transfer_peer_managers": _action(
        peer_manager_customer,
        customer_verb("transfer", {"user_id": "@teammate"}, {"user_id": "@teammate", "confirm": "yes"}),
    ),
    "followup": _action(
        rep_customer,
        customer_verb(
            "followups", {"kind": "call", "content": "called"}, {"kind": "call", "content": "called"}
        ),
    ),
    "deal": _action(rep_customer, customer_verb("deals", {"amount": 100}, {"amount": "100"})),
    "lock": _action(rep_customer, customer_verb("lock")),
    "unlock": _action(locked_rep_customer, customer_verb("unlock")),
    "delete_customer": Action(rep_customer, api_delete_customer, None),
    "restore_customer": Action(deleted_rep_customer, api_restore_customer, None),
    "merge_rep_customers": Action(two_rep_customers, api_merge, web_merge),
    "merge_pool_customers": Action(two_pool_customers, api_merge, web_merge),
    "dismiss_rep_customers": Action(two_rep_customers, api_dismiss, web_dismiss),
    "dismiss_pool_customers": Action(two_pool_customers, api_dismiss, web_dismiss),
    "export_pool": Action(nothing, api_export_pool, web_export_pool),
    "export_rep": _action(nothing, export_user("rep")),
    "export_peer_managers": _action(nothing, export_user("peer_manager")),
}
