"""HTTP shapes of departments, users and settings."""

from __future__ import annotations

from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from highseas.org.models import Role
from highseas.validation import Count, Id


class DepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    parent_id: Id | None = None


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    parent_id: int | None


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=200)
    name: str | None = Field(default=None, max_length=100)
    role: Role
    department_id: Id | None = None
    capacity: Count | None = None
    lock_cap: Count | None = None


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=100)
    password: str | None = Field(default=None, min_length=8, max_length=200)
    current_password: str | None = Field(
        default=None, max_length=200, description="required when users change their own password"
    )
    role: Role | None = None
    department_id: Id | None = None
    capacity: Count | None = None
    lock_cap: Count | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    name: str
    role: Role
    department_id: int | None
    capacity: int | None
    lock_cap: int | None
    active: bool


class MeOut(UserOut):
    owned: int
    effective_capacity: int


class DeactivateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    transfer_to: Id | None = None


class SettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    default_capacity: int
    default_pool_id: int | None
    timezone: str
    default_lock_cap: int
    won_counts_toward_capacity: bool


class SettingsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_capacity: Count | None = None
    default_pool_id: Id | None = None
    timezone: str | None = None
    default_lock_cap: Count | None = None
    won_counts_toward_capacity: bool | None = None

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in available_timezones():
            raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Shanghai")
        return value
