"""Lead files held between the mapping preview and the import.

A browser cannot send a chosen file twice without the person choosing it again, so the first
upload is kept on disk under a random name until the import runs (or a day has passed). The name
starts with the uploader's id: a name copied into another session's form finds nothing. Files live
in the system's temporary directory, shared by every server process on the machine.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import IO

from highseas import errors

KEPT_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "highseas-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _forget_stale(folder: Path) -> None:
    cutoff = time.time() - KEPT_SECONDS
    for held in folder.iterdir():
        if held.stat().st_mtime < cutoff:
            held.unlink(missing_ok=True)


def hold(user_id: int, upload: IO[bytes]) -> str:
    """Keep the upload; returns the token that finds it again for this user."""
    folder = _folder()
    _forget_stale(folder)
    token = secrets.token_urlsafe(32)
    with (folder / f"{user_id}-{token}").open("wb") as out:
        shutil.copyfileobj(upload, out)
    return token


def held(user_id: int, token: str) -> Path:
    """The file this user uploaded under ``token``."""
    path = _folder() / f"{user_id}-{token}"
    if not _TOKEN.match(token) or not path.is_file():
        raise errors.InvalidInput("file", "the uploaded file has expired; choose it again")
    return path


def release(user_id: int, token: str) -> None:
    """Forget the upload; one already gone (a form sent twice) is no error."""
    if _TOKEN.match(token):
        (_folder() / f"{user_id}-{token}").unlink(missing_ok=True)
