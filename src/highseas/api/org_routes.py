"""Departments, users, /me and company settings."""

from __future__ import annotations

from fastapi import APIRouter

from highseas.api.deps import CurrentUser, Db, IdPath, OneThread, ReadDb
from highseas.auth.permissions import visible_user
from highseas.customers.queries import count_owned
from highseas.org import service
from highseas.org.queries import company_settings, departments
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
    return DepartmentOut.model_validate(service.create_department(session, user, body.name, body.parent_id))


@router.get("/departments")
def list_departments(user: CurrentUser, session: ReadDb) -> list[DepartmentOut]:
    return [DepartmentOut.model_validate(d) for d in departments(session)]


@router.post("/users", status_code=201)
def create_user(body: UserIn, user: CurrentUser, session: Db) -> UserOut:
    created = service.create_user(
        session,
        user,
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
    return [UserOut.model_validate(u) for u in service.visible_users(session, user)]


@router.get("/users/{user_id}")
def get_user(user_id: IdPath, user: CurrentUser, session: ReadDb) -> UserOut:
    return UserOut.model_validate(visible_user(session, user, user_id))


@router.patch("/users/{user_id}")
def patch_user(user_id: IdPath, body: UserPatch, user: CurrentUser, session: Db) -> UserOut:
    """A user changing their own password sends ``current_password`` too; an admin resetting
    another's does not, and ends every session of that user."""
    return UserOut.model_validate(
        service.update_user(session, user, user_id, body.model_dump(exclude_unset=True))
    )


@router.post("/users/{user_id}/deactivate")
def deactivate(user_id: IdPath, body: DeactivateIn, user: CurrentUser, session: Db) -> UserOut:
    leaving = deactivate_user(session, user, user_id, body.transfer_to)
    return UserOut.model_validate(leaving)


@router.get("/me")
def me(user: CurrentUser, session: ReadDb) -> MeOut:
    settings = company_settings(session)
    return MeOut(
        **UserOut.model_validate(user).model_dump(),
        owned=count_owned(session, user.id, settings),
        effective_capacity=capacity_of(user, settings),
    )


@router.get("/settings")
def get_settings(user: CurrentUser, session: ReadDb) -> SettingsOut:
    return SettingsOut.model_validate(company_settings(session))


@router.patch("/settings")
def patch_settings(body: SettingsPatch, user: CurrentUser, session: Db) -> SettingsOut:
    changes = body.model_dump(exclude_unset=True)
    return SettingsOut.model_validate(service.update_settings(session, user, changes))
