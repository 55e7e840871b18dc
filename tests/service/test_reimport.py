"""Importing a file again: the key is the pool, the file and the column mapping, so a corrected
mapping reads the file afresh while the same upload twice imports nothing twice (SQLite and
PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from highseas.customers.models import Customer
from highseas.intake.importer import ImportResult, import_file
from highseas.intake.models import ImportBatch
from tests.conftest import Org
from tests.invariants import assert_invariants

# A fair's list whose 备注 column a first, hurried mapping took for the grade.
FAIR = "客户名称,手机,备注\n杭州云帆科技有限公司,13800138000,\n苏州明远机械有限公司,13900139000,下周回访\n"


def run_import(org: Org, path: Path, mapping: dict[str, str] | None = None) -> ImportResult:
    return org.run(import_file, org.admin, org.company_pool.id, path, mapping=mapping)


def phones(org: Org) -> dict[str, str | None]:
    with org.session() as s:
        return {c.company or "": c.phone for c in s.scalars(select(Customer))}


def test_a_corrected_mapping_reads_the_file_again_and_imports_what_it_missed(
    org: Org, tmp_path: Path
) -> None:
    path = tmp_path / "fair.csv"
    path.write_text(FAIR, encoding="utf-8")
    hurried = run_import(org, path, {"备注": "grade"})
    corrected = run_import(org, path, {"备注": "ignore"})
    assert not corrected.already_imported and corrected.batch.id != hurried.batch.id
    assert corrected.batch.rows == 2
    assert hurried.batch.imported + corrected.batch.imported == 2
    assert corrected.batch.duplicates == hurried.batch.imported
    assert phones(org) == {"杭州云帆科技有限公司": "13800138000", "苏州明远机械有限公司": "13900139000"}
    again = run_import(org, path, {"备注": "ignore"})
    assert again.already_imported and again.batch.id == corrected.batch.id
    assert len(phones(org)) == 2
    assert_invariants(org.engine)


def test_a_mapping_that_only_restates_the_defaults_is_the_same_upload(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "fair.csv"
    path.write_text(FAIR, encoding="utf-8")
    first = run_import(org, path)
    for same in ({}, {"手机": "phone"}, {" 客户名称 ": "company", "手机": "phone"}):
        again = run_import(org, path, same)
        assert again.already_imported and again.batch.id == first.batch.id
    with org.session() as s:
        assert len(s.scalars(select(ImportBatch)).all()) == 1
    assert len(phones(org)) == 2
