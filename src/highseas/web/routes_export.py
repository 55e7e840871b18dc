"""Downloads from the pages: a pool's or a user's customers (CSV or XLSX) and the import template,
in the page's language. Each is one call of the services under :mod:`highseas.intake`, as the
API's routes make them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from highseas.api.deps import IdPath
from highseas.downloads import MEDIA_TYPES, XLSX, download
from highseas.intake import export
from highseas.intake.export import ExportFormat
from highseas.intake.template import template_file_name, write_template
from highseas.web.context import SignedIn

router = APIRouter()
FormatQuery = Annotated[ExportFormat, Query(alias="format")]


@router.get("/export/pools/{pool_id}")
def export_pool(pool_id: IdPath, page: SignedIn, fmt: FormatQuery = ExportFormat.CSV) -> Response:
    return download(
        lambda out: export.export_pool(page.session, page.me, pool_id, out, fmt, page.lang),
        f"pool-{pool_id}.{fmt}",
        MEDIA_TYPES[fmt],
    )


@router.get("/export/users/{user_id}")
def export_owned(user_id: IdPath, page: SignedIn, fmt: FormatQuery = ExportFormat.CSV) -> Response:
    return download(
        lambda out: export.export_owned(page.session, page.me, user_id, out, fmt, page.lang),
        f"user-{user_id}.{fmt}",
        MEDIA_TYPES[fmt],
    )


@router.get("/import/template")
def import_template(page: SignedIn) -> Response:
    return download(lambda out: write_template(out, page.lang), template_file_name(page.lang), XLSX)
