"""HTTP shapes of pools and recycle rules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from highseas.validation import Count, Id

Grade = Literal["A", "B", "C", "D", "E"]
FieldKey = Annotated[str, Field(min_length=1, max_length=100)]


class PoolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    member_user_ids: list[Id] = []
    member_department_ids: list[Id] = []
    admin_user_ids: list[Id] = []
    hide_contact: bool = False
    reclaim_protection_days: int = Field(default=0, ge=0, le=3650)
    daily_claim_limit: Count | None = None
    source: str | None = Field(default=None, max_length=100)
    public_custom_fields: list[FieldKey] = Field(default=[], max_length=100)


class PoolPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    member_user_ids: list[Id] | None = None
    member_department_ids: list[Id] | None = None
    admin_user_ids: list[Id] | None = None
    hide_contact: bool | None = None
    reclaim_protection_days: int | None = Field(default=None, ge=0, le=3650)
    daily_claim_limit: Count | None = None
    source: str | None = Field(default=None, max_length=100)
    public_custom_fields: list[FieldKey] | None = Field(default=None, max_length=100)


class PoolOut(PoolIn):
    id: int


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["no_followup", "no_deal", "no_repurchase"]
    days: int = Field(gt=0, le=3650)
    grades: list[Grade] | None = Field(default=None, min_length=1)
    only_not_won: bool = False
    remind_days_before: int | None = Field(default=None, gt=0, le=3650)


class RuleOut(RuleIn):
    id: int
    pool_id: int
