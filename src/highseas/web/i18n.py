"""Languages of the web pages: 简体中文 and English, from gettext catalogs shipped in the package.

Message ids are English; ``locale/zh_Hans`` holds the Chinese catalog, compiled to ``.mo`` and
committed so a fresh clone needs no build step (a test keeps the ``.mo`` in step with the ``.po``).
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from highseas.languages import Lang, negotiate

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
__all__ = ["CATALOG_DIRS", "LOCALE_DIR", "N_", "Lang", "negotiate", "translations"]

CATALOG_DIRS = {Lang.ZH: "zh_Hans"}


@cache
def translations(lang: Lang) -> gettext.NullTranslations:
    if lang not in CATALOG_DIRS:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[CATALOG_DIRS[lang]])


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a message for extraction; it is translated where it is shown."""
    return message
