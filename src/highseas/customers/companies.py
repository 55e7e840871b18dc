"""Company names as a Chinese sales-ops person compares them: the exact dedup key and the looser
key of possible duplicates.

Two keys, because two mistakes cost differently. Equal :func:`company_key` refuses the second
record outright, so it folds only what never tells two companies apart: full-width and half-width
forms, case, spaces and punctuation, traditional and simplified characters (鴻海精密工業 is
鸿海精密工业) and legal forms, Chinese and English (有限公司, 股份有限公司, Co., Ltd., Company
Limited, Inc., GmbH, Pte. Ltd.). A city is kept: 北京小米科技 and 上海小米科技 may well be two
companies. :func:`match_key` also drops the registering province or city before and after the
brand (北京小米科技, 小米科技（北京）), so that those only become *possible* duplicates, for a person
to merge or dismiss.

A person's name is never a company key: two different people called 李娜 are two customers. And a
customer's name counts as its company only when it reads as an organisation
(:func:`company_of`): 广州联创化工有限公司 typed as the name is the company, 李娜 is not.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import opencc

from highseas.customers.places import OFFICIAL_NAMES

# Legal-form suffixes, cut from the end of a company key however many are stacked ("集团有限公司");
# longest first, so that "股份有限公司" goes whole. The lazy group keeps at least one character.
_CHINESE_SUFFIXES = re.compile(
    "^(.+?)(?:股份有限公司|有限责任公司|有限公司|公司|集团|coltd|limited|ltd|inc|corp)+$"
)
# English legal forms are whole words ("Co., Ltd.", "Company Limited", "Pte. Ltd."), dropped from
# the end of the name before the punctuation goes and the words run together.
_ENGLISH_SUFFIXES = frozenset(
    "co company corp corporation inc incorporated llc llp lp ltd limited gmbh ag plc pte sa bv".split()  # noqa: SIM905
)
_WORD = re.compile(r"\w+")
_NOT_WORD = re.compile(r"[\W_]+")

# What an organisation's name contains and a person's does not.
_ORGANISATION_MARKERS = re.compile(
    "有限公司|公司|集团|厂|研究院|研究所|医院|诊所|学校|大学|学院|中学|小学|幼儿园|事务所|中心|店|银行"
    "|协会|商会|基金会|委员会|合作社|工作室|商行|经营部|门市部|超市|商场|酒店|宾馆|出版社|俱乐部|馆"
)
_ENGLISH_ORGANISATION_WORDS = _ENGLISH_SUFFIXES | frozenset(
    "group bank university college school hospital clinic institute laboratory studio agency".split()  # noqa: SIM905
)

# The hundred most common surnames (公安部户政管理研究中心《二〇二〇年全国姓名报告》, about 85% of
# people) and the compound ones; with one or two more characters, or a form of address (王总, 李经理),
# and nothing of an organisation, a name is a person's.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏"
    "苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵"
    "万覃武钱戴严莫孔向常汤"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文")
_ADDRESS_FORMS = re.compile("^(?:总|经理|先生|女士|小姐|老师|老板|主任|总监|律师|医生|工)$")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")

_MIN_BRAND = 2
"""Characters a place may not leave fewer of: 北京 alone is a name, not a prefix."""


@cache
def _simplified() -> opencc.OpenCC:
    """The traditional-to-simplified converter, built once: loading its dictionaries takes
    milliseconds, converting a name about a microsecond (a million imported rows: about a second,
    so every name is converted, not only those outside GB2312)."""
    return opencc.OpenCC("t2s")


def _folded(raw: str) -> str:
    simplified: str = _simplified().convert(unicodedata.normalize("NFKC", raw))
    return simplified.casefold()


def _without_english_suffixes(text: str) -> str:
    words = _WORD.findall(text)
    while len(words) > 1 and words[-1] in _ENGLISH_SUFFIXES:
        words.pop()
    return "".join(words)


def looks_like_person(raw: str) -> bool:
    """A Chinese personal name or a form of address (李娜, 欧阳娜娜, 王总), with nothing of an
    organisation in it."""
    return _is_person(_folded(raw))


def _is_person(folded: str) -> bool:
    text = _NOT_WORD.sub("", folded)
    if not _HAN.match(text) or _ORGANISATION_MARKERS.search(text):
        return False
    surname = next((s for s in _COMPOUND_SURNAMES if text.startswith(s)), text[:1])
    if surname not in _SURNAMES and surname not in _COMPOUND_SURNAMES:
        return False
    rest = text[len(surname) :]
    return 1 <= len(rest) <= 2 or _ADDRESS_FORMS.match(rest) is not None


def looks_like_organisation(raw: str) -> bool:
    """Whether a name reads as a company or another organisation: 广州联创化工有限公司, 北京协和医院,
    Acme Trading Co., Ltd."""
    text = _folded(raw)
    if _ORGANISATION_MARKERS.search(text):
        return True
    return any(word in _ENGLISH_ORGANISATION_WORDS for word in _WORD.findall(text))


def company_of(company: str | None, name: str | None) -> str | None:
    """The company a customer record names: its company field, else its name when that reads as
    an organisation (a lead file or a form with only a 客户名称)."""
    if company and company.strip():
        return company
    if name and looks_like_organisation(name):
        return name.strip()
    return None


def company_key(raw: str) -> str | None:
    """A company name reduced to what tells companies apart (see the module's docstring), or None
    when nothing is left or it is a person's name.

    "中国平安（集团）股份有限公司" and "中国平安集团" give one key, as do "鴻海精密工業股份有限公司"
    and "鸿海精密工业", or "Acme Trading Co., Ltd." and "ACME TRADING COMPANY LIMITED".
    """
    folded = _folded(raw)
    if _is_person(folded):
        return None
    key = _NOT_WORD.sub("", _without_english_suffixes(folded))
    stripped = _CHINESE_SUFFIXES.match(key)
    if stripped is not None:
        key = stripped.group(1)
    return key or None


def _short_form(official: str) -> str:
    """北京市 → 北京, 内蒙古自治区 → 内蒙古, 延边朝鲜族自治州 → 延边, 大兴安岭地区 → 大兴安岭."""
    autonomous = _AUTONOMOUS.match(official)
    # 内蒙古自治区 and 西藏自治区 are named after no people: their short forms are 内蒙古 and 西藏.
    if autonomous is not None and len(autonomous.group(1)) >= _MIN_BRAND:
        return autonomous.group(1)
    return _DIVISION_SUFFIX.sub("", official)


_PEOPLES = "朝鲜|土家|苗|藏|羌|彝|布依|侗|哈尼|壮|傣|白|景颇|傈僳|回|蒙古|柯尔克孜|哈萨克|维吾尔"
_AUTONOMOUS = re.compile(f"^(.+?)(?:(?:{_PEOPLES})族?)+自治[州区]$")
_DIVISION_SUFFIX = re.compile("(?:特别行政区|自治区|自治州|地区|林区|省|市|盟)$")

PLACES = frozenset(name for official in OFFICIAL_NAMES for name in (official, _short_form(official)))
"""Province and prefecture names, official and short, as they start a company key."""
_PLACE_LENGTHS = sorted({len(place) for place in PLACES}, reverse=True)


def place_prefix_length(key: str) -> int:
    """How many characters of ``key`` are a leading place name (the longest), leaving a brand."""
    return next(
        (n for n in _PLACE_LENGTHS if len(key) - n >= _MIN_BRAND and key[:n] in PLACES),
        0,
    )


def _trailing_place(key: str) -> int:
    return next(
        (n for n in _PLACE_LENGTHS if len(key) - n >= _MIN_BRAND and key[-n:] in PLACES),
        0,
    )


def match_key(key: str) -> str:
    """A :func:`company_key` without the province and city around the brand, for possible
    duplicates only: 广东省深圳市腾讯 and 腾讯（深圳）both give 腾讯."""
    for _ in range(2):  # a province, then a city of it
        key = key[place_prefix_length(key) :]
    cut = _trailing_place(key)
    return key[: len(key) - cut] if cut else key
