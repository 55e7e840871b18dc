"""Which column of a lead file holds which customer field: defaults for the headers people write,
in Chinese and English, and explicit ``header=field`` overrides."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from highseas import errors
from highseas.intake.labels import export_header_aliases

FIELDS = (
    "name",
    "company",
    "phone",
    "email",
    "wechat",
    "credit_code",
    "grade",
    "region",
    "industry",
    "source",
    "tags",
)
IGNORE = "ignore"

_ALIASES = {
    "name": ("name", "姓名", "名字", "联系人", "联系人姓名", "客户姓名", "contact", "fullname"),
    "company": (
        "company",
        "公司",
        "公司名称",
        "公司名",
        "企业",
        "企业名称",
        "单位",
        "单位名称",
        "客户名称",
        "companyname",
        "organization",
        "organisation",
    ),
    "phone": (
        "phone",
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "电话号码",
        "联系电话",
        "联系方式",
        "座机",
        "mobile",
        "tel",
        "telephone",
        "phonenumber",
        "cellphone",
    ),
    "email": ("email", "邮箱", "电子邮箱", "电子邮件", "邮件", "mail", "emailaddress"),
    "wechat": ("wechat", "微信", "微信号", "weixin"),
    "credit_code": (
        "creditcode",
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "uscc",
        "unifiedsocialcreditcode",
    ),
    "grade": ("grade", "等级", "客户等级", "级别", "客户级别", "level"),
    "region": ("region", "地区", "区域", "省份", "城市", "所在地", "地域", "area", "city", "province"),
    "industry": ("industry", "行业", "所属行业", "行业类别"),
    "source": ("source", "来源", "渠道", "线索来源", "客户来源", "引流渠道", "channel", "leadsource"),
    "tags": ("tags", "tag", "标签"),
}
_FIELD_OF_ALIAS = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}
_NOT_WORD = re.compile(r"[\W_]+")


def header_key(text: str) -> str:
    """A header as compared: "手机号码*", "E-mail" and "Phone Number" lose their decoration."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["联系电话=phone", "备注=ignore"]`` as a dict, each field checked."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep or not header.strip():
            raise errors.InvalidInput("mapping", f"{pair!r} is not HEADER=FIELD")
        mapping[header.strip()] = field.strip()
    return mapping


@dataclass(frozen=True)
class ColumnMap:
    """Column positions per field (several columns may feed one field: the first non-empty value
    wins) and the other named columns, kept as custom fields."""

    header: list[str]
    fields: dict[str, tuple[int, ...]]
    extra: tuple[tuple[int, str], ...]

    def column_of(self, field: str) -> str:
        """The header a person sees for ``field``, to name in the error report."""
        positions = self.fields.get(field)
        return self.header[positions[0]] if positions else field


@dataclass(frozen=True)
class HeaderRules:
    """How headers map to fields: explicit overrides (by :func:`header_key`), then the defaults."""

    explicit: dict[str, str]

    def field_of(self, cell: str) -> str | None:
        key = header_key(cell)
        return self.explicit.get(key) or _FIELD_OF_ALIAS.get(key)

    def is_header(self, cells: list[str]) -> bool:
        """Two recognised columns tell the header from a title row above it."""
        return sum(1 for cell in cells if self.field_of(cell) not in (None, IGNORE)) >= 2

    def columns(self, header: list[str]) -> ColumnMap:
        fields: dict[str, list[int]] = {}
        extra: list[tuple[int, str]] = []
        for position, cell in enumerate(header):
            field = self.field_of(cell)
            if field == IGNORE:
                continue
            if field is None:
                if cell.strip():
                    extra.append((position, cell.strip()))
                continue
            fields.setdefault(field, []).append(position)
        if header and "name" not in fields and "company" not in fields:
            raise errors.InvalidInput(
                "mapping",
                f"no column holds a name or a company (columns: {', '.join(h for h in header if h)}); "
                "map one, e.g. --mapping 客户=name",
            )
        return ColumnMap(header, {f: tuple(p) for f, p in fields.items()}, tuple(extra))


def header_rules(mapping: dict[str, str] | None = None) -> HeaderRules:
    allowed = (*FIELDS, IGNORE)
    for header, field in (mapping or {}).items():
        if field not in allowed:
            raise errors.InvalidInput(
                "mapping", f"{header!r}={field!r}: the field must be one of {', '.join(allowed)}"
            )
    return HeaderRules({header_key(header): field for header, field in (mapping or {}).items()})


# The headers of our own exports, in both languages, read back as what they export (labels.py).
_FIELD_OF_ALIAS.update(
    {header_key(label): field for field, labels in export_header_aliases().items() for label in labels}
)
