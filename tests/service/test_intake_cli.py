"""The intake commands end to end: import with its report, distribute, export (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from highseas.cli import app
from highseas.customers.models import Customer
from tests.conftest import Org
from tests.crm_templates import WUKONG_CUSTOMERS_XLS
from tests.invariants import assert_invariants

runner = CliRunner()


@pytest.fixture
def cli_org(org: Org, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Org:
    monkeypatch.setenv("HIGHSEAS_DATABASE_URL", org.engine.url.render_as_string(hide_password=False))
    monkeypatch.chdir(tmp_path)
    return org


def test_import_distribute_and_export_from_the_command_line(cli_org: Org, tmp_path: Path) -> None:
    leads = tmp_path / "fair.csv"
    leads.write_text(
        "客户,号码,等级\n甲,13800138000,B\n乙,0086 138 0013 8000,B\n丙,13900139000,B\n丁,13700137000,C\n"
        ",not a phone,B\n",  # says nothing of who the customer is
        encoding="gbk",
    )
    imported = runner.invoke(
        app, ["import", str(leads), "--pool", "Company", "--mapping", "客户=name", "--mapping", "号码=phone"]
    )
    assert imported.exit_code == 0, imported.output
    assert "5 rows, 3 imported (0 with warnings), 1 duplicates, 1 refused" in imported.output
    with (tmp_path / "fair.report.csv").open(encoding="utf-8-sig") as report:
        assert [row[:3] for row in csv.reader(report)] == [
            ["row", "column", "result"],
            ["3", "号码", "duplicate"],
            ["6", "客户", "refused"],
            ["6", "号码", "refused"],
        ]
    same_mapping = ["--mapping", "号码=phone", "--mapping", "客户=name"]
    again = runner.invoke(app, ["import", str(leads), "--pool", "Company", *same_mapping])
    assert again.exit_code == 0 and "nothing imported" in again.output

    handed = runner.invoke(
        app,
        [
            "distribute",
            "--pool",
            "Company",
            "--to",
            "rep",
            "--to",
            "other_rep",
            "--count",
            "5",
            "--grade",
            "B",
        ],
    )
    assert handed.exit_code == 0, handed.output
    assert "2 of 5 handed out" in handed.output
    with cli_org.session() as s:
        owned = s.scalar(select(func.count()).where(Customer.owner_id.is_not(None)))
    assert owned == 2

    exported = runner.invoke(
        app, ["export", "mine.xlsx", "--owner", "rep", "--format", "xlsx", "--user", "rep"]
    )
    assert exported.exit_code == 0 and "1 customers written" in exported.output
    assert (tmp_path / "mine.xlsx").stat().st_size > 0
    in_english = runner.invoke(app, ["export", "mine.csv", "--owner", "rep", "--lang", "en", "--user", "rep"])
    assert in_english.exit_code == 0, in_english.output
    assert (tmp_path / "mine.csv").read_text(encoding="utf-8-sig").startswith("ID,Name,Company,Phone,")
    refused = runner.invoke(app, ["export", "theirs.csv", "--owner", "rep", "--user", "west_rep"])
    assert refused.exit_code == 1 and "not_found" in refused.output
    assert not (tmp_path / "theirs.csv").exists()
    assert_invariants(cli_org.engine)


def test_createadmin_refuses_a_guessable_password_saying_why(cli_org: Org) -> None:
    refused = runner.invoke(app, ["createadmin", "boss", "--password", "aaaaaaaa"])
    assert refused.exit_code != 0
    assert "password" in refused.output and "Repeats" in refused.output
    created = runner.invoke(app, ["createadmin", "boss", "--password", "tide-table-lantern"])
    assert created.exit_code == 0 and "admin 'boss' created" in created.output


def test_the_command_line_reads_a_wukong_xls_and_remembers_the_mapping_given(
    cli_org: Org, tmp_path: Path
) -> None:
    first = WUKONG_CUSTOMERS_XLS.write(tmp_path)
    imported = runner.invoke(app, ["import", str(first), "--pool", "Company", "--mapping", "客户级别=ignore"])
    assert imported.exit_code == 0, imported.output
    assert "3 rows, 3 imported" in imported.output and "confirmed for an earlier file" not in imported.output
    # The next download has the same header: no --mapping needed, the grade column stays ignored.
    later = tmp_path / "customer_import (1).xls"
    later.write_bytes(WUKONG_CUSTOMERS_XLS.data)
    again = runner.invoke(app, ["import", str(later), "--pool", "East Leads"])
    assert again.exit_code == 0, again.output
    assert "columns read as confirmed for an earlier file" in again.output
    assert "3 rows, 0 imported (0 with warnings), 3 duplicates, 0 refused" in again.output
