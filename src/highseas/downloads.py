"""Files for a person to download, shared by the API and the web pages: written while the
request's transaction is open, streamed after it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import IO
from urllib.parse import quote

from fastapi.responses import StreamingResponse

from highseas.intake.export import ExportFormat

SPOOL_BYTES = 1 << 20
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {ExportFormat.CSV: CSV, ExportFormat.XLSX: XLSX}


def download(fill: Callable[[IO[bytes]], object], file_name: str, media_type: str) -> StreamingResponse:
    """Write the file while the request's transaction is open, then stream it from disk: the
    response never sits whole in memory, and the transaction has ended before it is sent."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by the stream
    try:
        fill(spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)

    def stream() -> Iterator[bytes]:
        with spool:
            while chunk := spool.read(SPOOL_BYTES):
                yield chunk

    disposition = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return StreamingResponse(stream(), media_type=media_type, headers={"Content-Disposition": disposition})
