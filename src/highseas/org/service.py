"""Departments, users and company settings."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased

from highseas import clock, errors
from highseas.auth.passwords import hash_password
from highseas.org.models import CompanySettings, Department, Role, User
from highseas.pools.models import Pool
from highseas.validation import reject_nulls


def company_settings(session: Session) -> CompanySettings:
    settings = session.get(CompanySettings, 1)
    if settings is None:
        raise errors.NotFound("company settings are missing; run `highseas init`")
    return settings


def create_department(session: Session, name: str, parent_id: int | None = None) -> Department:
    if not name.strip():
        raise errors.InvalidInput("name", "must not be empty")
    if parent_id is not None and session.get(Department, parent_id) is None:
        raise errors.InvalidInput("parent_id", f"no department {parent_id}")
    department = Department(name=name.strip(), parent_id=parent_id)
    session.add(department)
    session.flush()
    return department


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


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    department_id: int | None = None,
    name: str = "",
    capacity: int | None = None,
    lock_cap: int | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise errors.InvalidInput("username", "must not be empty")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise errors.InvalidInput("username", f"{username!r} is taken")
    if department_id is not None and session.get(Department, department_id) is None:
        raise errors.InvalidInput("department_id", f"no department {department_id}")
    for field, value in (("capacity", capacity), ("lock_cap", lock_cap)):
        if value is not None and value < 0:
            raise errors.InvalidInput(field, "must not be negative")
    user = User(
        username=username,
        name=name or username,
        password_hash=hash_password(password, (username, name)),
        role=role,
        department_id=department_id,
        capacity=capacity,
        lock_cap=lock_cap,
        active=True,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise errors.NotFound(f"no user {user_id}")
    return user


def update_settings(session: Session, changes: dict[str, object]) -> CompanySettings:
    """Apply an admin's edit of the company settings; only the default pool may be cleared."""
    reject_nulls(changes, set(changes) - {"default_pool_id"})
    pool_id = changes.get("default_pool_id")
    if pool_id is not None and session.get(Pool, pool_id) is None:
        raise errors.InvalidInput("default_pool_id", f"no pool {pool_id}")
    settings = company_settings(session)
    for name, value in changes.items():
        setattr(settings, name, value)
    session.flush()
    return settings


def manages(session: Session, actor: User, user: User) -> bool:
    """Admins manage everyone; a manager manages the users of their department subtree."""
    if actor.role is Role.ADMIN:
        return True
    if actor.role is not Role.MANAGER or user.department_id is None:
        return False
    return user.department_id in department_subtree(session, actor.department_id)


def update_user(session: Session, user: User, changes: dict[str, object]) -> User:
    """Apply an admin's (or the user's own) edit; the password goes through auth.service."""
    department_id = changes.get("department_id")
    if department_id is not None and session.get(Department, department_id) is None:
        raise errors.InvalidInput("department_id", f"no department {department_id}")
    reject_nulls(changes, ("name", "role"))
    for name in ("name", "role", "department_id", "capacity", "lock_cap"):
        if name in changes:
            setattr(user, name, changes[name])
    session.flush()
    return user
