"""The web UI in a real browser (Chromium): the rep's, manager's and admin's main journeys, in
Chinese, and a screenshot of every main page at desktop and phone width for the README."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from highseas import clock
from tests.browser.conftest import HIDDEN_PHONE, Server
from tests.conftest import PASSWORD

# Every run renders every page; only HIGHSEAS_SCREENSHOTS=1 replaces the README's pictures, so
# an ordinary test run leaves the checkout as it was.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("HIGHSEAS_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "highseas-screenshots"
)
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def open_as(server: Server, browser: Any) -> Iterator[Any]:
    """``open_as("rep")``: a fresh browser context in Chinese, logged in through the form. Every
    page it opens must run under the Content-Security-Policy without a violation (Chromium reports
    each one on the console)."""
    contexts: list[Any] = []
    violations: list[str] = []

    def note_violation(message: Any) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.location.get('url')}: {message.text}")

    def login(persona: str, viewport: dict[str, int] = DESKTOP, username: str | None = None) -> Any:
        context = browser.new_context(locale="zh-CN", viewport=viewport, base_url=server.url)
        context.set_default_timeout(10_000)
        context.on("console", note_violation)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        if persona:
            page.get_by_label("用户名").fill(username or getattr(server.org, persona).username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url("**/*")
        return page

    yield login
    for context in contexts:
        context.close()
    assert violations == []


def flash(page: Any) -> str:
    return str(page.locator(".flash").first.inner_text())


def test_a_rep_claims_logs_a_follow_up_and_sees_the_countdown_reset(server: Server, open_as: Any) -> None:
    page = open_as("rep")
    page.goto("/pool?q=杭州云帆")
    page.get_by_role("button", name="领取 杭州云帆科技").click()
    assert flash(page) == "领取成功：客户已进入您的私海。"
    clock.advance(timedelta(hours=10))
    page.goto("/mine")
    card = page.locator("li.card", has_text="杭州云帆科技")
    assert card.locator(".countdown").inner_text() == "9 天后掉落"
    assert "规则：C/D 级 10 天未跟进（未成交）" in card.inner_text()
    card.locator("summary").click()
    card.get_by_label("跟进内容").fill("电话沟通了报价")
    card.get_by_role("button", name="保存跟进").click()
    assert flash(page) == "跟进已记录：回收倒计时重新开始。"
    assert (
        page.locator("li.card", has_text="杭州云帆科技").locator(".countdown").inner_text() == "10 天后掉落"
    )
    urgent = page.locator("li.card", has_text="北京博远咨询").locator(".countdown")
    assert "urgent" in (urgent.get_attribute("class") or "")


def test_a_rep_at_capacity_is_told_so(server: Server, open_as: Any) -> None:
    page = open_as("rep", username="full_rep")
    page.goto("/pool?q=苏州恒信")
    page.get_by_role("button", name="领取 苏州恒信机械").click()
    assert flash(page) == "库容已满：已拥有 0 个客户，上限 0 个。请先释放客户再领取。"


def test_a_manager_assigns_a_pool_customer(server: Server, open_as: Any) -> None:
    page = open_as("east_manager")
    page.goto(f"/customers/{server.ids['east']}")
    page.get_by_label("销售", exact=True).select_option(label="李娜")
    page.get_by_role("button", name="分配", exact=True).click()
    assert flash(page) == "已分配。"
    assert "李娜" in page.locator("dl").inner_text()


def test_an_admin_creates_a_pool_with_grade_rules_and_previews_them(server: Server, open_as: Any) -> None:
    page = open_as("admin")
    page.goto("/admin/pools")
    page.get_by_label("名称").fill("展会线索")
    page.get_by_label("HQ").check()
    page.get_by_role("button", name="创建公海").click()
    assert flash(page) == "公海已创建，请为它设置回收规则。"
    page.get_by_label("B 级").fill("25")
    page.get_by_label("C 级").fill("10")
    page.get_by_role("button", name="预览（试运行）").click()
    assert "按这些规则，现在将有 0 个客户掉落" in page.locator(".preview").inner_text()
    page.get_by_role("button", name="保存规则").click()
    assert "B 级 25 天未跟进" in page.locator("#rules-h + ul").inner_text()

    page.goto(f"/admin/pools/{server.org.company_pool.id}")
    page.get_by_label("C 级").fill("7")
    page.get_by_label("D 级").fill("7")
    page.get_by_role("button", name="预览（试运行）").click()
    preview = page.locator(".preview").inner_text()
    assert "现在将有 2 个客户掉落" in preview and "张伟: 2" in preview
    screenshot(page, "admin-rules-preview")


def test_hidden_contacts_never_reach_the_page(server: Server, open_as: Any) -> None:
    page = open_as("rep")
    for path in ("/pool", f"/customers/{server.ids['hidden']}"):
        page.goto(path)
        assert "宁波保密客户" in page.content()
        assert HIDDEN_PHONE not in page.content() and "139 8765 4321" not in page.content()


def test_the_language_switch_changes_every_word(server: Server, open_as: Any) -> None:
    page = open_as("rep")
    page.goto("/mine")
    assert page.get_by_role("heading", level=1).inner_text() == "我的客户"
    with page.expect_navigation():
        page.get_by_label("语言").select_option("en")  # submits itself: no button needed with JavaScript
    assert page.get_by_role("heading", level=1).inner_text() == "My customers"
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_forged_form_without_the_csrf_token_is_rejected(server: Server, open_as: Any) -> None:
    page = open_as("rep")
    page.goto("/pool")
    target = server.ids["苏州恒信机械"]
    page.evaluate(
        """(id) => { const f = document.createElement('form'); f.method = 'post';
        f.action = '/customers/' + id + '/claim'; document.body.append(f); f.submit(); }""",
        target,
    )
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "表单已失效"
    page.goto("/mine")
    assert "苏州恒信机械" not in page.content()


def test_an_admin_imports_a_file_and_sees_the_result(server: Server, open_as: Any, tmp_path: Path) -> None:
    leads = tmp_path / "展会线索.csv"
    # 乙's phone is flagged and 乙 imported without it; the last row names nobody and is refused.
    leads.write_text("姓名,手机,公司\n浏览器导入甲,13600136000,\n浏览器导入乙,12,\n,12,\n", encoding="utf-8")
    page = open_as("admin")
    page.goto("/import")
    page.get_by_label("公海").select_option(label="Company")
    page.get_by_label("文件").set_input_files(str(leads))
    page.get_by_role("button", name="上传并预览").click()
    preview = page.locator("table.preview").inner_text()
    assert "浏览器导入甲" in preview and "13600136000" in preview
    assert page.get_by_label("“手机”列对应的字段").input_value() == "phone"
    page.get_by_role("button", name="导入", exact=True).click()
    # The streamed progress page opens the result by itself once the import is done.
    page.wait_for_url(re.compile(r"/imports/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "导入结果"
    assert page.locator("#count-imported").inner_text() == "2"
    assert page.locator("#count-warnings").inner_text() == "1"
    assert page.locator("#count-invalid").inner_text() == "1"
    with page.expect_download() as download:
        page.get_by_role("link", name="下载报告（CSV）").click()
    report = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "3,手机,已导入（有警告）" in report and ",未导入," in report


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}-{'phone' if width < 600 else 'desktop'}.png"), full_page=True
    )


MAIN_PAGES = [
    ("", "login", "/login"),
    ("rep", "my-customers", "/mine"),
    ("rep", "pool", "/pool"),
    ("rep", "customer", "/customers/{北京博远咨询}"),
    ("rep", "reminders", "/reminders"),
    ("rep", "customer-new", "/customers/new"),
    ("east_manager", "team", "/team"),
    ("admin", "admin-org", "/admin/org"),
    ("admin", "admin-pools", "/admin/pools"),
    ("admin", "admin-pool", "/admin/pools/{pool}"),
    ("admin", "admin-settings", "/admin/settings"),
    ("admin", "admin-sweep", "/admin/sweep"),
    ("admin", "import", "/import"),
]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_screenshots_of_every_main_page(server: Server, open_as: Any, viewport: dict[str, int]) -> None:
    names = {**server.ids, "pool": server.org.company_pool.id}
    pages: dict[str, Any] = {}
    for persona, name, path in MAIN_PAGES:
        if persona not in pages:
            pages[persona] = open_as(persona, viewport)
        page = pages[persona]
        response = page.goto(path.format(**names))
        assert response.status == 200, path
        # Nothing may stick out sideways at phone width.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is wider than the screen by {overflow}px"
        screenshot(page, name)


def test_the_api_docs_start_swagger_ui_under_their_content_security_policy(
    server: Server, open_as: Any
) -> None:
    page = open_as("")
    response = page.goto("/docs")
    assert "connect-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI's script ran, its stylesheet applied, and it fetched the OpenAPI document (the
    # fixture fails the test on any Content-Security-Policy violation).
    page.locator("#swagger-ui .swagger-ui").first.wait_for()
    assert page.locator("#swagger-ui .swagger-ui").first.evaluate("e => getComputedStyle(e).fontFamily")
    with page.expect_response("**/openapi.json"):
        page.reload()


def test_every_main_page_carries_a_strict_content_security_policy(server: Server, open_as: Any) -> None:
    names = {**server.ids, "pool": server.org.company_pool.id}
    pages: dict[str, Any] = {}
    for persona, _, path in MAIN_PAGES:
        if persona not in pages:
            pages[persona] = open_as(persona)
        headers = pages[persona].goto(path.format(**names)).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self';" in policy and "style-src 'self';" in policy, path
        assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy, path
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
