"""Every table, imported in one place so metadata and migrations see them all."""

from highseas.customers.models import Customer, Deal, FollowUp
from highseas.db import Base
from highseas.org.models import CompanySettings, Department, User
from highseas.ownership.models import JobLock, OwnershipEvent, Reminder
from highseas.pools.models import Pool, PoolAdmin, PoolMemberDepartment, PoolMemberUser, RecycleRule

__all__ = [
    "Base",
    "CompanySettings",
    "Customer",
    "Deal",
    "Department",
    "FollowUp",
    "JobLock",
    "OwnershipEvent",
    "Pool",
    "PoolAdmin",
    "PoolMemberDepartment",
    "PoolMemberUser",
    "RecycleRule",
    "Reminder",
    "User",
]
