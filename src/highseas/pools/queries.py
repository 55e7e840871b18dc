"""Reading pools: who belongs to and administers which pool, which pools a user sees, and the
pools' recycle rules. The visibility queries are built once per role and run with
:func:`viewer_parameters`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    union,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from highseas import errors
from highseas.org.models import Role, User
from highseas.org.queries import department_ancestry, department_subtree
from highseas.pools.models import Pool, PoolAdmin, PoolMemberDepartment, PoolMemberUser, RecycleRule


def get_pool(session: Session, pool_id: int) -> Pool:
    pool = session.get(Pool, pool_id)
    if pool is None:
        raise errors.NotFound(f"no pool {pool_id}")
    return pool


def _membership_selects() -> tuple[Select[int], Select[int]]:
    by_user = select(PoolMemberUser.pool_id).where(PoolMemberUser.user_id == bindparam("user_id"))
    departments = department_ancestry(bindparam("department_id"))
    by_department = select(PoolMemberDepartment.pool_id).where(
        PoolMemberDepartment.department_id.in_(departments)
    )
    return by_user, by_department


@cache
def member_pools_query() -> CompoundSelect[int]:
    """The ids of the pools a user belongs to, run with :func:`membership_parameters`.

    Built once: constructing this recursive statement costs more than running it, and every
    claim asks it."""
    return union(*_membership_selects())


def _administered_pools_select() -> Select[int]:
    return select(PoolAdmin.pool_id).where(PoolAdmin.user_id == bindparam("user_id"))


@cache
def _member_or_admin_pools_query() -> CompoundSelect[int]:
    return union(*_membership_selects(), _administered_pools_select())


def member_pool_ids(session: Session, user: User) -> set[int]:
    """Pools the user belongs to: by name, or through their department or any department above it."""
    return set(session.scalars(member_pools_query(), membership_parameters(user)))


def membership_parameters(user: User) -> dict[str, int | None]:
    return {"user_id": user.id, "department_id": user.department_id}


def viewer_parameters(session: Session, user: User) -> dict[str, object]:
    """The parameters of :func:`visible_pools_query`, :func:`contacts_hidden_clause` and
    :func:`managed_users_query` for ``user``: who they are and, for a manager, their department
    subtree (read here, in the one query the org tree takes)."""
    parameters: dict[str, object] = {**membership_parameters(user)}
    if user.role is Role.MANAGER:
        parameters["subtree"] = sorted(department_subtree(session, user.department_id))
    return parameters


def is_pool_member(session: Session, user: User, pool_id: int) -> bool:
    return pool_id in member_pool_ids(session, user)


def is_pool_admin(session: Session, user: User, pool_id: int) -> bool:
    return (
        session.get(PoolAdmin, {"pool_id": pool_id, "user_id": user.id}) is not None
        or user.role is Role.ADMIN
    )


@cache
def managed_users_query(role: Role) -> Select[int]:
    """The users a user of ``role`` manages, run with :func:`viewer_parameters`: the SQL twin of
    :func:`~highseas.org.queries.manages` (everyone, for an admin)."""
    if role is Role.ADMIN:
        return select(User.id)
    if role is not Role.MANAGER:
        return select(User.id).where(User.id == bindparam("user_id"))
    subtree = User.department_id.in_(bindparam("subtree", expanding=True))
    below = and_(subtree, User.department_id != bindparam("department_id"))
    return select(User.id).where(
        or_(
            User.id == bindparam("user_id"),
            and_(User.role == Role.SALES, subtree),
            and_(User.role == Role.MANAGER, below),
        )
    )


@cache
def visible_pools_query(role: Role) -> Select[int] | CompoundSelect[int]:
    """The ids of the pools a user of ``role`` sees, run with :func:`viewer_parameters`: admins see
    every pool; others the pools they belong to or administer, and managers also the pools shared
    with any department or user of their subtree.

    Built once per role, so that a customer list can carry it as a subquery at no building cost."""
    if role is Role.ADMIN:
        return select(Pool.id)
    if role is not Role.MANAGER:
        return _member_or_admin_pools_query()
    subtree: BindParameter[int] = bindparam("subtree", expanding=True)
    shared_with_departments = select(PoolMemberDepartment.pool_id).where(
        PoolMemberDepartment.department_id.in_(subtree)
    )
    shared_with_users = select(PoolMemberUser.pool_id).where(
        PoolMemberUser.user_id.in_(managed_users_query(role))
    )
    return union(
        *_membership_selects(), _administered_pools_select(), shared_with_departments, shared_with_users
    )


def visible_pool_ids(session: Session, user: User) -> set[int]:
    return set(session.scalars(visible_pools_query(user.role), viewer_parameters(session, user)))


def rule_counts(session: Session) -> dict[int, int]:
    """How many recycle rules each pool has (pools with none are left out)."""
    counts = session.execute(select(RecycleRule.pool_id, func.count()).group_by(RecycleRule.pool_id))
    return {pool_id: n for pool_id, n in counts}


def members_clause(session: Session, pool_ids: Collection[int]) -> ColumnElement[bool]:
    """The users who belong to any of the pools: by name, or through their department or one
    above it."""
    departments: set[int] = set()
    for department_id in session.scalars(
        select(PoolMemberDepartment.department_id).where(PoolMemberDepartment.pool_id.in_(pool_ids))
    ):
        departments |= department_subtree(session, department_id)
    by_name = select(PoolMemberUser.user_id).where(PoolMemberUser.pool_id.in_(pool_ids))
    return or_(User.id.in_(by_name), User.department_id.in_(departments))


def visible_pools(session: Session, user: User) -> list[Pool]:
    return list(
        session.scalars(select(Pool).where(Pool.id.in_(visible_pool_ids(session, user))).order_by(Pool.id))
    )


def contacts_hidden_clause() -> ColumnElement[bool]:
    """Pools whose unowned customers' contact details the user of the ``user_id`` parameter may
    not see: those that hide them, unless the user administers the pool."""
    return and_(Pool.hide_contact.is_(True), Pool.id.not_in(_administered_pools_select()))


def get_rule(session: Session, rule_id: int) -> RecycleRule:
    rule = session.get(RecycleRule, rule_id)
    if rule is None:
        raise errors.NotFound(f"no recycle rule {rule_id}")
    return rule


def pool_rules(session: Session, pool_id: int) -> list[RecycleRule]:
    get_pool(session, pool_id)
    return list(
        session.scalars(select(RecycleRule).where(RecycleRule.pool_id == pool_id).order_by(RecycleRule.id))
    )


@dataclass(frozen=True)
class Membership:
    """Who a pool's members and admins are, by id."""

    user_ids: list[int]
    department_ids: list[int]
    admin_ids: list[int]


def pool_membership(session: Session, pool_id: int) -> Membership:
    def ids(column: InstrumentedAttribute[int], pool_column: InstrumentedAttribute[int]) -> list[int]:
        return sorted(session.scalars(select(column).where(pool_column == pool_id)))

    return Membership(
        user_ids=ids(PoolMemberUser.user_id, PoolMemberUser.pool_id),
        department_ids=ids(PoolMemberDepartment.department_id, PoolMemberDepartment.pool_id),
        admin_ids=ids(PoolAdmin.user_id, PoolAdmin.pool_id),
    )
