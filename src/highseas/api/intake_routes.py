"""Lead intake over HTTP: imports and their reports, batch distribution, exports."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse

from highseas import errors
from highseas.api.deps import CurrentUser, Db, IdPath, OneThread, ReadDb
from highseas.downloads import CSV, MEDIA_TYPES, XLSX, download
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
from highseas.intake.template import template_file_name, write_template
from highseas.languages import Lang, negotiate
from highseas.web.i18n import translations

router = APIRouter(tags=["intake"], route_class=OneThread)
FormatQuery = Annotated[ExportFormat, Query(alias="format", description="csv or xlsx")]


def _language(
    request: Request,
    lang: Annotated[Lang | None, Query(description="zh or en; by default from Accept-Language")] = None,
) -> Lang:
    # Files are read by people: in the company's language (Chinese, as the pages) unless asked.
    return lang or negotiate(request.headers.get("accept-language"))


ReaderLang = Annotated[Lang, Depends(_language)]


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
        warnings=batch.warnings,
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


def _value_map(text: str | None) -> dict[str, dict[str, str | None]]:
    if not text:
        return {}
    try:
        maps = json.loads(text)
    except json.JSONDecodeError:
        raise errors.InvalidInput(
            "value_map", 'must be a JSON object such as {"grade": {"重要客户": "A"}}'
        ) from None
    if not isinstance(maps, dict) or not all(
        isinstance(field, str)
        and isinstance(values, dict)
        and all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in values.items())
        for field, values in maps.items()
    ):
        raise errors.InvalidInput("value_map", "must map fields to objects of value → value")
    return maps


MappingForm = Annotated[
    str | None,
    Form(description='JSON object of header → field ("custom" or "ignore"), e.g. {"联系电话": "phone"}'),
]
ValueMapForm = Annotated[
    str | None,
    Form(
        description="JSON object of field → {value → value}, saved as the company's value map: "
        '{"grade": {"重要客户": "A"}}'
    ),
]
LeadFile = Annotated[
    UploadFile,
    File(description="A CSV (UTF-8, GBK or UTF-16 with a BOM), XLSX, XLS or ODS file of leads"),
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
    value_map: ValueMapForm = None,
) -> ImportOut:
    """Import leads into the pool as unowned customers; duplicates and bad rows go to the report.
    An explicit mapping is remembered for files with the same header row."""
    columns, values = _mapping(mapping), _value_map(value_map)
    with _saved(file) as path:
        result = import_file(
            session,
            user,
            pool_id,
            path,
            file_name=file.filename or "upload",
            mapping=columns,
            value_map=values,
        )
    if result.already_imported:
        response.status_code = 200
    return _import_out(result.batch, result.already_imported)


@router.post("/pools/{pool_id}/import/preview")
def preview_import(
    pool_id: IdPath,
    file: LeadFile,
    user: CurrentUser,
    session: Db,
    mapping: MappingForm = None,
    value_map: ValueMapForm = None,
) -> PreviewOut:
    """The columns an import would read, the field each feeds, the first rows and the grade
    values the company's value map decides: nothing is saved but the ``value_map`` given."""
    columns, values = _mapping(mapping), _value_map(value_map)
    with _saved(file) as path:
        preview = importer.preview_import(session, user, pool_id, path, columns, values)
    return PreviewOut(
        columns=[PreviewColumn(header=h, field=f) for h, f in preview.columns],
        rows=[PreviewRow(row=n, cells=cells) for n, cells in preview.rows],
        remembered=preview.remembered,
        values=preview.values,
        problem=preview.problem,
    )


@router.get("/imports/template", response_class=StreamingResponse)
def import_template(user: CurrentUser, session: ReadDb, lang: ReaderLang) -> StreamingResponse:
    """An XLSX file to fill in and import: the headers an import recognises, an example row and a
    sheet explaining each column."""
    return download(lambda out: write_template(out, lang), template_file_name(lang), XLSX)


@router.get("/imports/{batch_id}")
def get_import(batch_id: IdPath, user: CurrentUser, session: ReadDb) -> ImportOut:
    return _import_out(get_batch(session, user, batch_id))


@router.get("/imports/{batch_id}/report", response_class=StreamingResponse)
def import_report(batch_id: IdPath, user: CurrentUser, session: Db, lang: ReaderLang) -> StreamingResponse:
    """Every row not simply imported, as CSV in the reader's language: row, column, result
    (refused, duplicate, imported with warnings, possible duplicate), reason."""
    batch = get_batch(session, user, batch_id)
    gettext = translations(lang).gettext
    return download(
        lambda out: write_report(session, user, batch, out, gettext), f"import-{batch.id}-report.csv", CSV
    )


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
    pool_id: IdPath, user: CurrentUser, session: Db, lang: ReaderLang, fmt: FormatQuery = ExportFormat.CSV
) -> StreamingResponse:
    """The pool's unowned customers, custom fields included, headers and values in the caller's
    language; contact details the caller may not see are left empty."""
    return download(
        lambda out: export_pool(session, user, pool_id, out, fmt, lang),
        f"pool-{pool_id}.{fmt}",
        MEDIA_TYPES[fmt],
    )


@router.get("/users/{user_id}/export", response_class=StreamingResponse)
def export_user_customers(
    user_id: IdPath, user: CurrentUser, session: Db, lang: ReaderLang, fmt: FormatQuery = ExportFormat.CSV
) -> StreamingResponse:
    """The customers a user owns: for that user, their managers and admins."""
    return download(
        lambda out: export_owned(session, user, user_id, out, fmt, lang),
        f"user-{user_id}.{fmt}",
        MEDIA_TYPES[fmt],
    )
