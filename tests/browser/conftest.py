"""A real ``highseas`` web server (uvicorn in a thread, a fresh SQLite database) and Debian's
Chromium driven by Playwright. Without the browser these tests skip and say why; Playwright never
downloads a browser of its own."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from highseas import clock
from highseas.app import create_app
from highseas.auth.permissions import SYSTEM
from highseas.customers.service import CustomerInput, create_customer
from highseas.db import make_engine
from highseas.org.models import Role
from highseas.org.service import create_user
from highseas.ownership.service import claim
from highseas.pools.service import PoolInput, RuleInput, add_rule, create_pool
from highseas.schema import migrate
from tests.conftest import PASSWORD, START, Org, build_org

CHROMIUM = Path("/usr/bin/chromium")
# As the machine's own probe starts it: no sandbox as root, nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CUSTOMERS = [
    ("杭州云帆科技", "云帆科技有限公司", "C", "华东", "软件", "展会"),
    ("深圳海润电子", "海润电子股份有限公司", "B", "华南", "电子", "官网"),
    ("北京博远咨询", "博远管理咨询有限公司", "C", "华北", "咨询", "展会"),
    ("成都天府物流", "天府物流有限公司", "D", "西部", "物流", "转介绍"),
    ("苏州恒信机械", "恒信精密机械有限公司", "E", "华东", "制造", "展会"),
    ("上海新禾食品", "新禾食品有限公司", "A", "华东", "食品", "官网"),
]
HIDDEN_PHONE = "13987654321"


@dataclass
class Server:
    url: str
    org: Org
    ids: dict[str, int]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _populate(org: Org) -> dict[str, int]:
    """Grade rules on the company pool, customers the rep claimed weeks ago, a hidden pool."""
    ids: dict[str, int] = {}
    org.run(add_rule, SYSTEM, org.company_pool.id, RuleInput("no_followup", 10, ["C", "D"], True, 3))
    org.run(add_rule, SYSTEM, org.company_pool.id, RuleInput("no_followup", 25, ["B"], True, 3))
    clock.set_now(START - timedelta(days=8, hours=12))
    for name, company, grade, region, industry, source in CUSTOMERS:
        data = CustomerInput(
            name=name, company=company, grade=grade, region=region, industry=industry, source=source
        )
        ids[name] = org.run(create_customer, org.admin, data, in_pool=True).id
    for name in ("北京博远咨询", "成都天府物流", "深圳海润电子"):
        org.run(claim, org.rep, ids[name])
    clock.set_now(START)
    hq = org.admin.department_id
    hidden = org.run(
        create_pool, SYSTEM, PoolInput("保密公海", [], [hq] if hq else [], [], hide_contact=True)
    )
    data = CustomerInput(name="宁波保密客户", company="保密贸易有限公司", grade="C", phone=HIDDEN_PHONE)
    ids["hidden"] = org.run(create_customer, org.admin, data, pool_id=hidden.id, in_pool=True).id
    east = org.east_pool.id
    ids["east"] = org.run(
        create_customer, org.admin, CustomerInput(name="温州东瓯贸易", grade="B"), pool_id=east, in_pool=True
    ).id
    org.run(create_user, SYSTEM, "full_rep", PASSWORD, Role.SALES, org.rep.department_id, "满额销售", 0)
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.skip("no browser: install Debian's chromium package (apt-get install chromium) to run these")
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'highseas.db'}")
    migrate(engine)
    clock.set_now(START)
    org = build_org(engine)
    ids = _populate(org)
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting for uvicorn to bind its port in its thread, not for the clock
    assert uv.started, "the web server did not start"
    yield Server(f"http://127.0.0.1:{port}", org, ids)
    uv.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
