"""HTTP shapes of customers, follow-ups, deals, events and the timeline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from highseas.pools.schemas import Grade
from highseas.validation import Amount, BusinessTime, CustomFields, Id, Tags

StageName = Literal["lead", "opportunity", "customer"]
MAX_PHONES = 10
Phones = Annotated[
    list[Annotated[str, Field(max_length=40)]],
    Field(max_length=MAX_PHONES, description="the customer's numbers after the first"),
]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    wechat: str | None = Field(default=None, max_length=64)
    credit_code: str | None = Field(default=None, max_length=18)
    grade: Grade | None = None
    stage: StageName = "lead"
    region: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=100)
    tags: Tags = []
    custom_fields: CustomFields = {}
    phones: Phones = []
    pool_id: Id | None = None
    in_pool: bool = False


class CustomerPatch(BaseModel):
    """Only descriptive fields; ownership, pool, won and timestamps are refused by name."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    wechat: str | None = Field(default=None, max_length=64)
    credit_code: str | None = Field(default=None, max_length=18)
    grade: Grade | None = None
    stage: StageName | None = None
    region: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=100)
    tags: Tags | None = None
    custom_fields: CustomFields | None = None
    phones: Phones | None = None


class CustomerOut(BaseModel):
    id: int
    name: str
    company: str | None
    phone: str | None
    email: str | None
    wechat: str | None
    credit_code: str | None
    grade: str | None
    stage: StageName
    region: str | None
    industry: str | None
    source: str | None
    tags: list[str]
    custom_fields: dict[str, Any]
    phones: list[str] = Field(
        default=[],
        description="the numbers after the first, when one customer is shown (lists show the first)",
    )
    pool_id: int
    owner_id: int | None
    previous_owner_id: int | None
    won: bool
    locked: bool
    claimed_at: datetime | None
    released_at: datetime | None
    last_followup_at: datetime | None
    last_deal_at: datetime | None
    due_at: datetime | None
    due_rule_id: int | None
    created_at: datetime
    updated_at: datetime
    contact_hidden: bool


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    next_cursor: str | None


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)
    pool_id: Id | None = None


class UserRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: Id


class AssignIn(UserRef):
    override_reason: str | None = Field(
        default=None,
        max_length=500,
        description="Admins only: why the customer may go to a previous owner inside reclaim protection",
    )


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["call", "visit", "message", "meeting", "email"]
    content: str = Field(default="", max_length=10_000)
    at: BusinessTime | None = None


class FollowUpOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    customer_id: int
    user_id: int
    kind: str
    content: str
    at: datetime
    seq: int


class DealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    signed_at: BusinessTime | None = None


class DealOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    customer_id: int
    user_id: int
    amount: Decimal
    signed_at: datetime
    repurchase: bool
    seq: int


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    from_user_id: int | None
    to_user_id: int | None
    pool_id: int
    actor_id: int | None
    rule_id: int | None
    reason: str | None
    at: datetime
    seq: int


class TimelineItem(BaseModel):
    type: Literal["event", "followup", "deal"]
    at: datetime
    seq: int  # the customer's record number: the order things were recorded in
    event: EventOut | None = None
    followup: FollowUpOut | None = None
    deal: DealOut | None = None


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    merged_id: Id = Field(description="The customer merged into this one (and soft-deleted)")


class DismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_ids: list[Id] = Field(
        min_length=2, max_length=2, description="The two customers that are not one company"
    )
