"""Departments, users, /me and company settings."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from highseas import errors
from highseas.api.deps import CurrentUser, Db, IdPath, OneThread, ReadDb
from highseas.auth.permissions import Action, can, ensure
from highseas.auth.service import change_password
from highseas.customers.queries import count_owned
from highseas.org import service
from highseas.org.models import Department, User
from highseas.org.schemas import (
    DeactivateIn,
    DepartmentIn,
    DepartmentOut,
    MeOut,
    SettingsOut,
    SettingsPatch,
    UserIn,
    UserOut,
    UserPatch,
)
from highseas.ownership.deactivation import deactivate_user
from highseas.ownership.gate import capacity_of

router = APIRouter(tags=["organisation"], route_class=OneThread)


@router.post("/departments", status_code=201)
def create_department(body: DepartmentIn, user: CurrentUser, session: Db) -> DepartmentOut:
    ensure(session, user, Action.ADMINISTER, doing="create departments")
    return DepartmentOut.model_validate(service.create_department(session, body.name, body.parent_id))


@router.get("/departments")
def list_departments(user: CurrentUser, session: ReadDb) -> list[DepartmentOut]:
    return [
        DepartmentOut.model_validate(d) for d in session.scalars(select(Department).order_by(Department.id))
    ]


def _visible_user(session: Db, actor: User, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not can(session, actor, Action.VIEW, user):
        raise errors.NotFound(f"no user {user_id}")
    return user


@router.post("/users", status_code=201)
def create_user(body: UserIn, user: CurrentUser, session: Db) -> UserOut:
    ensure(session, user, Action.ADMINISTER, doing="create users")
    created = service.create_user(
        session,
        body.username,
        body.password,
        body.role,
        body.department_id,
        body.name or "",
        body.capacity,
        body.lock_cap,
    )
    return UserOut.model_validate(created)


@router.get("/users")
def list_users(user: CurrentUser, session: ReadDb) -> list[UserOut]:
    everyone = session.scalars(select(User).order_by(User.id))
    return [UserOut.model_validate(u) for u in everyone if can(session, user, Action.VIEW, u)]


@router.get("/users/{user_id}")
def get_user(user_id: IdPath, user: CurrentUser, session: ReadDb) -> UserOut:
    return UserOut.model_validate(_visible_user(session, user, user_id))


@router.patch("/users/{user_id}")
def patch_user(user_id: IdPath, body: UserPatch, user: CurrentUser, session: Db) -> UserOut:
    target = _visible_user(session, user, user_id)
    changes = body.model_dump(exclude_unset=True)
    ensure(session, user, Action.EDIT, target, doing="edit another user")
    if set(changes) - {"name", "password"} and not can(session, user, Action.ADMINISTER):
        raise errors.Forbidden("only an admin may change roles, departments, capacities and lock caps")
    service.update_user(session, target, changes)
    if "password" in changes:
        change_password(session, target, changes["password"])
    return UserOut.model_validate(target)


@router.post("/users/{user_id}/deactivate")
def deactivate(user_id: IdPath, body: DeactivateIn, user: CurrentUser, session: Db) -> UserOut:
    leaving = deactivate_user(session, user, user_id, body.transfer_to)
    return UserOut.model_validate(leaving)


@router.get("/me")
def me(user: CurrentUser, session: ReadDb) -> MeOut:
    settings = service.company_settings(session)
    return MeOut(
        **UserOut.model_validate(user).model_dump(),
        owned=count_owned(session, user.id, settings),
        effective_capacity=capacity_of(user, settings),
    )


@router.get("/settings")
def get_settings(user: CurrentUser, session: ReadDb) -> SettingsOut:
    return SettingsOut.model_validate(service.company_settings(session))


@router.patch("/settings")
def patch_settings(body: SettingsPatch, user: CurrentUser, session: Db) -> SettingsOut:
    ensure(session, user, Action.ADMINISTER, doing="change company settings")
    return SettingsOut.model_validate(service.update_settings(session, body.model_dump(exclude_unset=True)))
