"""Changing the organisation: departments, users, passwords and company settings.

Every function takes the acting user, decides through :func:`~highseas.auth.permissions.can` and
writes its audit row, in the caller's transaction. The bootstrap paths with no acting user pass
:data:`~highseas.auth.permissions.SYSTEM`.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.audit import audit
from highseas.auth.passwords import hash_password, verify_password
from highseas.auth.permissions import Action, can, ensure, managed_user_ids, visible_user
from highseas.auth.service import change_password
from highseas.org.models import CompanySettings, Department, Role, User
from highseas.org.queries import company_settings
from highseas.pools.models import Pool
from highseas.validation import reject_nulls

# What a user may change of their own account; everything else of a user is the admins'.
OWN_FIELDS = frozenset({"name", "password", "current_password"})
AUDITED_USER_FIELDS = ("name", "role", "department_id", "capacity", "lock_cap")


def create_department(session: Session, actor: User, name: str, parent_id: int | None = None) -> Department:
    ensure(session, actor, Action.ADMINISTER, doing="create departments")
    if not name.strip():
        raise errors.InvalidInput("name", "must not be empty")
    if parent_id is not None and session.get(Department, parent_id) is None:
        raise errors.InvalidInput("parent_id", f"no department {parent_id}")
    department = Department(name=name.strip(), parent_id=parent_id)
    session.add(department)
    session.flush()
    audit(session, "department_created", actor_id=actor.id, department_id=department.id, name=department.name)
    return department


def create_user(
    session: Session,
    actor: User,
    username: str,
    password: str,
    role: Role,
    department_id: int | None = None,
    name: str = "",
    capacity: int | None = None,
    lock_cap: int | None = None,
) -> User:
    ensure(session, actor, Action.ADMINISTER, doing="create users")
    username = username.strip()
    if not username:
        raise errors.InvalidInput("username", "must not be empty")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise errors.InvalidInput("username", f"{username!r} is taken")
    _check_user_fields(session, {"department_id": department_id, "capacity": capacity, "lock_cap": lock_cap})
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
    audit(
        session,
        "user_created",
        actor_id=actor.id,
        user_id=user.id,
        username=user.username,
        role=user.role.value,
        department_id=department_id,
        capacity=capacity,
        lock_cap=lock_cap,
    )
    return user


def _check_user_fields(session: Session, changes: Mapping[str, object]) -> None:
    department_id = changes.get("department_id")
    if department_id is not None and session.get(Department, department_id) is None:
        raise errors.InvalidInput("department_id", f"no department {department_id}")
    for field in ("capacity", "lock_cap"):
        value = changes.get(field)
        if isinstance(value, int) and value < 0:
            raise errors.InvalidInput(field, "must not be negative")


def visible_users(session: Session, actor: User) -> list[User]:
    """The users the actor may see: themselves and whoever they manage (everyone, for an admin)."""
    return list(
        session.scalars(select(User).where(User.id.in_(managed_user_ids(session, actor))).order_by(User.id))
    )


def update_user(session: Session, actor: User, user_id: int, changes: Mapping[str, object]) -> User:
    """Apply an edit of a user: their name and password by themselves or an admin, the rest by an
    admin only. ``changes`` may carry ``password`` (with ``current_password`` when the user changes
    their own); the old and new value of every other field changed goes to the audit trail."""
    target = visible_user(session, actor, user_id)
    ensure(session, actor, Action.EDIT, target, doing="edit another user")
    if set(changes) - OWN_FIELDS and not can(session, actor, Action.ADMINISTER):
        raise errors.Forbidden("only an admin may change roles, departments, capacities and lock caps")
    reject_nulls(changes, ("name", "role", "password"))
    _check_user_fields(session, changes)
    changed = {
        field: [_plain(getattr(target, field)), _plain(changes[field])]
        for field in AUDITED_USER_FIELDS
        if field in changes and getattr(target, field) != changes[field]
    }
    for field in changed:
        setattr(target, field, changes[field])
    session.flush()
    if changed:
        audit(session, "user_updated", actor_id=actor.id, user_id=target.id, changes=changed)
    password = changes.get("password")
    if isinstance(password, str):
        current = changes.get("current_password")
        set_password(session, actor, target, password, current if isinstance(current, str) else None)
    return target


def _plain(value: object) -> object:
    return value.value if isinstance(value, Role) else value


def set_password(
    session: Session, actor: User, user: User, password: str, current_password: str | None
) -> None:
    """A user changing their own password gives the current one; an admin resetting another's
    does not. Either way every session of the user ends (the caller may log them in again)."""
    ensure(session, actor, Action.EDIT, user, doing="change another user's password")
    if user.id == actor.id:
        if current_password is None:
            raise errors.InvalidInput("current_password", "give your current password to set a new one")
        if not verify_password(user.password_hash, current_password):
            raise errors.WrongPassword("current_password", "is not your current password")
    change_password(session, user, password)
    kind = "password_changed" if user.id == actor.id else "password_reset"
    audit(session, kind, actor_id=actor.id, user_id=user.id, username=user.username)


def update_settings(session: Session, actor: User, changes: dict[str, object]) -> CompanySettings:
    """Apply an admin's edit of the company settings; only the default pool may be cleared."""
    ensure(session, actor, Action.ADMINISTER, doing="change company settings")
    reject_nulls(changes, set(changes) - {"default_pool_id"})
    timezone = changes.get("timezone")
    if timezone is not None and timezone not in available_timezones():
        raise errors.InvalidInput("timezone", "is not an IANA time zone such as Asia/Shanghai")
    pool_id = changes.get("default_pool_id")
    if pool_id is not None and session.get(Pool, pool_id) is None:
        raise errors.InvalidInput("default_pool_id", f"no pool {pool_id}")
    settings = company_settings(session)
    changed = {
        name: [getattr(settings, name), value]
        for name, value in changes.items()
        if getattr(settings, name) != value
    }
    for name, (_, value) in changed.items():
        setattr(settings, name, value)
    session.flush()
    if changed:
        audit(session, "settings_updated", actor_id=actor.id, changes=changed)
    return settings
