"""Languages of the web pages: 简体中文 and English, from gettext catalogs shipped in the package.

Message ids are English; ``locale/zh_Hans`` holds the Chinese catalog, compiled to ``.mo`` and
committed so a fresh clone needs no build step (a test keeps the ``.mo`` in step with the ``.po``).
"""

from __future__ import annotations

import gettext
from enum import StrEnum
from functools import cache
from pathlib import Path

from babel import Locale

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"

    @property
    def locale(self) -> Locale:
        return Locale.parse("zh_Hans_CN" if self is Lang.ZH else "en")

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self is Lang.ZH else "en"

    @property
    def label(self) -> str:
        return "简体中文" if self is Lang.ZH else "English"


CATALOG_DIRS = {Lang.ZH: "zh_Hans"}


@cache
def translations(lang: Lang) -> gettext.NullTranslations:
    if lang not in CATALOG_DIRS:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[CATALOG_DIRS[lang]])


def negotiate(accept_language: str | None, default: Lang = Lang.ZH) -> Lang:
    """The first of our languages in the browser's Accept-Language, by its q-values."""
    choices: list[tuple[float, int, Lang]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in ("zh", "en") and quality > 0:
            choices.append((-quality, position, Lang(primary)))
    return min(choices)[2] if choices else default


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a message for extraction; it is translated where it is shown."""
    return message
