"""Marking messages for translation outside the web package (the import report's reasons): they
are stored or raised as English message ids and translated where they are shown, in the reader's
language (:mod:`highseas.web.i18n` holds the catalogs)."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a message for extraction; it is translated where it is shown."""
    return message
