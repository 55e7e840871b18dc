"""The languages HighSeas speaks: 简体中文 and English. The pages translate through gettext
(:mod:`highseas.web.i18n`); exports and the import template carry their own words
(:mod:`highseas.intake.labels`)."""

from __future__ import annotations

from enum import StrEnum

from babel import Locale


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
