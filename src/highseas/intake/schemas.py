"""HTTP shapes of imports, distributions and possible duplicates."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from highseas.intake.distribution import MAX_DISTRIBUTION
from highseas.pools.schemas import Grade
from highseas.validation import Id


class ImportOut(BaseModel):
    id: int
    pool_id: int
    actor_id: int
    file_name: str
    rows: int
    imported: int
    duplicates: int
    invalid: int
    warnings: int = Field(description="rows imported without a value that could not be read")
    possible_duplicates: int
    created_at: datetime
    already_imported: bool
    report_url: str


class PreviewColumn(BaseModel):
    header: str
    field: str = Field(
        description='the customer field the column feeds; "custom": kept as a custom field; "ignore"'
    )


class PreviewRow(BaseModel):
    row: int
    cells: list[str]


class PreviewOut(BaseModel):
    columns: list[PreviewColumn]
    rows: list[PreviewRow]
    remembered: bool = Field(description="the mapping confirmed for a file with this header row applied")
    values: dict[str, dict[str, str | None]] = Field(
        description="by field, values found that the company's value map decides: "
        '{"grade": {"重要客户": null}}'
    )
    problem: str | None = Field(
        description="why importing the file read this way would be refused: no column for a name or company"
    )


class DistributeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_ids: list[Id] = Field(min_length=1, max_length=500)
    count: int = Field(ge=1, le=MAX_DISTRIBUTION)
    strategy: Literal["round_robin", "least_loaded"] = "round_robin"
    grade: Grade | None = None
    region: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=100)
    override_reason: str | None = Field(
        default=None,
        max_length=500,
        description="Admins only: why customers may go to previous owners inside reclaim protection",
    )


class SkippedOut(BaseModel):
    user_id: int
    reason: Literal["inactive", "capacity_full", "reclaim_protected"]
    customer_ids: list[int] = Field(description="reclaim_protected: the customers withheld from this user")


class DistributeOut(BaseModel):
    requested: int
    matching: int
    distributed: int
    by_user: dict[str, list[int]]
    skipped: list[SkippedOut]


class PossibleDuplicateOut(BaseModel):
    customer_id: int
    where: str
    score: int
