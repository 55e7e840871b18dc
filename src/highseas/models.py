"""Every table, imported in one place so metadata and migrations see them all."""

from highseas.auth.models import AuditEvent, AuthToken, LoginFailure
from highseas.customers.models import Customer, Deal, DismissedDuplicate, FollowUp
from highseas.db import Base
from highseas.intake.models import ImportBatch, ImportIssue, ImportValueMap, RememberedMapping
from highseas.org.models import CompanySettings, Department, User
from highseas.ownership.models import JobLock, OwnershipEvent, Reminder
from highseas.pools.models import Pool, PoolAdmin, PoolMemberDepartment, PoolMemberUser, RecycleRule

__all__ = [
    "AuditEvent",
    "AuthToken",
    "Base",
    "CompanySettings",
    "Customer",
    "Deal",
    "Department",
    "DismissedDuplicate",
    "FollowUp",
    "ImportBatch",
    "ImportIssue",
    "ImportValueMap",
    "JobLock",
    "LoginFailure",
    "OwnershipEvent",
    "Pool",
    "PoolAdmin",
    "PoolMemberDepartment",
    "PoolMemberUser",
    "RecycleRule",
    "RememberedMapping",
    "Reminder",
    "User",
]
