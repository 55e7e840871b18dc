"""Company names compared as a Chinese sales-ops person compares them (issue 13)."""

from __future__ import annotations

import time

import pytest

from highseas.customers.companies import (
    PLACES,
    company_key,
    company_of,
    looks_like_organisation,
    looks_like_person,
    match_key,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("杭州云帆科技有限公司", "杭州云帆科技"),
        ("中国平安（集团）股份有限公司", "中国平安集团"),
        ("中国平安(集团)股份有限公司", "中国平安有限责任公司"),
        ("ＡＢＣ 科技有限公司", "abc科技"),
        ("Acme Co., Ltd.", "ACME"),
        # Traditional and simplified characters are one name.
        ("鴻海精密工業股份有限公司", "鸿海精密工业"),
        ("台灣積體電路製造股份有限公司", "台湾积体电路制造"),
        # English legal forms, however spelled.
        ("Acme Trading Co., Ltd.", "ACME TRADING COMPANY LIMITED"),
        ("Acme Trading Corporation", "Acme Trading Inc."),
        ("Lion Global Pte. Ltd.", "LION GLOBAL"),
        ("Müller Maschinenbau GmbH", "müller maschinenbau"),
        ("Blue Ridge LLC", "Blue Ridge"),
    ],
)
def test_company_names_that_differ_only_in_form_share_a_key(left: str, right: str) -> None:
    assert company_key(left) == company_key(right)


def test_different_companies_keep_different_keys() -> None:
    assert company_key("杭州云帆科技有限公司") != company_key("杭州云帆信息有限公司")
    assert company_key("（）") is None


def test_a_city_stays_in_the_key_two_cities_may_be_two_companies() -> None:
    assert company_key("北京小米科技有限责任公司") != company_key("上海小米科技有限公司")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("北京小米科技有限责任公司", "小米科技有限责任公司"),
        ("北京市小米科技有限公司", "小米科技"),
        ("小米科技（北京）有限公司", "小米科技"),
        ("广东省深圳市腾讯计算机系统有限公司", "腾讯计算机系统有限公司"),
        ("内蒙古伊利实业集团股份有限公司", "伊利实业"),
        ("延边朝鲜族自治州长白山旅游有限公司", "长白山旅游"),
    ],
)
def test_the_province_or_city_around_the_brand_is_dropped_for_possible_duplicates(
    left: str, right: str
) -> None:
    left_key, right_key = company_key(left), company_key(right)
    assert left_key is not None and right_key is not None
    assert left_key != right_key
    assert match_key(left_key) == match_key(right_key)


def test_a_place_alone_stays_a_name() -> None:
    assert match_key("北京") == "北京" and match_key("深圳市") == "深圳市"


def test_every_province_and_prefecture_has_its_short_form() -> None:
    assert {
        "北京",
        "内蒙古",
        "西藏",
        "新疆",
        "广西",
        "延边",
        "大兴安岭",
        "西双版纳",
        "深圳",
        "香港",
    } <= PLACES
    assert all(len(place) >= 2 for place in PLACES)


@pytest.mark.parametrize("person", ["李娜", "张伟", "欧阳娜娜", "王总", "李经理", "陈先生"])
def test_a_persons_name_is_never_a_company_key(person: str) -> None:
    assert looks_like_person(person)
    assert company_key(person) is None
    assert company_of(None, person) is None


@pytest.mark.parametrize(
    "organisation",
    [
        "广州联创化工有限公司",
        "中国平安集团",
        "宁波海曙服装厂",
        "中国科学院上海有机化学研究所",
        "北京协和医院",
        "杭州市西湖区文三路小学",
        "浙江大学",
        "上海申翔律师事务所",
        "王府井百货店",
        "招商银行",
        "Acme Trading Co., Ltd.",
        "Siemens AG",
        "Deutsche Bank",
    ],
)
def test_a_customer_name_that_reads_as_an_organisation_is_its_company(organisation: str) -> None:
    assert looks_like_organisation(organisation)
    assert not looks_like_person(organisation)
    assert company_of(None, organisation) == organisation
    assert company_of("另一家公司", organisation) == "另一家公司"


@pytest.mark.parametrize("plain", ["李娜", "王总", "John Smith", "华为"])
def test_names_without_an_organisation_mark_are_not_taken_for_a_company(plain: str) -> None:
    assert not looks_like_organisation(plain)


def test_folding_traditional_characters_costs_microseconds_per_name() -> None:
    """An import computes the key of up to a million rows: every name is converted."""
    names = [f"鴻海精密工業股份有限公司{n}" for n in range(2000)]
    started = time.perf_counter()
    keys = [company_key(name) for name in names]
    per_name = (time.perf_counter() - started) / len(names)
    assert keys[0] == "鸿海精密工业股份有限公司0"
    assert per_name < 100e-6
