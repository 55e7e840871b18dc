"""Reading the organisation: company settings, the department tree, users, and who manages whom."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased

from highseas import errors
from highseas.org.models import CompanySettings, Department, Role, User


def company_settings(session: Session) -> CompanySettings:
    settings = session.get(CompanySettings, 1)
    if settings is None:
        raise errors.NotFound("company settings are missing; run `highseas init`")
    return settings


def _parents(session: Session) -> dict[int, int | None]:
    return {row.id: row.parent_id for row in session.execute(select(Department.id, Department.parent_id))}


def department_subtree(session: Session, department_id: int | None) -> set[int]:
    """The department and every department below it (the org tree is small: read it whole)."""
    if department_id is None:
        return set()
    children: dict[int | None, list[int]] = {}
    for dept_id, parent_id in _parents(session).items():
        children.setdefault(parent_id, []).append(dept_id)
    found, stack = set(), [department_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def department_ancestry(department_id: ColumnElement[int]) -> Select[tuple[int]]:
    """The department and every department above it, as one recursive query."""
    start = select(Department.id, Department.parent_id).where(Department.id == department_id)
    up = start.cte("ancestry", recursive=True)
    parent = aliased(Department)
    up = up.union_all(select(parent.id, parent.parent_id).join(up, parent.id == up.c.parent_id))
    return select(up.c.id)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise errors.NotFound(f"no user {user_id}")
    return user


def manages(session: Session, actor: User, user: User) -> bool:
    """Admins manage everyone. A manager manages themselves, the sales users of their department
    subtree and the managers of departments strictly below their own: never an admin, never a peer
    manager. Sales users manage only themselves. :func:`~highseas.pools.queries.managed_users_query`
    is the SQL twin."""
    if actor.role is Role.ADMIN or user.id == actor.id:
        return True
    if actor.role is not Role.MANAGER or user.department_id is None:
        return False
    if user.role is Role.SALES:
        return user.department_id in department_subtree(session, actor.department_id)
    if user.role is Role.MANAGER:
        return user.department_id in department_subtree(session, actor.department_id) - {actor.department_id}
    return False


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.id)))


def department_tree(session: Session) -> list[tuple[Department, int]]:
    """Every department with its depth, parents before children, siblings by name."""
    departments = list(session.scalars(select(Department).order_by(Department.name)))
    children: dict[int | None, list[Department]] = {}
    for d in departments:
        children.setdefault(d.parent_id, []).append(d)
    ordered: list[tuple[Department, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for d in children.get(parent, []):
            ordered.append((d, depth))
            walk(d.id, depth + 1)

    walk(None, 0)
    return ordered


def active_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))
