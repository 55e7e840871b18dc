"""The web pages through an HTTP client: login, CSRF, permission boundaries, hidden contacts,
claim refusals in words, the countdown, languages — on SQLite and PostgreSQL."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import select

from highseas import clock
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer
from highseas.org.models import User
from highseas.org.service import update_user
from highseas.pools.models import RecycleRule
from highseas.pools.service import PoolInput, RuleInput, add_rule, create_pool
from tests.conftest import PASSWORD
from tests.web.conftest import Site, csrf_of, flashes


def _pool_customer(site: Site, name: str = "杭州云帆科技", pool_id: int | None = None, **fields: str) -> int:
    org = site.org
    customer = org.run(
        create_customer,
        org.admin,
        CustomerInput(name=name, grade="C", **fields),
        pool_id=pool_id,
        in_pool=True,
    )
    return customer.id


def _owner(site: Site, customer_id: int) -> int | None:
    with site.org.session() as session:
        return session.scalar(select(Customer.owner_id).where(Customer.id == customer_id))


def test_pages_send_anonymous_visitors_to_the_login_form(site: Site) -> None:
    response = site.visitor().get("/mine?cursor=x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fmine%3Fcursor%3Dx"


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(site: Site) -> None:
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        visitor = site.visitor(base_url=base)
        data = {"username": "rep", "password": "correct horse battery"}
        response = visitor.submit("/login", "/login", data, follow_redirects=False)
        assert response.status_code == 303
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("hs_session="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert ("Secure" in cookie) is secure


def test_a_wrong_password_is_refused_on_the_form(site: Site) -> None:
    response = site.visitor().submit("/login", "/login", {"username": "rep", "password": "wrong password"})
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert "hs_session" not in response.headers.get("set-cookie", "")


def test_a_throttled_login_form_says_when_to_try_again_in_both_languages(site: Site) -> None:
    for _ in range(5):
        site.visitor().submit("/login", "/login", {"username": "rep", "password": "wrong password"})
    for language, words in (("en", "Try again in 900 seconds."), ("zh", "900 秒后再试")):
        refused = site.visitor(language).submit("/login", "/login", {"username": "rep", "password": PASSWORD})
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
        assert words in refused.text
        assert "hs_session" not in refused.headers.get("set-cookie", "")


def test_forms_without_this_sessions_csrf_token_are_rejected(site: Site) -> None:
    customer_id = _pool_customer(site)
    rep, other = site.as_("rep"), site.as_("other_rep")
    forged = rep.client.post(f"/customers/{customer_id}/claim", data={"next": "/pool"})
    assert forged.status_code == 403 and "Form expired" in forged.text
    borrowed = csrf_of(other.get("/pool").text)
    stolen = rep.client.post(f"/customers/{customer_id}/claim", data={"csrf_token": borrowed})
    assert stolen.status_code == 403
    anonymous = site.visitor().client.post(
        "/login", data={"username": "rep", "password": "correct horse battery"}
    )
    assert anonymous.status_code == 403
    assert _owner(site, customer_id) is None


def test_another_reps_customer_is_not_found(site: Site) -> None:
    org = site.org
    theirs = org.run(create_customer, org.other_rep, CustomerInput(name="李娜的客户", grade="B"))
    rep = site.as_("rep")
    page = rep.get(f"/customers/{theirs.id}")
    assert page.status_code == 404 and "李娜的客户" not in page.text
    followup = rep.submit("/mine", f"/customers/{theirs.id}/followups", {"kind": "call", "content": "hi"})
    assert followup.status_code == 404
    assert rep.get("/customers/999999").status_code == 404
    assert rep.get("/customers/not-a-number").status_code == 404


def test_hidden_contacts_are_absent_from_the_html_until_claimed(site: Site) -> None:
    org = site.org
    hq = org.admin.department_id
    assert hq is not None
    hidden = org.run(create_pool, SYSTEM, PoolInput("保密公海", [], [hq], [], hide_contact=True))
    customer_id = _pool_customer(site, "保密客户", hidden.id, phone="13912345678", email="secret@example.cn")
    rep = site.as_("rep")
    paths = ("/pool", f"/pool?pool={hidden.id}", f"/customers/{customer_id}", "/mine", "/reminders")
    for path in (*paths, f"/customers/{customer_id}/edit"):
        html = rep.get(path).text
        assert "13912345678" not in html and "secret@example.cn" not in html, path
        assert ("139 1234 5678" not in html and "contact hidden until claimed" in html) or path in (
            "/mine",
            "/reminders",
            f"/customers/{customer_id}/edit",
        )
    # Searching by a hidden contact must not find the customer (the search box echoes the term).
    for term in ("13912345678", "secret@example"):
        assert "保密客户" not in rep.get(f"/pool?q={term}").text
    assert "保密客户" in rep.get("/pool?q=保密").text
    rep.submit("/pool", f"/customers/{customer_id}/claim", {"next": "/pool"})
    assert "13912345678" in rep.get(f"/customers/{customer_id}").text


def test_claim_refusals_say_exactly_why(site: Site) -> None:
    org = site.org
    taken = _pool_customer(site, "已被领取")
    org.run(
        lambda s: __import__("highseas.ownership.service", fromlist=["claim"]).claim(s, org.other_rep, taken)
    )
    rep = site.as_("rep")
    late = rep.submit("/pool", f"/customers/{taken}/claim", {"next": "/pool"})
    assert ("error", "Too late: someone else has already taken this customer.") in flashes(late.text)

    protected = _pool_customer(site, "保护期客户", org.east_pool.id)
    rep.submit("/pool", f"/customers/{protected}/claim", {"next": "/pool"})
    released = rep.submit(
        f"/customers/{protected}",
        f"/customers/{protected}/release",
        {"reason": "不再需要", "pool_id": str(org.east_pool.id), "confirm": "yes"},
    )
    assert ("success", "Released to the pool.") in flashes(released.text)
    again = rep.submit("/pool", f"/customers/{protected}/claim", {"next": "/pool"})
    message = "You gave this customer up recently: it is protected from you until 2026-03-09 09:00."
    assert ("error", message) in flashes(again.text)

    limited = org.run(create_pool, SYSTEM, PoolInput("限领公海", [org.rep.id], [], [], daily_claim_limit=1))
    first, second = (_pool_customer(site, f"限领{i}", limited.id) for i in range(2))
    rep.submit("/pool", f"/customers/{first}/claim", {"next": "/pool"})
    refused = rep.submit("/pool", f"/customers/{second}/claim", {"next": "/pool"})
    text = "Daily limit reached: at most 1 claims a day from this pool. Try again tomorrow."
    assert ("error", text) in flashes(refused.text)

    with site.org.session() as session, session.begin():
        update_user(session, SYSTEM, org.rep.id, {"capacity": 1})
    spare = _pool_customer(site, "库容已满")
    full = rep.submit("/pool", f"/customers/{spare}/claim", {"next": "/pool"})
    assert (
        "error",
        "Capacity full: 1 of at most 1 customers owned. Release one before taking another.",
    ) in flashes(full.text)
    assert _owner(site, second) is None and _owner(site, spare) is None


def test_a_follow_up_starts_the_countdown_again(site: Site) -> None:
    org = site.org
    org.run(add_rule, SYSTEM, org.company_pool.id, RuleInput("no_followup", 10, ["C"], remind_days_before=3))
    customer_id = _pool_customer(site)
    rep = site.as_("rep")
    rep.submit("/pool", f"/customers/{customer_id}/claim", {"next": "/pool"})
    clock.advance(timedelta(days=8))
    rep = site.as_("rep")  # a session lasts a working day, not eight
    mine = rep.get("/mine").text
    assert 'class="countdown urgent">drops in 2 days' in mine
    assert "rule: grade C: 10 days without a follow-up" in mine
    logged = rep.submit(
        "/mine",
        f"/customers/{customer_id}/followups",
        {"kind": "call", "content": "聊了预算", "next": "/mine"},
    )
    assert ("success", "Follow-up logged: the countdown starts again.") in flashes(logged.text)
    assert 'class="countdown">drops in 10 days' in logged.text
    assert "聊了预算" in rep.get(f"/customers/{customer_id}").text


def test_reps_may_not_open_team_or_admin_pages(site: Site) -> None:
    rep = site.as_("rep")
    for path in ("/team", "/admin/org", "/admin/pools", "/admin/settings", "/admin/sweep"):
        page = rep.get(path)
        assert page.status_code == 403 and "Not allowed" in page.text, path
    refused = rep.submit("/mine", "/admin/departments", {"name": "黑客部"})
    assert refused.status_code == 403


def test_the_language_follows_the_browser_until_switched(site: Site) -> None:
    assert "登录 HighSeas" in site.visitor("zh-CN,zh;q=0.9,en;q=0.8").get("/login").text
    assert "Log in to HighSeas" in site.visitor("en-US,en;q=0.9,zh;q=0.5").get("/login").text
    visitor = site.visitor("en")
    switched = visitor.submit("/login", "/lang", {"lang": "zh", "next": "/login"})
    assert '<html lang="zh-CN">' in switched.text and "登录 HighSeas" in switched.text


def test_the_api_keeps_its_json_errors(site: Site) -> None:
    visitor = site.visitor()
    assert visitor.get("/api/v1/nope").json()["error"]["code"] == "not_found"
    assert visitor.get("/api/v1/customers").json()["error"]["code"] == "unauthenticated"
    assert visitor.get("/docs").status_code == 200
    page = visitor.get("/no-such-page")
    assert page.status_code == 404 and "<html" in page.text


def test_a_manager_assigns_a_pool_customer_to_a_rep(site: Site) -> None:
    org = site.org
    customer_id = _pool_customer(site, "分配客户", org.east_pool.id)
    manager = site.as_("east_manager")
    page = manager.get(f"/customers/{customer_id}").text
    assert f'action="/customers/{customer_id}/assign"' in page
    done = manager.submit(
        f"/customers/{customer_id}", f"/customers/{customer_id}/assign", {"user_id": str(org.rep.id)}
    )
    assert ("success", "Assigned.") in flashes(done.text)
    assert _owner(site, customer_id) == org.rep.id
    assert "分配客户" in site.as_("rep").get("/mine").text
    team = manager.get("/team").text
    assert "张伟" in team and "1 / 100" in team


def test_the_rule_preview_counts_who_would_drop_and_saves_nothing(site: Site) -> None:
    org = site.org
    ids = [_pool_customer(site, f"预览{i}") for i in range(3)]
    rep = site.as_("rep")
    for customer_id in ids:
        rep.submit("/pool", f"/customers/{customer_id}/claim", {"next": "/pool"})
    clock.advance(timedelta(days=12))
    admin = site.as_("admin")
    pool_page = f"/admin/pools/{org.company_pool.id}"
    preview = admin.submit(
        pool_page,
        f"{pool_page}/rules",
        {"kind": "no_followup", "days_C": "10", "days_B": "25", "intent": "preview"},
    )
    assert preview.status_code == 200
    assert "With these rules 3 customers would drop now" in preview.text and "张伟: 3" in preview.text
    with org.session() as session:
        assert session.scalars(select(RecycleRule)).all() == []
    saved = admin.submit(
        pool_page,
        f"{pool_page}/rules",
        {"kind": "no_followup", "days_C": "10", "days_B": "25", "intent": "save"},
    )
    assert "grade B: 25 days without a follow-up" in saved.text
    assert "grade C: 10 days without a follow-up" in saved.text
    swept = admin.submit("/admin/sweep", "/admin/sweep", {"intent": "run", "confirm": "yes"})
    assert "3 customers recycled" in swept.text
    assert all(_owner(site, i) is None for i in ids)


def test_destructive_forms_need_their_confirmation_box(site: Site) -> None:
    org = site.org
    admin = site.as_("admin")
    refused = admin.submit("/admin/org", f"/admin/users/{org.rep.id}/deactivate", {"transfer_to": ""})
    assert ("error", "Tick the confirmation box to go ahead.") in flashes(refused.text)
    done = admin.submit(
        "/admin/org",
        f"/admin/users/{org.rep.id}/deactivate",
        {"transfer_to": str(org.other_rep.id), "confirm": "yes"},
    )
    assert ("success", "User deactivated; their customers were handed over.") in flashes(done.text)
    with org.session() as session:
        assert session.get_one(User, org.rep.id).active is False


def test_an_admin_creating_a_user_with_a_guessable_password_is_told_why(site: Site) -> None:
    admin = site.as_("admin")
    data = {"username": "liuwei", "password": "aaaaaaaa", "role": "sales", "name": "刘伟"}
    refused = admin.submit("/admin/org", "/admin/users", data)
    [(level, text)] = flashes(refused.text)
    assert level == "error" and "password" in text and "Repeats like" in html.unescape(text)
    with site.org.session() as session:
        assert session.scalars(select(User.id).where(User.username == "liuwei")).all() == []


def test_a_password_change_keeps_this_session_and_ends_the_others(site: Site) -> None:
    rep, elsewhere = site.as_("rep"), site.as_("rep")
    wrong = rep.submit("/account", "/account/password", {"current": "nope", "new": "x", "repeat": "x"})
    assert wrong.status_code == 400 and "The current password is wrong." in wrong.text
    common = {"current": PASSWORD, "new": "password", "repeat": "password"}
    assert "common" in rep.submit("/account", "/account/password", common).text
    repeated = {"current": PASSWORD, "new": "aaaaaaaa", "repeat": "aaaaaaaa"}
    refused = rep.submit("/account", "/account/password", repeated)
    assert refused.status_code == 400 and "Repeats like" in html.unescape(refused.text)
    data = {"current": PASSWORD, "new": "new harbour lights", "repeat": "new harbour lights"}
    changed = rep.submit("/account", "/account/password", data)
    assert ("success", "Password changed. Other sessions are logged out.") in flashes(changed.text)
    assert rep.get("/mine").status_code == 200
    assert elsewhere.get("/mine", follow_redirects=False).status_code == 303
    again = site.visitor().submit("/login", "/login", {"username": "rep", "password": "new harbour lights"})
    assert 'action="/logout"' in again.text


def test_the_pool_page_narrows_by_region_industry_source_and_days_in_pool(site: Site) -> None:
    _pool_customer(site, "老客户甲", region="浙江", industry="制造", source="展会")
    clock.advance(timedelta(days=10))
    _pool_customer(site, "新客户乙", region="浙江", industry="零售", source="展会")
    _pool_customer(site, "新客户丙", region="江苏", industry="制造", source="官网")
    rep = site.as_("rep")

    def listed(query: str) -> set[str]:
        page = rep.get(f"/pool?{query}").text
        return {name for name in ("老客户甲", "新客户乙", "新客户丙") if name in page}

    assert listed("region=浙江") == {"老客户甲", "新客户乙"}
    assert listed("industry=制造") == {"老客户甲", "新客户丙"}
    assert listed("source=官网") == {"新客户丙"}
    assert listed("region=浙江&industry=制造") == {"老客户甲"}
    assert listed("days=7") == {"老客户甲"}
    assert listed("days=0") == {"老客户甲", "新客户乙", "新客户丙"}
    assert listed("days=11") == set()
