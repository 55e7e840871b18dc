"""Lead intake over HTTP: imports and their reports, batch distribution, exports."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import StreamingResponse

from highseas import errors
from highseas.api.deps import CurrentUser, Db, IdPath, OneThread, ReadDb
from highseas.downloads import CSV, MEDIA_TYPES, download
from highseas.intake import importer
from highseas.intake.distribution import Strategy, distribute
from highseas.intake.export import ExportFormat, export_owned, export_pool
from highseas.intake.importer import get_batch, import_file
from highseas.intake.models import ImportBatch
from highseas.intake.report import write_report
from highseas.intake.schemas import (
    DistributeIn,
    DistributeOut,
    ImportOut,
    PreviewColumn,
    PreviewOut,
    PreviewRow,
    SkippedOut,
)

router = APIRouter(tags=["intake"], route_class=OneThread)
FormatQuery = Annotated[ExportFormat, Query(alias="format", description="csv or xlsx")]


def _import_out(batch: ImportBatch, already_imported: bool = False) -> ImportOut:
    return ImportOut(
        id=batch.id,
        pool_id=batch.pool_id,
        actor_id=batch.actor_id,
        file_name=batch.file_name,
        rows=batch.rows,
        imported=batch.imported,
        duplicates=batch.duplicates,
        invalid=batch.invalid,
        possible_duplicates=batch.possible_duplicates,
        created_at=batch.created_at,
        already_imported=already_imported,
        report_url=f"/api/v1/imports/{batch.id}/report",
    )


def _mapping(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError:
        raise errors.InvalidInput("mapping", 'must be a JSON object such as {"联系电话": "phone"}') from None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise errors.InvalidInput("mapping", "must map header names to field names")
    return mapping


MappingForm = Annotated[
    str | None, Form(description='JSON object of header → field, e.g. {"联系电话": "phone"}')
]
LeadFile = Annotated[
    UploadFile, File(description="A CSV (UTF-8, GBK or UTF-16 with a BOM) or XLSX file of leads")
]


@contextmanager
def _saved(upload: UploadFile) -> Iterator[Path]:
    """The upload as a file on disk for the duration of the block: the reader streams from it."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "upload"
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        yield path


@router.post(
    "/pools/{pool_id}/import",
    status_code=201,
    responses={200: {"model": ImportOut, "description": "this file was imported into the pool before"}},
)
def import_leads(
    pool_id: IdPath,
    file: LeadFile,
    user: CurrentUser,
    session: Db,
    response: Response,
    mapping: MappingForm = None,
) -> ImportOut:
    """Import leads into the pool as unowned customers; duplicates and bad rows go to the report."""
    columns = _mapping(mapping)
    with _saved(file) as path:
        result = import_file(
            session, user, pool_id, path, file_name=file.filename or "upload", mapping=columns
        )
    if result.already_imported:
        response.status_code = 200
    return _import_out(result.batch, result.already_imported)


@router.post("/pools/{pool_id}/import/preview")
def preview_import(
    pool_id: IdPath, file: LeadFile, user: CurrentUser, session: Db, mapping: MappingForm = None
) -> PreviewOut:
    """The columns an import would read, the field each feeds, and the first rows: nothing is saved."""
    columns = _mapping(mapping)
    with _saved(file) as path:
        preview = importer.preview_import(session, user, pool_id, path, columns)
    return PreviewOut(
        columns=[PreviewColumn(header=h, field=f) for h, f in preview.columns],
        rows=[PreviewRow(row=n, cells=cells) for n, cells in preview.rows],
    )


@router.get("/imports/{batch_id}")
def get_import(batch_id: IdPath, user: CurrentUser, session: ReadDb) -> ImportOut:
    return _import_out(get_batch(session, user, batch_id))


@router.get("/imports/{batch_id}/report", response_class=StreamingResponse)
def import_report(batch_id: IdPath, user: CurrentUser, session: Db) -> StreamingResponse:
    """The rows not imported (and possible duplicates) as CSV: row, column, kind, reason."""
    batch = get_batch(session, user, batch_id)
    return download(lambda out: write_report(session, user, batch, out), f"import-{batch.id}-report.csv", CSV)


@router.post("/pools/{pool_id}/distribute")
def distribute_customers(
    pool_id: IdPath, body: DistributeIn, user: CurrentUser, session: Db
) -> DistributeOut:
    """Hand up to ``count`` unowned customers of the pool to the users, never past a capacity;
    one ``assign`` event each, all in one transaction."""
    result = distribute(
        session,
        user,
        pool_id,
        body.user_ids,
        body.count,
        Strategy(body.strategy),
        grade=body.grade,
        region=body.region,
        source=body.source,
        override_reason=body.override_reason,
    )
    return DistributeOut(
        requested=result.requested,
        matching=result.matching,
        distributed=result.distributed,
        by_user={str(user_id): ids for user_id, ids in result.by_user.items()},
        skipped=[
            SkippedOut(user_id=s.user_id, reason=s.reason.value, customer_ids=list(s.customer_ids))
            for s in result.skipped
        ],
    )


@router.get("/pools/{pool_id}/export", response_class=StreamingResponse)
def export_pool_customers(
    pool_id: IdPath, user: CurrentUser, session: Db, fmt: FormatQuery = ExportFormat.CSV
) -> StreamingResponse:
    """The pool's unowned customers; contact details the caller may not see are left empty."""
    return download(
        lambda out: export_pool(session, user, pool_id, out, fmt), f"pool-{pool_id}.{fmt}", MEDIA_TYPES[fmt]
    )


@router.get("/users/{user_id}/export", response_class=StreamingResponse)
def export_user_customers(
    user_id: IdPath, user: CurrentUser, session: Db, fmt: FormatQuery = ExportFormat.CSV
) -> StreamingResponse:
    """The customers a user owns: for that user, their managers and admins."""
    return download(
        lambda out: export_owned(session, user, user_id, out, fmt), f"user-{user_id}.{fmt}", MEDIA_TYPES[fmt]
    )
