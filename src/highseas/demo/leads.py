"""The demo's customers: leads with distinct contacts, each coming in through its pool."""

from __future__ import annotations

import random
from dataclasses import dataclass

from highseas.customers.service import CustomerInput
from highseas.demo.company import COMPANY_POOL_SOURCES, POOLS
from highseas.demo.names import BRANDS, CITIES, INDUSTRIES, MOBILE_PREFIXES, TAGS, TITLES, NamePicker

GRADE_WEIGHTS = {"A": 5, "B": 15, "C": 30, "D": 30, "E": 20}


@dataclass(frozen=True)
class Lead:
    data: CustomerInput
    pool_id: int


class LeadMaker:
    """Customers with distinct mobiles and emails, so dedup never refuses one of them."""

    def __init__(self, rng: random.Random, pool_ids: dict[str | None, int]) -> None:
        self.rng = rng
        self.pool_ids = pool_ids
        self.names = NamePicker(rng)
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.company_names: set[str] = set()

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def email(self, person: str, brand: str) -> str:
        address, n = f"{person}@{brand}.com.cn", 1
        while address in self.emails:
            n += 1
            address = f"{person}{n}@{brand}.com.cn"
        self.emails.add(address)
        return address

    def firm(self) -> tuple[str, str, str, str]:
        """A company name, its region, its brand in pinyin (for emails) and its industry."""
        for _ in range(10):  # past that, a repeated name is harmless: dedup reads contacts only
            (city, province, _), (brand, brand_pinyin), (suffix, industry) = (
                self.rng.choice(CITIES),
                self.rng.choice(BRANDS),
                self.rng.choice(INDUSTRIES),
            )
            name = f"{city}{brand}{suffix}有限公司"
            if name not in self.company_names:
                break
        self.company_names.add(name)
        return name, _region(city, province), brand_pinyin, industry

    def lead(self) -> Lead:
        spec = self.rng.choices(POOLS, weights=[p.share for p in POOLS])[0]
        source = spec.source or self.rng.choice(COMPANY_POOL_SOURCES)
        name, region, brand, industry = self.firm()
        contact, contact_pinyin = self.names.person()
        data = CustomerInput(
            name=name,
            phone=self.phone(),
            email=self.email(contact_pinyin, brand) if self.rng.random() < 0.4 else None,
            grade=self.rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0],
            region=region,
            industry=industry,
            source=source,
            tags=self.rng.sample(TAGS, self.rng.choice((0, 0, 1, 1, 2))),
            custom_fields={"联系人": contact, "职务": self.rng.choice(TITLES)},
        )
        return Lead(data, self.pool_ids[spec.source])


def _region(city: str, province: str) -> str:
    return city if city == province else province + city


AREA_OF_REGION = {_region(city, province): area for city, province, area in CITIES}
